"""The rules: each reads the candidate tickets in one SQL query (aggregates and subqueries, no loop over tickets)
and returns ``(ticket row, evidence)`` pairs for the tickets it flags. ``services.fraud_evaluate`` stores them."""

import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from spares.models import Obligation
from tickets.models import Callback, Complaint, Ticket

from .models import FraudRule, RuleCode

ROW = ("pk", "station_id", "technician_id", "number")


def _rows(qs: QuerySet, *fields: str, **extra):
    return qs.order_by("pk").values(*ROW, *fields, serial=F("device__serial"), **extra)


def serial_two_stations(rule: FraudRule, tickets: QuerySet):
    """The later of two claims on one serial at two different stations within ``window_days``."""
    window = datetime.timedelta(days=rule.window_days)
    earlier = (
        Ticket.objects.filter(device_id=OuterRef("device_id"), station__isnull=False)
        .exclude(station_id=OuterRef("station_id"))
        .exclude(pk=OuterRef("pk"))
        .filter(received_at__gte=OuterRef("received_at") - window, received_at__lte=OuterRef("received_at"))
        .exclude(status=Ticket.Status.CANCELLED)
        .order_by("-received_at", "-pk")
    )
    qs = tickets.annotate(other_number=Subquery(earlier.values("number")[:1])).filter(other_number__isnull=False)
    for row in _rows(
        qs,
        "other_number",
        other_station=Subquery(earlier.values("station__name")[:1]),
        other_received=Subquery(earlier.values("received_at")[:1]),
    ):
        yield (
            row,
            {
                "serial": row["serial"],
                "other_number": row["other_number"],
                "other_station": row["other_station"],
                "other_day": timezone.localtime(row["other_received"]).date().isoformat(),
                "days": rule.window_days,
            },
        )


def technician_hop(rule: FraudRule, tickets: QuerySet):
    """On-site completions by one technician in two different districts within ``threshold`` minutes."""
    minutes = datetime.timedelta(minutes=int(rule.threshold))
    near = (
        Ticket.objects.filter(
            technician_id=OuterRef("technician_id"),
            service_mode=Ticket.ServiceMode.ONSITE,
            customer__region__isnull=False,
            completed_at__gte=OuterRef("completed_at") - minutes,
            completed_at__lte=OuterRef("completed_at") + minutes,
        )
        .exclude(pk=OuterRef("pk"))
        .exclude(customer__region_id=OuterRef("customer__region_id"))
        .order_by("completed_at", "pk")
    )
    qs = (
        tickets.filter(service_mode=Ticket.ServiceMode.ONSITE, technician__isnull=False, customer__region__isnull=False)
        .annotate(other_number=Subquery(near.values("number")[:1]))
        .filter(other_number__isnull=False)
    )
    for row in _rows(
        qs,
        "other_number",
        "completed_at",
        district=F("customer__region__name"),
        other_district=Subquery(near.values("customer__region__name")[:1]),
        other_completed=Subquery(near.values("completed_at")[:1]),
    ):
        gap = abs(row["completed_at"] - row["other_completed"]).total_seconds() / 60
        yield (
            row,
            {
                "other_number": row["other_number"],
                "district": row["district"],
                "other_district": row["other_district"],
                "minutes": round(gap),
            },
        )


def no_arrival(rule: FraudRule, tickets: QuerySet):
    """On-site tickets completed with no arrival, or an arrival recorded within ``threshold`` minutes of it."""
    minutes = datetime.timedelta(minutes=int(rule.threshold))
    qs = tickets.filter(service_mode=Ticket.ServiceMode.ONSITE).filter(
        Q(started_at__isnull=True) | Q(completed_at__lt=F("started_at") + minutes)
    )
    for row in _rows(qs, "started_at", "completed_at"):
        gap = None if row["started_at"] is None else (row["completed_at"] - row["started_at"]).total_seconds() / 60
        yield row, {"minutes": None if gap is None else round(gap, 1), "threshold": int(rule.threshold)}


def repeat_repair(rule: FraudRule, tickets: QuerySet):
    """A serial completed again within ``window_days`` of an earlier completed repair (or marked a repeat)."""
    window = datetime.timedelta(days=rule.window_days)
    earlier = (
        Ticket.objects.filter(
            device_id=OuterRef("device_id"),
            completed_at__lt=OuterRef("completed_at"),
            completed_at__gte=OuterRef("completed_at") - window,
        )
        .exclude(pk=OuterRef("pk"))
        .order_by("-completed_at", "-pk")
    )
    qs = tickets.annotate(other_number=Subquery(earlier.values("number")[:1])).filter(
        Q(other_number__isnull=False) | Q(is_repeat_repair=True)
    )
    for row in _rows(qs, "other_number", no_fault=F("no_fault_found")):
        yield row, {"other_number": row["other_number"] or "", "days": rule.window_days, "no_fault": row["no_fault"]}


def nobody_came(rule: FraudRule, tickets: QuerySet):
    """The callback says not repaired (or the dispute was upheld), or a missed-visit complaint on the ticket."""
    missed = Complaint.objects.filter(ticket_id=OuterRef("pk"), category=Complaint.Category.LATE).exclude(
        verdict=Complaint.Verdict.NOT_UPHELD
    )
    qs = tickets.filter(
        Q(callback__outcome__in=(Callback.Outcome.NOT_REPAIRED, Callback.Outcome.DISPUTE_UPHELD)) | Exists(missed)
    )
    for row in _rows(qs, outcome=F("callback__outcome"), comments=F("callback__comments")):
        yield row, {"outcome": row["outcome"] or "", "comments": (row["comments"] or "")[:200]}


def defective_not_returned(rule: FraudRule, tickets: QuerySet):
    """A part used on the ticket whose defective is still not back ``window_days`` after its return was due."""
    cutoff = timezone.localdate() - datetime.timedelta(days=rule.window_days)
    late = Obligation.objects.filter(
        ticket_id=OuterRef("pk"),
        status__in=(Obligation.Status.OPEN, Obligation.Status.OVERDUE),
        due_date__lt=cutoff,
    ).order_by("due_date", "pk")
    qs = tickets.annotate(item=Subquery(late.values("item__name")[:1])).filter(item__isnull=False)
    for row in _rows(qs, "item", due=Subquery(late.values("due_date")[:1])):
        yield row, {"item": row["item"], "due": row["due"].isoformat(), "days": rule.window_days}


FINDERS = {
    RuleCode.SERIAL_TWO_STATIONS: serial_two_stations,
    RuleCode.TECHNICIAN_HOP: technician_hop,
    RuleCode.NO_ARRIVAL: no_arrival,
    RuleCode.REPEAT_REPAIR: repeat_repair,
    RuleCode.NOBODY_CAME: nobody_came,
    RuleCode.DEFECTIVE_NOT_RETURNED: defective_not_returned,
}
