"""Periodic jobs of the tickets area (scheduled in the database by migrations 0002 and 0004). Idempotent, retried."""

import datetime

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_noop

from repairnet.jobs import tracked_job

from . import rollup, services


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def callbacks_sweep_task(self):
    """Create due callback tasks once and escalate overdue ones (never a 24-hour countdown task)."""
    return tracked_job("callbacks_sweep", gettext_noop("Callback sweep"))(services.callbacks_sweep)()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sla_breaches_record_task(self):
    return tracked_job("sla_breaches_record", gettext_noop("SLA breaches"))(
        lambda: {"recorded": services.sla_breaches_record()}
    )()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def daily_reports_build_task(self, day: str = ""):
    target = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return tracked_job("daily_reports_build", gettext_noop("Daily reports: build"))(
        lambda: {"built": services.daily_reports_build(day=target)}
    )()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def daily_reports_close_task(self):
    return tracked_job("daily_reports_close", gettext_noop("Daily reports: close"))(services.daily_reports_close)()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def station_day_stats_rebuild_task(self, days: int = 0):
    """Nightly: recount the dashboard rollup of recent days from tickets (rows already right stay untouched)."""
    return tracked_job("station_day_stats_rebuild", gettext_noop("Dashboard counts: recount"))(
        lambda: rollup.stats_rebuild_recent(days=days or None)
    )()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def holidays_refresh_task(self):
    """Monthly: load this year's and next year's public holidays once the calendar publishes them."""
    return tracked_job("holidays_refresh", gettext_noop("Public holidays: refresh"))(
        lambda: services.holidays_refresh(today=timezone.localdate())
    )()
