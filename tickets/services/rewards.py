"""Automatic rewards (SPEC 1.5) measured in the tickets area, raised once per station and period by jobs.

Each record's source_ref names its rule's period and station, so a rerun raises nothing new (sanction_raise is
idempotent per source_ref); the station may appeal, and approved records flow into that month's settlement.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import setting
from stations.models import Station
from stations.selectors import sanction_source_refs
from stations.services import sanction_raise

from .. import selectors
from ..models import Callback


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end] (dates, inclusive) as local-midnight instants [lo, hi)."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    return lo, datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def _raise_new(*, rule_code: str, winners: dict[int, str], period: str, actor) -> int:
    """Raise ``rule_code`` for each station of ``winners`` ({station_id: note}) not yet rewarded for ``period``."""
    refs = {sid: f"{rule_code}:{period}:{sid}" for sid in winners}
    done = sanction_source_refs(rule_code=rule_code, source_refs=refs.values())
    stations = Station.objects.in_bulk([sid for sid, ref in refs.items() if ref not in done])
    for sid, station in sorted(stations.items()):
        sanction_raise(station=station, rule_code=rule_code, actor=actor, note=winners[sid], source_ref=refs[sid])
    return len(stations)


def rewards_month(*, year: int, month: int, actor=roles.SYSTEM) -> dict:
    """The month's satisfaction bonus: an average of at least SATISFACTION_BONUS_MIN_AVG over at least
    SATISFACTION_BONUS_MIN_CALLBACKS rated callbacks finished in the month, for each active station."""
    roles.require(actor, "tickets.rewards")
    start = datetime.date(year, month, 1)
    lo, hi = _bounds(start, (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1))
    minimum, floor = setting("SATISFACTION_BONUS_MIN_CALLBACKS"), Decimal(setting("SATISFACTION_BONUS_MIN_AVG"))
    rows = (
        Callback.objects.filter(
            completed_at__gte=lo,
            completed_at__lt=hi,
            satisfaction__isnull=False,
            ticket__station__status=Station.Status.ACTIVE,
        )
        .values("ticket__station_id")
        .annotate(rated=Count("pk"), total=Sum("satisfaction"))
        .filter(rated__gte=minimum)
    )
    winners = {
        r["ticket__station_id"]: _("%(month)s: average %(avg)s over %(n)s callbacks.")
        % {
            "month": f"{year}-{month:02d}",
            "avg": (Decimal(r["total"]) / r["rated"]).quantize(Decimal("0.01")),
            "n": r["rated"],
        }
        for r in rows
        if Decimal(r["total"]) >= floor * r["rated"]  # exact: no rounding of the average decides a bonus
    }
    return {
        "rewards": _raise_new(
            rule_code="satisfaction_bonus", winners=winners, period=f"{year}-{month:02d}", actor=actor
        )
    }


def rewards_quarter(*, year: int, quarter: int, actor=roles.SYSTEM) -> dict:
    """The quarter's excellence bonus: no upheld complaint and SLA compliance of at least EXCELLENCE_SLA_MIN over
    the tickets completed in the quarter (the same measures as the quarterly assessment), per active station."""
    roles.require(actor, "tickets.rewards")
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = (datetime.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - datetime.timedelta(days=1)
    active = set(Station.objects.filter(status=Station.Status.ACTIVE).values_list("pk", flat=True))
    floor = Decimal(setting("EXCELLENCE_SLA_MIN"))
    inputs = selectors.assessment_inputs(station_ids=active, start=start, end=end, detailed=True)
    winners = {
        sid: _("%(quarter)s: SLA %(sla)s %%, no upheld complaint.")
        % {"quarter": f"{year}Q{quarter}", "sla": (m["sla_compliance"] * 100).quantize(Decimal("0.1"))}
        for sid, m in inputs.items()
        if m.get("completed")
        and not m["upheld_complaints"]
        and m["completed"] - m["breached"] >= floor * m["completed"]  # exact, not the rounded ratio
    }
    return {
        "rewards": _raise_new(rule_code="quarter_excellence", winners=winners, period=f"{year}Q{quarter}", actor=actor)
    }
