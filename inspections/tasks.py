from celery import shared_task
from django.utils.translation import gettext_noop

from repairnet.jobs import tracked_job


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3, acks_late=True)
def rectification_mark_overdue_task(self):
    """Daily: open rectification items past their deadline become overdue and raise one penalty each."""
    from .services import rectification_mark_overdue

    @tracked_job("rectification_mark_overdue", gettext_noop("Rectifications overdue"))
    def run():
        return {"overdue": rectification_mark_overdue()}

    return run()
