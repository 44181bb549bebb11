from celery import shared_task
from django.utils.translation import gettext_noop

from repairnet.jobs import tracked_job


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def obligation_mark_overdue_task(self):
    """Daily: defective-return obligations past their due date become overdue (charged in settlement)."""

    @tracked_job("spares.obligation_mark_overdue", gettext_noop("Defective returns overdue"))
    def run():
        from .services import obligation_mark_overdue

        return {"overdue": obligation_mark_overdue()}

    return run()
