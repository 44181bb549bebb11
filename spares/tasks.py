from celery import shared_task

from repairnet.jobs import tracked_job


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def obligation_mark_overdue_task(self):
    """Daily: defective-return obligations past their due date become overdue (charged in settlement)."""

    @tracked_job("spares.obligation_mark_overdue")
    def run():
        from .services import obligation_mark_overdue

        return f"{obligation_mark_overdue()} obligation(s) marked overdue"

    return run()
