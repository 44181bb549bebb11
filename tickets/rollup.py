"""The HQ dashboard's rollup (``StationDayStats``): per station and local day (Asia/Shanghai), the tickets
completed that day — how many, with an SLA breach, repaired again, called back within 24 h, with a callback due
time, rated, the sum of their satisfaction — and the complaints upheld that day.

Every counter is fixed once its inputs are: none depends on the current time (the dashboard subtracts the few
callbacks not yet due live). So a row is exact while every change of its inputs recomputes it:

- a ticket completed (``ticket_complete``), its callback finished (``_callback_finish``), a breach recorded on
  it after completion (``sla_breaches_record``), a repeat-repair ticket logged against it (``ticket_create``)
  → the row of the ticket's station and completion day;
- a complaint resolved as upheld (``complaint_resolve``) → the row of its station and resolution day.

A refresh recomputes the row from tickets under the row's lock, inside the caller's transaction, so two
concurrent changes of one station-day cannot overwrite each other with stale counts. The nightly
``stats_rebuild_recent`` recomputes recent days with GROUP BY queries and repairs whatever was written around
the services (bulk loads, fixes in the shell); it leaves rows that are already right untouched.
"""

import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from repairnet.services import setting

from .models import Complaint, SlaBreach, StationDayStats, Ticket

COUNTERS = (
    "completed",
    "breached",
    "repeated",
    "called",
    "callback_due",
    "rated",
    "satisfaction_sum",
    "upheld_complaints",
)
CALLBACK_WITHIN = datetime.timedelta(hours=24)  # "called back within 24 h", as assessment_inputs counts it
CHUNK_DAYS = 31  # days rebuilt per transaction
ZERO = dict.fromkeys(COUNTERS, 0)


def _tz():
    return timezone.get_default_timezone()


def local_day(instant: datetime.datetime) -> datetime.date:
    """The business day (Asia/Shanghai) of an instant: the day a completion or a verdict counts on."""
    return timezone.localtime(instant, _tz()).date()


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[first instant of ``start``, first instant after ``end``) in local time."""
    tz = _tz()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def station_day_counts(
    *, start: datetime.date, end: datetime.date, station_ids=None
) -> dict[tuple[int, datetime.date], dict]:
    """Every counter per (station, day) over [start, end], straight from tickets and complaints: two GROUP BY
    queries (completion time and resolution time are indexed), no loop over tickets."""
    lo, hi = day_bounds(start, end)
    done = Ticket.objects.filter(completed_at__gte=lo, completed_at__lt=hi, station__isnull=False)
    upheld = Complaint.objects.filter(
        verdict=Complaint.Verdict.UPHELD, resolved_at__gte=lo, resolved_at__lt=hi, station__isnull=False
    )
    if station_ids is not None:
        done = done.filter(station_id__in=list(station_ids))
        upheld = upheld.filter(station_id__in=list(station_ids))
    rows = (
        done.annotate(day=TruncDate("completed_at", tzinfo=_tz()))
        .values("station_id", "day")
        .annotate(
            completed=Count("pk"),
            breached=Count("pk", filter=Q(Exists(SlaBreach.objects.filter(ticket=OuterRef("pk"))))),
            repeated=Count("pk", filter=Q(Exists(Ticket.objects.filter(repeat_of=OuterRef("pk"))))),
            called=Count("pk", filter=Q(callback__completed_at__lte=F("completed_at") + CALLBACK_WITHIN)),
            callback_due=Count("callback_due_at"),
            rated=Count("callback__satisfaction"),
            satisfaction_sum=Sum("callback__satisfaction", default=0),
        )
        .order_by()
    )
    counts: dict[tuple[int, datetime.date], dict] = defaultdict(lambda: dict(ZERO))
    for row in rows:
        counts[(row.pop("station_id"), row.pop("day"))].update(row)
    complaints = (
        upheld.annotate(day=TruncDate("resolved_at", tzinfo=_tz()))
        .values("station_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in complaints:
        counts[(row["station_id"], row["day"])]["upheld_complaints"] = row["n"]
    return dict(counts)


def _locked(day: datetime.date, station_ids) -> dict[int, StationDayStats]:
    rows = StationDayStats.objects.select_for_update().filter(day=day, station_id__in=list(station_ids))
    return {row.station_id: row for row in rows.order_by("station_id")}


def station_days_refresh(*, day: datetime.date, station_ids) -> list[StationDayStats]:
    """Recompute the rows of ``station_ids`` on ``day`` from tickets, under their row locks (existing rows are
    locked first, in station order, then missing ones are inserted and locked), in the caller's transaction."""
    station_ids = sorted(set(station_ids))
    if not station_ids:
        return []
    with transaction.atomic():
        rows = _locked(day, station_ids)
        missing = [sid for sid in station_ids if sid not in rows]
        if missing:
            StationDayStats.objects.bulk_create(
                [StationDayStats(station_id=sid, day=day) for sid in missing], ignore_conflicts=True
            )
            rows.update(_locked(day, missing))
        counts = station_day_counts(start=day, end=day, station_ids=station_ids)
        now = timezone.now()
        for sid, row in rows.items():
            for name, value in counts.get((sid, day), ZERO).items():
                setattr(row, name, value)
            row.refreshed_at = now
        StationDayStats.objects.bulk_update(list(rows.values()), [*COUNTERS, "refreshed_at"])
    return list(rows.values())


