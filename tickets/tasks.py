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


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def complaint_deadlines_task(self):
    """Every 15 minutes: flag complaints past their 24 h / 72 h deadlines, escalate them, raise the penalty."""
    return tracked_job("complaint_deadlines", gettext_noop("Complaint deadlines"))(services.complaint_deadlines_check)()


def _previous_month(today: datetime.date) -> tuple[int, int]:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.year, last.month


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def rewards_month_task(self, month: str = ""):
    """The 1st, 02:00: last month's satisfaction bonuses (``month`` "YYYY-MM" to raise another month's)."""
    year, number = (int(x) for x in month.split("-")) if month else _previous_month(timezone.localdate())
    return tracked_job("rewards_month", gettext_noop("Monthly rewards"))(
        lambda: services.rewards_month(year=year, month=number)
    )()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def rewards_quarter_task(self, quarter: str = ""):
    """The 1st of a quarter, 02:30: last quarter's excellence bonuses (``quarter`` "YYYY-Qn" for another)."""
    if quarter:
        year, number = int(quarter[:4]), int(quarter[-1])
    else:
        year, month = _previous_month(timezone.localdate())
        number = (month - 1) // 3 + 1
    return tracked_job("rewards_quarter", gettext_noop("Quarterly rewards"))(
        lambda: services.rewards_quarter(year=year, quarter=number)
    )()
