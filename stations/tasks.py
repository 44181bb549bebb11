"""Daily jobs of the stations area (scheduled in the database by migration 0004). Idempotent, retried."""

import datetime

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_noop

from repairnet.jobs import tracked_job

from . import services


def _day(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day) if day else timezone.localdate()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def stations_staffing_check_task(self, day: str = ""):
    """Flag understaffed stations (with the date) and suspend those past the grace period."""
    return tracked_job("stations_staffing_check", gettext_noop("Station staffing check"))(
        lambda: services.stations_staffing_sweep(on=_day(day))
    )()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def certificates_expiry_warn_task(self, day: str = ""):
    """Warn once per certificate, CERT_EXPIRY_WARNING_DAYS before it expires."""
    return tracked_job("certificates_expiry_warn", gettext_noop("Certificate expiry warnings"))(
        lambda: {"warned": services.certificates_expiry_warn(on=_day(day))}
    )()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sanctions_confirm_task(self, day: str = ""):
    """Approve reward/penalty records whose appeal window closed without an appeal."""
    return tracked_job("sanctions_confirm", gettext_noop("Unappealed rewards and penalties"))(
        lambda: {"approved": services.sanctions_confirm_unappealed(on=_day(day))}
    )()
