"""Settlement reads: statements visible to a user, month overview, drill-down rows."""

import datetime

from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from repairnet import roles
from repairnet.exports import mask_phone
from repairnet.money import ZERO

from .models import ExcludedTicket, FeeRule, SettlementRun, Statement, WorkbookExport, statement_due_on


def statement_list_for(*, user, month: datetime.date | None = None, status: str = "", station_id=None):
    """Statements the user may see (a coordinator: their own station only), with the station joined."""
    qs = roles.scope_queryset(user, Statement.objects.select_related("station"))
    if month is not None:
        qs = qs.filter(month=month)
    if status:
        qs = qs.filter(status=status)
    if station_id:
        qs = qs.filter(station_id=station_id)
    return qs.order_by("-month", "station__code")


def statement_get_visible_to(*, user, pk: int) -> Statement:
    """One statement or 404 — a station never learns that another's statement exists."""
    return get_object_or_404(statement_list_for(user=user), pk=pk)


def statement_lines(*, statement: Statement):
    """Ticket lines with the masked customer phone (station users and exports never see the full number)."""
    rows = list(
        statement.lines.values(
            "pk",
            "ticket_id",
            "ticket_number",
            "completed_at",
            "service_mode",
            "serial",
            "technician_name",
            "fee_kind",
            "fee",
            "allowance",
            "amount",
            "basis",
            "ticket__customer__phone",
        ).order_by("completed_at", "pk")
    )
    for row in rows:
        row["customer_phone"] = mask_phone(row.pop("ticket__customer__phone") or "")
    return rows


def month_overview(*, month: datetime.date) -> dict:
    """Finance month page: totals, count per status, net payable per province (for the chart)."""
    qs = Statement.objects.filter(month=month)
    totals = qs.aggregate(
        stations=Count("pk"),
        lines=Sum("lines_count"),
        excluded=Sum("excluded_count"),
        gross=Sum("gross"),
        deductions=Sum("deductions"),
        net=Sum("net"),
    )
    for key in ("gross", "deductions", "net"):
        totals[key] = totals[key] or ZERO
    for key in ("lines", "excluded"):
        totals[key] = totals[key] or 0
    labels = dict(Statement.Status.choices)
    counts = dict(qs.values("status").annotate(n=Count("pk")).order_by().values_list("status", "n"))
    by_status = [{"status": s, "label": labels[s], "count": counts.get(s, 0)} for s in Statement.Status.values]
    due_on = statement_due_on(month)
    past_due = timezone.localdate() > due_on
    overdue = sum(n for status, n in counts.items() if status not in Statement.SETTLED) if past_due else 0
    by_region = [
        {"region": r["region_name"] or "-", "net": r["net"]}
        for r in qs.values("region_name").annotate(net=Sum("net")).order_by("region_name")
    ]
    return {
        "totals": totals,
        "by_status": by_status,
        "by_region": by_region,
        "due_on": due_on,
        "past_due": past_due,
        "overdue": overdue,
    }


def overdue_through(*, today: datetime.date) -> datetime.date:
    """The latest month whose due date (SPEC 4: the 20th of the next month) has passed on ``today``."""
    previous = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    if today > statement_due_on(previous):
        return previous
    return (previous - datetime.timedelta(days=1)).replace(day=1)


def overdue_q(*, today: datetime.date | None = None) -> Q:
    """Statements past their due date and not yet approved or paid, as a filter (``Statement.is_overdue`` in SQL)."""
    today = today or timezone.localdate()
    return Q(month__lte=overdue_through(today=today)) & ~Q(status__in=Statement.SETTLED)


def statements_overdue(*, today: datetime.date | None = None):
    """Every overdue statement (finance's reminder), oldest month first, with the station joined."""
    return Statement.objects.filter(overdue_q(today=today)).select_related("station").order_by("month", "station__code")


def months_with_statements() -> list[datetime.date]:
    return list(Statement.objects.order_by("-month").values_list("month", flat=True).distinct()[:36])


def run_latest(*, month: datetime.date) -> SettlementRun | None:
    return SettlementRun.objects.filter(month=month).order_by("-created_at", "-pk").first()


def run_get(*, pk: int) -> SettlementRun:
    return get_object_or_404(SettlementRun, pk=pk)


def workbook_export_get(*, pk: int) -> WorkbookExport:
    return get_object_or_404(WorkbookExport, pk=pk)


def fee_rules_in_force(*, on: datetime.date | None = None):
    qs = FeeRule.objects.all()
    if on is not None:
        qs = qs.filter(effective_from__lte=on).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
    return qs.order_by("kind", "-effective_from")


def statement_unpaid(*, statement: Statement) -> dict:
    """A station's "what I was not paid and why" for one statement (issue 18): every excluded ticket with its
    reason and what would make it payable, the disputes waiting on complaints, and the deductions applied.
    Three queries, whatever the number of tickets."""
    excluded = list(
        statement.excluded.select_related("complaint").order_by("reason", "completed_at", "pk")
    )  # a few dozen a month per station; the reasons are counted from the same rows
    labels = dict(ExcludedTicket.Reason.choices)
    by_reason: dict[str, dict] = {}
    for row in excluded:
        group = by_reason.setdefault(
            row.reason,
            {
                "reason": row.reason,
                "label": labels.get(row.reason, row.reason),
                "count": 0,
                "payable_later": row.payable_later,
                "remedy": row.remedy,
            },
        )
        group["count"] += 1
    adjustments = list(statement.adjustments.order_by("amount", "kind", "pk"))
    deductions = [a for a in adjustments if a.amount < 0]
    return {
        "excluded": excluded,
        "by_reason": sorted(by_reason.values(), key=lambda g: (not g["payable_later"], -g["count"])),
        "waiting": sum(1 for row in excluded if row.payable_later),
        "on_complaints": [row for row in excluded if row.complaint_id],
        "deductions": deductions,
        "deductions_total": -sum((a.amount for a in deductions), ZERO),
        "additions": [a for a in adjustments if a.amount > 0],
    }
