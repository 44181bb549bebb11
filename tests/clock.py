"""The suite's one clock.

``REPAIRNET_TEST_NOW=2027-03-01T00:05+08:00`` runs the whole suite as if every test started at that
instant; the clock ticks from there. Without it tests run at the real time. Tests ask this module for
"now" and "today" instead of reading the wall clock, so a pinned run moves them as well; a test that
needs a particular day pins its own with ``clock.travel(...)``.
"""

import contextlib
import datetime
import os

import time_machine
from django.utils import timezone

ENV = "REPAIRNET_TEST_NOW"
travel = time_machine.travel  # a test pinning its own instant: ``with clock.travel(dt, tick=False):``


def pinned() -> datetime.datetime | None:
    """The instant REPAIRNET_TEST_NOW names (aware; a naive value is read as Asia/Shanghai), or None."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        instant = datetime.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SystemExit(f"{ENV}={raw!r} is not an ISO 8601 date-time (e.g. 2027-03-01T00:05+08:00)") from exc
    if timezone.is_naive(instant):
        instant = instant.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    return instant


def pinned_travel():
    """Travel to the pinned instant (ticking), or stay at the real time when none is named."""
    instant = pinned()
    return travel(instant, tick=True) if instant else contextlib.nullcontext()


def now() -> datetime.datetime:
    """The current aware instant, as the code under test sees it."""
    return timezone.now()


def today() -> datetime.date:
    """Today's date in Asia/Shanghai, the day the business rules count in."""
    return timezone.localdate()


def month_start(day: datetime.date | None = None) -> datetime.date:
    return (day or today()).replace(day=1)


def previous_month(day: datetime.date | None = None) -> datetime.date:
    """The first day of the month before ``day`` (today by default)."""
    return (month_start(day) - datetime.timedelta(days=1)).replace(day=1)


def next_month(day: datetime.date | None = None) -> datetime.date:
    return (month_start(day) + datetime.timedelta(days=32)).replace(day=1)
