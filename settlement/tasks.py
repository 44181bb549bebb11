"""Settlement background jobs: draft the previous month on the 1st; run a month finance asked for."""

from celery import shared_task
from django.utils.translation import gettext_noop

from repairnet import roles
from repairnet.jobs import tracked_job


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3, ignore_result=True)
def settlement_run_task(self, run_id: int) -> str:
    """Execute a queued run (idempotent: a finished run is not repeated)."""
    from .services import settlement_run_execute

    @tracked_job("settlement_run", gettext_noop("Settlement run"))
    def body():
        run = settlement_run_execute(run_id=run_id)
        return f"{run.month:%Y-%m}: {run.message}"

    return body()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def settlement_draft_previous_month_task(self) -> str:
    """On the 1st: rebuild the drafts of the month just ended (issued statements are never touched)."""
    from .services import previous_month, settlement_run_execute, settlement_run_start

    @tracked_job("settlement_draft_previous_month", gettext_noop("Settlement: draft the month just ended"))
    def body():
        run = settlement_run_start(month=previous_month(), actor=None, queue=False)
        run = settlement_run_execute(run_id=run.pk)
        return f"{run.month:%Y-%m}: {run.message}"

    return body()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3, acks_late=True)
def statements_overdue_remind_task(self) -> dict:
    """Daily: e-mail finance the statements past their due date (once per statement and day)."""
    from .services import statements_overdue_remind

    @tracked_job("settlement_overdue_remind", gettext_noop("Settlement: remind finance of overdue statements"))
    def body():
        return statements_overdue_remind(actor=roles.SYSTEM)

    return body()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def settlement_runs_recover_task(self) -> dict:
    """Every 2 minutes: re-queue or fail runs whose worker died, hand over runs the broker never took."""
    from .services import settlement_runs_recover

    @tracked_job("settlement_runs_recover", gettext_noop("Settlement: recover runs that lost their worker"))
    def body():
        return settlement_runs_recover()

    return body()


@shared_task(bind=True, ignore_result=True, acks_late=True)
def workbook_export_task(self, export_id: int) -> None:
    """Build a finance workbook finance asked for (not retried: a failure is shown on the export, which finance
    starts again)."""
    from .services import workbook_export_execute

    workbook_export_execute(export_id=export_id)
