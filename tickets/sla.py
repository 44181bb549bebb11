"""The SLA clock: targets are service-hour minutes, counted only inside a station's service hours on
non-holidays (Asia/Shanghai). Pure functions over (start, minutes, hours, holidays) so they test without a DB."""

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

DEFAULT_HOURS = (datetime.time(8, 30), datetime.time(18, 0))
_MAX_DAYS = 800  # guard against a calendar made only of holidays


@dataclass(frozen=True)
class Calendar:
    start: datetime.time = DEFAULT_HOURS[0]
    end: datetime.time = DEFAULT_HOURS[1]
    holidays: frozenset = frozenset()

    def _window(self, day: datetime.date):
        tz = timezone.get_current_timezone()
        if day in self.holidays or self.end <= self.start:
            return None
        opens = datetime.datetime.combine(day, self.start, tzinfo=tz)
        closes = datetime.datetime.combine(day, self.end, tzinfo=tz)
        return opens, closes

    def add(self, moment: datetime.datetime, minutes: float) -> datetime.datetime:
        """The moment ``minutes`` of service time after ``moment``."""
        remaining = datetime.timedelta(minutes=minutes)
        current = timezone.localtime(moment)
        day = current.date()
        for _ in range(_MAX_DAYS):
            window = self._window(day)
            if window:
                opens, closes = window
                current = max(current, opens)
                if current < closes:
                    available = closes - current
                    if remaining <= available:
                        return current + remaining
                    remaining -= available
            day += datetime.timedelta(days=1)
            current = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
        raise ValueError("no service hours in the calendar")

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """Service time elapsed between two moments."""
        if end <= start:
            return datetime.timedelta(0)
        start, end = timezone.localtime(start), timezone.localtime(end)
        total = datetime.timedelta(0)
        day = start.date()
        while day <= end.date():
            window = self._window(day)
            if window:
                lo, hi = max(start, window[0]), min(end, window[1])
                if hi > lo:
                    total += hi - lo
            day += datetime.timedelta(days=1)
        return total


REFERENCE_KEY = "tickets:sla-reference"


def _reference() -> tuple[list[tuple], frozenset]:
    """Every SLA policy row and holiday date. A few hundred admin-edited rows, read by every create, dispatch
    and pause, so they are cached until one of them changes (``reference_changed``); the hour's expiry only
    bounds a write made around the models (raw SQL)."""
    from .models import Holiday, SlaPolicy

    cached = cache.get(REFERENCE_KEY)
    if cached is None:
        policies = list(SlaPolicy.objects.values_list("priority", "leg", "effective_from", "minutes"))
        cached = (policies, frozenset(Holiday.objects.values_list("date", flat=True)))
        cache.set(REFERENCE_KEY, cached, timeout=3600)
    return cached


def reference_changed(**kwargs) -> None:
    """post_save / post_delete of a policy or holiday (tickets.apps): drop the cache now and again at commit, so
    a read inside the writing transaction cannot keep an uncommitted row."""
    cache.delete(REFERENCE_KEY)
    transaction.on_commit(lambda: cache.delete(REFERENCE_KEY))


def calendar_for(station, *, around: datetime.datetime | None = None) -> Calendar:
    """The station's service hours (default 08:30–18:00) and the holiday calendar."""
    holidays = _reference()[1]
    if station is None:
        return Calendar(holidays=holidays)
    return Calendar(start=station.service_start, end=station.service_end, holidays=holidays)


def policy_minutes(*, priority: str, on: datetime.date | None = None) -> dict[str, int]:
    """leg → target minutes in force on ``on`` for ``priority`` (admin-editable SlaPolicy rows)."""
    on = on or timezone.localdate()
    rows = sorted(
        (row for row in _reference()[0] if row[0] == priority and row[2] <= on),
        key=lambda r: (r[1], r[2]),
        reverse=True,
    )
    result: dict[str, int] = {}
    for _priority, leg, _effective, minutes in rows:
        result.setdefault(leg, minutes)
    return result


LEG_FIELDS = {
    "accept": ("accept_due_at", "accepted_at"),
    "onsite": ("onsite_due_at", "started_at"),
    "complete": ("complete_due_at", "completed_at"),
}


def leg_statuses(ticket, *, now: datetime.datetime | None = None) -> list[dict]:
    """Per leg: due, done, status (due / met / breached / paused) and how late (timedelta or None)."""
    now = now or timezone.now()
    rows = []
    for leg, (due_field, done_field) in LEG_FIELDS.items():
        due, done = getattr(ticket, due_field), getattr(ticket, done_field)
        if due is None:
            continue
        late = None
        if done is not None:
            status = "met" if done <= due else "breached"
            late = done - due if done > due else None
        elif ticket.status in ("cancelled", "closed"):
            continue
        elif leg == "complete" and ticket.paused_at is not None:
            status = "paused"
        elif now > due:
            status, late = "breached", now - due
        else:
            status = "due"
        rows.append({"leg": leg, "due": due, "done": done, "status": status, "late": late, "left": due - now})
    return rows


def unchanged_until(tickets, *, now: datetime.datetime) -> datetime.datetime | None:
    """The first instant after ``now`` at which ``leg_statuses`` of one of ``tickets`` reads differently by the
    clock alone: a leg due passes its deadline, or a breached leg's lateness gains a minute. None: never."""
    minute = datetime.timedelta(minutes=1)
    moments = []
    for ticket in tickets:
        for row in leg_statuses(ticket, now=now):
            if row["done"] is not None or row["status"] == "paused":
                continue
            due = row["due"]
            # "breached" from the first microsecond after the deadline; lateness counts whole minutes
            if now <= due:
                moments.append(due + datetime.timedelta(microseconds=1))
            else:
                moments.append(due + ((now - due) // minute + 1) * minute)
    return min(moments, default=None)


def next_due(ticket) -> datetime.datetime | None:
    """The deadline the ticket is working towards now (for sorting queues by urgency)."""
    for leg, (due_field, done_field) in LEG_FIELDS.items():
        if getattr(ticket, due_field) and not getattr(ticket, done_field):
            if leg == "complete" and ticket.paused_at is not None:
                return None
            return getattr(ticket, due_field)
    return None
