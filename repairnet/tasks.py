import datetime

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_noop

from .filestore import exports_purge
from .idempotency import idempotency_purge
from .jobs import tracked_job
from .models import JobRun
from .outbox import outbox_deliver_due
from .partitions import audit_partitions_ensure
from .services import password_reset_requests_purge, user_password_reset_mail
from .tokens import tokens_expired_purge

JOB_RUN_KEEP_DAYS = 90


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def job_runs_prune_task(self) -> str:
    """Housekeeping: forget job-run records older than 90 days, idempotency keys past their hours, expired API
    tokens, password-reset requests past their window and exports kept in object storage since before yesterday."""
    return _prune()


@tracked_job("job_runs_prune", gettext_noop("Job history clean-up"))
def _prune() -> str:
    cutoff = timezone.now() - datetime.timedelta(days=JOB_RUN_KEEP_DAYS)
    deleted, _ = JobRun.objects.filter(started_at__lt=cutoff).delete()
    deleted += idempotency_purge() + tokens_expired_purge() + password_reset_requests_purge()
    deleted += exports_purge()
    return {"deleted": deleted}


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5, acks_late=True)
def user_password_reset_mail_task(self, user_id: int, site_url: str) -> bool:
    """E-mail a forced password reset's link (repairnet.services.user_password_reset_force)."""
    return user_password_reset_mail(user_id=user_id, site_url=site_url)


@shared_task(bind=True, acks_late=True)
def outbox_deliver_task(self) -> dict:
    """Deliver the outbox's due messages (beat, every minute, and after each commit that wrote some); each row
    is claimed once, so runs at the same time or twice in a row send nothing twice."""
    return outbox_deliver_due()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def audit_partitions_ahead_task(self) -> dict:
    """Create the audit table's partitions for this month and the next three (repairnet.partitions)."""
    return _audit_partitions_ahead()


@tracked_job("audit_partitions_ahead", gettext_noop("Audit partitions for the coming months"))
def _audit_partitions_ahead() -> dict:
    return {"created": len(audit_partitions_ensure())}