def station_day_refresh(*, station_id: int, day: datetime.date) -> StationDayStats:
    """Recompute one station's day (one locked row, two aggregate queries)."""
    (row,) = station_days_refresh(day=day, station_ids=[station_id])
    return row


def station_day_refresh_for_ticket(*, ticket: Ticket | None) -> None:
    """After a change to what a completed ticket counts for: its completion, its callback, a breach recorded
    on it, a repeat repair logged against it. Nothing to do for a ticket not completed at a station."""
    if ticket is not None and ticket.station_id and ticket.completed_at:
        station_day_refresh(station_id=ticket.station_id, day=local_day(ticket.completed_at))


def station_days_refresh_for_tickets(*, ticket_ids) -> int:
    """The same for many tickets at once (a breach sweep): one refresh per day touched, one transaction each.
    Returns the number of station-days refreshed."""
    ids = sorted(set(ticket_ids))
    by_day: dict[datetime.date, set[int]] = defaultdict(set)
    for i in range(0, len(ids), 500):
        done = Ticket.objects.filter(pk__in=ids[i : i + 500], completed_at__isnull=False, station__isnull=False)
        for station_id, completed_at in done.values_list("station_id", "completed_at"):
            by_day[local_day(completed_at)].add(station_id)
    for day in sorted(by_day):
        station_days_refresh(day=day, station_ids=by_day[day])
    return sum(len(stations) for stations in by_day.values())


def station_day_refresh_for_complaint(*, complaint: Complaint) -> None:
    """After a complaint is resolved: an upheld one counts on its station's resolution day."""
    if complaint.verdict == Complaint.Verdict.UPHELD and complaint.station_id and complaint.resolved_at:
        station_day_refresh(station_id=complaint.station_id, day=local_day(complaint.resolved_at))


def stats_rebuild(*, start: datetime.date, end: datetime.date) -> dict:
    """Recompute every row of [start, end] from tickets and complaints, a month per transaction: the month's
    rows are locked, recounted with GROUP BY, and only rows that differ are written (missing ones created,
    empty ones deleted). Idempotent: a second run writes nothing."""
    result = {"days": (end - start).days + 1, "created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    first = start
    while first <= end:
        last = min(first + datetime.timedelta(days=CHUNK_DAYS - 1), end)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")  # compiling the month's GROUP BY costs more than running it
            locked = (
                StationDayStats.objects.select_for_update()
                .filter(day__gte=first, day__lte=last)
                .order_by("day", "station_id")
                .values_list("station_id", "day", "pk", *COUNTERS)
            )
            existing = {(sid, day): (pk, tuple(values)) for sid, day, pk, *values in locked}
            now = timezone.now()
            create, update = [], []
            for (station_id, day), values in station_day_counts(start=first, end=last).items():
                pk, stored = existing.pop((station_id, day), (None, None))
                if stored == tuple(values[name] for name in COUNTERS):
                    result["unchanged"] += 1
                    continue
                row = StationDayStats(pk=pk, station_id=station_id, day=day, refreshed_at=now, **values)
                (create if pk is None else update).append(row)
            # A row another transaction inserted meanwhile was counted by it after its own change: keep it.
            StationDayStats.objects.bulk_create(create, ignore_conflicts=True, batch_size=1000)
            StationDayStats.objects.bulk_update(update, [*COUNTERS, "refreshed_at"], batch_size=500)
            stale = [pk for pk, _values in existing.values()]
            for i in range(0, len(stale), 500):
                StationDayStats.objects.filter(pk__in=stale[i : i + 500]).delete()
        result["created"] += len(create)
        result["updated"] += len(update)
        result["deleted"] += len(stale)
        first = last + datetime.timedelta(days=1)
    return result


def stats_rebuild_recent(*, days: int | None = None, today: datetime.date | None = None) -> dict:
    """The nightly job: rebuild the last ``days`` days up to today (default: the dashboard's longest window)."""
    days = days or setting("DASHBOARD_STATS_REBUILD_DAYS")
    today = today or timezone.localdate()
    return stats_rebuild(start=today - datetime.timedelta(days=days - 1), end=today)
