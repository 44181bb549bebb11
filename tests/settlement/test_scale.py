"""The monthly run and the workbook at network scale: constant queries, bounded reads, same answers."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from repairnet.exports import CNY_FORMAT
from settlement import exports
from settlement.models import ExcludedTicket, Statement, StatementLine
from settlement.services import (
    RuleBook,
    _candidate_tickets,
    _waiting_earlier,
    adjustment_add,
    settlement_month_build,
    statement_issue,
)
from tests.factories import StationFactory

from .conftest import at, certified

pytestmark = pytest.mark.django_db


def _month_before(month: datetime.date, k: int = 1) -> datetime.date:
    for _ in range(k):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def _breach(ticket, when):
    from tickets.models import SlaBreach

    breach = SlaBreach.objects.create(ticket=ticket, leg="complete", due_at=when - datetime.timedelta(hours=1))
    SlaBreach.objects.filter(pk=breach.pk).update(recorded_at=when)


def _fill_month(month: datetime.date, *, stations: int, tickets_each: int):
    """Every path of the run: counted tickets, exclusions, a same-serial pair, no fee rule, an SLA breach."""
    from tests.tickets.factories import DeviceFactory, completed_ticket

    for _ in range(stations):
        station = StationFactory()
        tech = certified(station)
        ok = {"station": station, "technician": tech, "callback_outcome": "confirmed"}
        for day in range(1, tickets_each + 1):
            completed_ticket(completed_at=at(month, day), **ok)
        device = DeviceFactory()
        first = completed_ticket(completed_at=at(month, 20), device=device, **ok)
        completed_ticket(completed_at=at(month, 22), device=device, **ok)  # within 7 days: counted once
        completed_ticket(completed_at=at(month, 21), service_mode="phone", **ok)  # no fee for phone guidance
        completed_ticket(station=station, technician=tech, completed_at=at(month, 23))  # callback pending
        completed_ticket(completed_at=at(month, 24), in_warranty=False, **ok)
        _breach(first, at(month, 20, 12))


def _snapshot(month: datetime.date):
    """Everything the run decides for a month, without ids that a rebuild renumbers."""
    lines = sorted(
        StatementLine.objects.filter(statement__month=month).values_list(
            "statement__station_id",
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
        )
    )
    excluded = sorted(
        ExcludedTicket.objects.filter(statement__month=month).values_list(
            "statement__station_id", "ticket_id", "reason", "detail"
        )
    )
    statements = sorted(
        Statement.objects.filter(month=month).values_list(
            "station_id",
            "status",
            "region_name",
            "lines_count",
            "excluded_count",
            "fees_total",
            "allowances_total",
            "additions_total",
            "gross",
            "deductions",
            "net",
        )
    )
    return lines, excluded, statements


def test_month_run_queries_are_equal_for_a_small_and_a_large_month(month, no_external):
    small_month, large_month = _month_before(month), month
    _fill_month(small_month, stations=1, tickets_each=1)
    _fill_month(large_month, stations=4, tickets_each=12)

    with CaptureQueriesContext(connection) as small:
        settlement_month_build(month=small_month)
    with CaptureQueriesContext(connection) as large:
        settlement_month_build(month=large_month)
    counts = sorted(Statement.objects.filter(month=large_month).values_list("lines_count", "excluded_count"))
    assert counts == [(0, 1)] + [(13, 4)] * 4  # the small month's pending callback still waits
    assert len(large.captured_queries) == len(small.captured_queries)
    # and a rebuild of existing drafts, small and large, too
    with CaptureQueriesContext(connection) as small_again:
        settlement_month_build(month=small_month)
    with CaptureQueriesContext(connection) as large_again:
        settlement_month_build(month=large_month)
    assert len(large_again.captured_queries) == len(small_again.captured_queries)


def test_rerun_gives_identical_statements_lines_and_exclusions(month, no_external, finance):
    _fill_month(month, stations=2, tickets_each=5)
    settlement_month_build(month=month)
    statement = Statement.objects.filter(month=month).order_by("station_id").first()
    adjustment_add(statement_id=statement.pk, amount=Decimal("-8.50"), description="上月多付更正", actor=finance)
    first = _snapshot(month)
    assert first[0] and first[1]
    settlement_month_build(month=month)
    assert _snapshot(month) == first
    statement.refresh_from_db()
    assert statement.net == Decimal("30.00") * 6 - Decimal("5.00") - Decimal("8.50")  # six lines, breach, manual


def _waiting_from_month_before(month):
    """A station whose technician completed a ticket late in the month before ``month``, its callback disputed
    (so it waits): (station, technician, the month before, the ticket)."""
    from tests.tickets.factories import completed_ticket

    station = StationFactory()
    tech = certified(station)
    earlier = _month_before(month)
    waiting = completed_ticket(
        station=station, technician=tech, completed_at=at(earlier, 27), callback_outcome="disputed"
    )
    return station, tech, earlier, waiting


def test_month_result_does_not_depend_on_settled_history(month, no_external, finance):
    """Old settled months (many tickets, paid waiting ones) change nothing; the month's waiting ones still count."""
    from tests.tickets.factories import completed_ticket
    from tickets.models import Callback

    station, tech, earlier, waiting = _waiting_from_month_before(month)
    settlement_month_build(month=earlier)
    statement_issue(statement_id=Statement.objects.get(station=station, month=earlier).pk, actor=finance)
    Callback.objects.filter(ticket=waiting).update(outcome="confirmed")
    _fill_month(month, stations=1, tickets_each=3)
    completed_ticket(station=station, technician=tech, completed_at=at(month, 2), callback_outcome="confirmed")

    with CaptureQueriesContext(connection) as without_history:
        settlement_month_build(month=month)
    expected = _snapshot(month)
    assert StatementLine.objects.get(ticket=waiting).statement.month == month

    # months of settled, paid history at the same station: waiting tickets there were paid a month later
    late = None
    for k in (5, 4, 3):
        old = _month_before(month, k)
        for day in range(1, 11):
            completed_ticket(station=station, technician=tech, completed_at=at(old, day), callback_outcome="confirmed")
        if k > 3:  # its callback is finished in the next month, which pays it
            late = completed_ticket(station=station, technician=tech, completed_at=at(old, 26))
        settlement_month_build(month=old)
        Statement.objects.filter(month=old).update(status=Statement.Status.PAID)
        if k > 3:
            answered = {"due_at": at(old, 27), "status": "done", "outcome": "confirmed"}
            assert Callback.objects.filter(ticket=late).update(**answered) == 1
    assert StatementLine.objects.get(ticket=late).statement.month == _month_before(month, 3)
    Statement.objects.filter(month=month).delete()

    with CaptureQueriesContext(connection) as with_history:
        settlement_month_build(month=month)
    assert _snapshot(month) == expected
    assert len(with_history.captured_queries) == len(without_history.captured_queries)


