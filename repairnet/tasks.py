import datetime

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_noop

from .idempotency import idempotency_purge
from .jobs import tracked_job
from .models import JobRun

JOB_RUN_KEEP_DAYS = 90


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def job_runs_prune_task(self) -> str:
    """Housekeeping: forget job-run records older than 90 days and idempotency keys past their hours."""
    return _prune()


@tracked_job("job_runs_prune", gettext_noop("Job history clean-up"))
def _prune() -> str:
    cutoff = timezone.now() - datetime.timedelta(days=JOB_RUN_KEEP_DAYS)
    deleted, _ = JobRun.objects.filter(started_at__lt=cutoff).delete()
    return {"deleted": deleted + idempotency_purge()}
