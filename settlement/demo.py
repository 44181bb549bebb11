"""Demo settlement (idempotent): three months back paid, two months back approved, last month draft.

Runs after the tickets and spares demo data and settles whatever completed tickets they made. Besides the plain
flow it shows: one statement of two months back still issued past its due date (overdue: its coordinator never
confirmed it), and a ticket paid three months back then found fabricated — its −¥200 penalty and the fee
clawed back sit on last month's draft, and the approved record opened a revocation review of the station.
"""

import datetime

from django.utils import timezone

from repairnet.models import User
from stations import selectors as stations_selectors
from stations import services as stations_services
from stations.models import Sanction
from tickets import services as tickets_services

from . import services
from .models import Statement, StatementLine

# The station whose two-months-back statement stays issued (overdue), and the one preferred for the fabricated
# ticket (another station with a paid line is taken when it has none).
OVERDUE_STATION = "ZZ001"
FABRICATED_STATION = "CD001"
FABRICATED_RULE = "fabricated_ticket"


def _months_back(n: int) -> datetime.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def _coordinator(statement: Statement):
    return (
        User.objects.filter(station_id=statement.station_id, groups__name="station_coordinator").order_by("pk").first()
    )


def _fabricated_ticket(*, paid_month: datetime.date, flows_into: datetime.date, stdout) -> None:
    """HQ reports a ticket paid on ``paid_month`` as fabricated and approves the record (which opens the station's
    revocation review). The decision is dated in ``flows_into`` — as if taken then — so last month's draft books
    the penalty and the clawback; the demo seeds months at once, like the tickets demo dating its breaches."""
    hq = User.objects.filter(username="hq").first()
    lines = StatementLine.objects.filter(
        statement__month=paid_month, statement__status=Statement.Status.PAID, amount__gt=0
    ).select_related("ticket", "statement__station")
    line = (
        lines.filter(statement__station__code=FABRICATED_STATION).order_by("pk").first()
        or lines.order_by("statement__station__code", "pk").first()
    )
    if hq is None or line is None:
        return
    ref = tickets_services.fabricated_ref(line.ticket_id)
    if stations_selectors.sanction_source_refs(rule_code=FABRICATED_RULE, source_refs=[ref]):
        return  # reported on an earlier run
    tickets_services.ticket_report_fabricated(
        ticket_id=line.ticket_id, actor=hq, reason="演示数据：回访核实客户从未报修，工单系虚构"
    )
    sanction = Sanction.objects.get(rule__code=FABRICATED_RULE, source_ref=ref)
    stations_services.sanction_decide(sanction=sanction, actor=hq, approve=True, note="演示数据：核实为虚假工单")
    decided = timezone.make_aware(datetime.datetime.combine(flows_into.replace(day=10), datetime.time(10)))
    Sanction.objects.filter(pk=sanction.pk).update(decided_at=decided)
    stdout.write(
        f"settlement: ticket {line.ticket.number} of {line.statement.station.code} reported fabricated "
        f"(revocation review opened; fee clawed back on the {flows_into:%Y-%m} draft)"
    )


def seed(*, stdout) -> None:
    finance = User.objects.filter(username="finance").first()
    if finance is None:
        stdout.write("settlement: no demo finance user; skipped")
        return
    plan = [(_months_back(3), "paid"), (_months_back(2), "approved"), (_months_back(1), "draft")]
    for month, target in plan:
        services.settlement_month_build(month=month)
        for statement in Statement.objects.filter(month=month).select_related("station").order_by("pk"):
            if target == "draft":
                continue
            coordinator = _coordinator(statement)
            if statement.status == Statement.Status.DRAFT:
                services.statement_issue(statement_id=statement.pk, actor=finance, note="演示数据")
                statement.refresh_from_db()
            if target == "approved" and statement.station.code == OVERDUE_STATION:
                continue  # issued, never confirmed: overdue once the 20th of the next month has passed
            if statement.status == Statement.Status.ISSUED and coordinator is not None:
                services.statement_confirm(statement_id=statement.pk, actor=coordinator)
                statement.refresh_from_db()
            if statement.status == Statement.Status.CONFIRMED:
                services.statement_approve(statement_id=statement.pk, actor=finance)
                statement.refresh_from_db()
            if target == "paid" and statement.status == Statement.Status.APPROVED:
                services.statement_record_payment(
                    statement_id=statement.pk,
                    actor=finance,
                    paid_on=min(month + datetime.timedelta(days=49), timezone.localdate()),
                    reference=f"DEMO-{month:%Y%m}-{statement.station.code}",
                )
        count = Statement.objects.filter(month=month).count()
        stdout.write(f"settlement: {month:%Y-%m} → {count} statements ({target})")
        if target == "paid":
            _fabricated_ticket(paid_month=month, flows_into=_months_back(1), stdout=stdout)
