"""Reads of the fraud area: the signals page, the station ranking, savings, and settlement's exclusion rule."""

import datetime
from decimal import Decimal

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Abs, Cast, Coalesce, Concat, TruncMonth
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.money import quantize
from stations.models import Sanction

from .models import FraudSignal, RuleCode

SCORED = (FraudSignal.Status.OPEN, FraudSignal.Status.CONFIRMED)


def fraud_confirmed(ticket_ref) -> Exists:
    """SQL: is there a confirmed fraud signal on this ticket? The one rule settlement excludes a ticket by."""
    return Exists(FraudSignal.objects.filter(ticket_id=ticket_ref, status=FraudSignal.Status.CONFIRMED))


def signal_list_visible_to(user) -> QuerySet:
    if not roles.can(user, "fraud.view"):
        return FraudSignal.objects.none()
    # a regional manager sees the signals of the stations in their regions (roles.scope_queryset)
    signals = FraudSignal.objects.select_related("ticket", "station", "technician", "decided_by")
    return roles.scope_queryset(user, signals)


def station_ranking(*, user, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """Stations by risk score: the weights of their open and confirmed signals raised in [start, end)."""
    return list(
        signal_list_visible_to(user)
        .filter(created_at__gte=start, created_at__lt=end, status__in=SCORED)
        .values("station_id", "station__code", "station__name")
        .annotate(
            score=Sum("weight"),
            open=Count("pk", filter=Q(status=FraudSignal.Status.OPEN)),
            confirmed=Count("pk", filter=Q(status=FraudSignal.Status.CONFIRMED)),
        )
        .order_by("-score", "station__code")
    )


def savings_by_month(*, user) -> list[dict]:
    """What confirmed signals saved per month of the decision: the fabricated-ticket penalties they raised (CNY).

    The labour fee the excluded tickets would have earned is settlement's figure (shown on its pages)."""
    penalty = Sanction.objects.filter(
        rule__code="fabricated_ticket",
        source_ref=Concat(Value("ticket:"), Cast(OuterRef("ticket_id"), CharField()), output_field=CharField()),
    ).values("amount")[:1]
    rows = (
        signal_list_visible_to(user)
        .filter(status=FraudSignal.Status.CONFIRMED, decided_at__isnull=False)
        .annotate(month=TruncMonth("decided_at"), penalty=Subquery(penalty))
        .values("month")
        .annotate(confirmed=Count("pk"), penalties=Coalesce(Sum(Abs("penalty")), Value(Decimal("0"))))
        .order_by("month")
    )
    return [{**row, "penalties": quantize(row["penalties"])} for row in rows]


EVIDENCE_TEXT = {
    RuleCode.SERIAL_TWO_STATIONS: lambda e: _(
        "Serial %(serial)s was also claimed at %(other_station)s on %(other_day)s (ticket %(other_number)s), "
        "within %(days)s days."
    )
    % e,
    RuleCode.TECHNICIAN_HOP: lambda e: _(
        "Completed in %(district)s %(minutes)s minutes from ticket %(other_number)s in %(other_district)s."
    )
    % e,
    RuleCode.NO_ARRIVAL: lambda e: (
        _("Completed with no arrival recorded.")
        if e.get("minutes") is None
        else _("Arrival recorded %(minutes)s minutes before completion (threshold %(threshold)s).") % e
    ),
    RuleCode.REPEAT_REPAIR: lambda e: (
        _("Serial %(serial)s was repaired before in ticket %(other_number)s within %(days)s days.") % e
        if e.get("other_number")
        else _("Marked as a repeat repair.")
    ),
    RuleCode.NOBODY_CAME: lambda e: _("The customer says nobody came or it was not repaired: %(comments)s") % e,
    RuleCode.DEFECTIVE_NOT_RETURNED: lambda e: _(
        "The defective %(item)s was due back on %(due)s and has not been returned."
    )
    % e,
}


def evidence_text(signal: FraudSignal) -> str:
    """The signal's evidence as one readable sentence in the user's language."""
    try:
        return EVIDENCE_TEXT[signal.rule](signal.evidence)
    except (KeyError, TypeError, ValueError):
        return ", ".join(f"{k}: {v}" for k, v in sorted(signal.evidence.items()))