@pytest.mark.postgres
def test_candidates_are_read_through_indexes_not_the_history(month, no_external):
    """With years of history, the month's candidates come from an index range on completed_at, the earlier
    waiting ones by id, found through the partial index on the waiting exclusions."""
    from tests.tickets.factories import completed_ticket
    from tickets.models import Callback, Ticket

    station, tech, earlier, waiting = _waiting_from_month_before(month)
    settlement_month_build(month=earlier)
    Callback.objects.filter(ticket=waiting).update(outcome="confirmed")
    template = completed_ticket(
        station=station, technician=tech, completed_at=at(month, 3), callback_outcome="confirmed"
    )
    old = at(month, 1) - datetime.timedelta(days=900)
    fields = {f.attname: getattr(template, f.attname) for f in Ticket._meta.concrete_fields if not f.primary_key}
    history = Ticket.objects.bulk_create(
        [
            Ticket(**{**fields, "number": f"H{i:09d}", "completed_at": old + datetime.timedelta(hours=i)})
            for i in range(5000)
        ],
        batch_size=1000,
    )
    # ... settled long ago: out of warranty, say (exclusions that are not waiting)
    settled = Statement.objects.create(station=station, month=_month_before(month, 30), status=Statement.Status.PAID)
    ExcludedTicket.objects.bulk_create(
        [
            ExcludedTicket(
                statement=settled,
                ticket=t,
                ticket_number=t.number,
                completed_at=t.completed_at,
                service_mode=t.service_mode,
                reason=ExcludedTicket.Reason.OUT_OF_WARRANTY,
            )
            for t in history
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def plan(qs) -> str:
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    assert list(_waiting_earlier(station_ids=[station.pk], month=month)) == [waiting.pk]
    in_month, waiting_branch = _candidate_tickets(station_ids=[station.pk], month=month, book=RuleBook(month))
    month_plan, ids_plan, waiting_plan = (
        plan(in_month),
        plan(_waiting_earlier(station_ids=[station.pk], month=month)),
        plan(waiting_branch),
    )
    assert "Index Cond: ((completed_at >= " in month_plan, month_plan
    assert "Seq Scan on tickets_ticket" not in month_plan, month_plan
    assert "settlement_excluded_waiting" in ids_plan, ids_plan
    assert "Seq Scan on settlement_excludedticket" not in ids_plan, ids_plan
    assert "tickets_ticket_pkey" in waiting_plan, waiting_plan
    assert "Seq Scan on tickets_ticket" not in waiting_plan, waiting_plan
    assert "Index Cond: (completed_at" not in waiting_plan, waiting_plan


def test_workbook_has_frozen_headers_cny_formats_and_formulas_on_every_sheet(month, no_external, finance, tmp_path):
    _fill_month(month, stations=2, tickets_each=2)
    settlement_month_build(month=month)
    statement = Statement.objects.filter(month=month).order_by("station__code").first()
    adjustment_add(statement_id=statement.pk, amount=Decimal("12.00"), description="=1+1 不是公式", actor=finance)

    path = exports.workbook_build(month=month, path=tmp_path / "month.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总", "工单明细", "调整项", "未计费工单"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(cell.font.bold for cell in ws[1])
    summary, lines, adjustments, excluded = wb.worksheets
    assert [c.value for c in lines[1]][9:12] == ["劳务费", "偏远补贴", "金额"]
    assert {lines.cell(row=r, column=c).number_format for r in range(2, lines.max_row + 1) for c in (10, 11, 12)} == {
        CNY_FORMAT
    }
    assert lines.max_row == 1 + 2 * 3  # two stations × (two days + the first of the same-serial pair)
    assert excluded.max_row == 1 + 2 * 4  # the second of the pair, phone guidance, callback pending, warranty
    descriptions = [adjustments.cell(row=r, column=5).value for r in range(2, adjustments.max_row + 1)]
    assert "=1+1 不是公式" in descriptions  # text stays text
    assert adjustments["D2"].number_format == CNY_FORMAT
    total = summary.max_row
    assert summary[f"A{total}"].value == "合计"
    assert summary["J2"].value == "=F2+G2+H2-I2"
    assert summary[f"J{total}"].value == f"=SUM(J2:J{total - 1})"
    assert {summary.cell(row=r, column=c).number_format for r in range(2, total + 1) for c in range(6, 11)} == {
        CNY_FORMAT
    }
    # the formulas carry their value, for viewers that do not recalculate on opening
    cached = load_workbook(path, data_only=True)["汇总"]
    nets = sorted(Statement.objects.filter(month=month).values_list("net", flat=True))
    assert sorted(Decimal(str(cached[f"J{r}"].value)) for r in range(2, total)) == nets
    assert Decimal(str(cached[f"J{total}"].value)) == sum(nets)


def test_workbook_reads_rows_as_values_not_model_objects(month, simple_month, tmp_path, monkeypatch):
    """The export streams tuples: building a StatementLine or ExcludedTicket object would fail here."""
    settlement_month_build(month=month)

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook must not build model objects row by row")

    monkeypatch.setattr(StatementLine, "from_db", classmethod(refuse))
    monkeypatch.setattr(ExcludedTicket, "from_db", classmethod(refuse))
    path = exports.workbook_build(month=month, path=tmp_path / "m.xlsx")
    assert load_workbook(path, read_only=True)["工单明细"].max_row == 3
