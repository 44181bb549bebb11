"""The monthly run: valid workload, exclusions, adjustments, totals, idempotence, locked statements."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from settlement.models import Adjustment, ExcludedTicket, FeeKind, FeeRule, SettlementRun, Statement, StatementLine
from settlement.services import (
    settlement_month_build,
    settlement_run_start,
    statement_approve,
    statement_confirm,
    statement_issue,
)
from tests import clock
from tests.factories import StationFactory

from .conftest import at, certified

pytestmark = pytest.mark.django_db


def _breach(ticket, when, leg):
    from tickets.models import SlaBreach

    breach = SlaBreach.objects.create(ticket=ticket, leg=leg, due_at=when - datetime.timedelta(hours=1))
    SlaBreach.objects.filter(pk=breach.pk).update(recorded_at=when)
    return breach


def test_hand_built_month_gives_exact_net_payable(month, no_external, finance):
    from tests.tickets.factories import DeviceFactory, completed_ticket

    remote = StationFactory(name="汶川县偏远维修站", is_remote=True)
    other = StationFactory(name="郑州中原维修站")
    tech = certified(remote)
    uncertified = certified(remote)
    uncertified.certificates.update(expires_on=month - datetime.timedelta(days=1))
    device = DeviceFactory()
    ok = {"station": remote, "technician": tech, "callback_outcome": "confirmed"}

    t_onsite = completed_ticket(completed_at=at(month, 3), device=device, **ok)  # 30 + 10 remote
    completed_ticket(completed_at=at(month, 4), service_mode="carry_in", **ok)  # 20
    completed_ticket(
        station=remote,
        technician=tech,
        completed_at=at(month, 4, 15),
        service_mode="mail_in",
        callback_outcome="unreachable",
    )  # 20 (carry-in fee)
    completed_ticket(completed_at=at(month, 5), fault_category="accessory", **ok)  # 5, no allowance
    nff = completed_ticket(completed_at=at(month, 6), service_mode="carry_in", **ok)  # 5
    type(nff).objects.filter(pk=nff.pk).update(fault_found="无故障，指导使用", no_fault_found=True)
    # earns nothing:
    excluded = {
        "out_of_warranty": completed_ticket(completed_at=at(month, 7), in_warranty=False, **ok),
        "uncertified": completed_ticket(
            station=remote, technician=uncertified, completed_at=at(month, 7), callback_outcome="confirmed"
        ),
        "callback_disputed": completed_ticket(
            station=remote, technician=tech, completed_at=at(month, 8), callback_outcome="disputed"
        ),
        "not_repaired": completed_ticket(
            station=remote, technician=tech, completed_at=at(month, 8), callback_outcome="not_repaired"
        ),
        "callback_pending": completed_ticket(station=remote, technician=tech, completed_at=at(month, 9)),
        "repeat_repair": completed_ticket(completed_at=at(month, 10), is_repeat_repair=True, **ok),
        "duplicate_serial": completed_ticket(completed_at=at(month, 8), device=device, **ok),
    }
    # next month and a cancelled ticket never appear
    completed_ticket(completed_at=at(month, 1) - datetime.timedelta(days=40), **ok)
    _breach(t_onsite, at(month, 3, 12), "accept")
    _breach(t_onsite, at(month, 3, 16), "complete")
    no_external["sanctions"] = [
        SimpleNamespace(id=901, station_id=remote.pk, amount=Decimal("-50.00"), rule="投诉属实"),
        SimpleNamespace(id=902, station_id=remote.pk, amount=Decimal("200.00"), rule="月度满意度奖励"),
    ]
    no_external["charges"] = [
        {
            "station_id": remote.pk,
            "kind": "overdue_return",
            "amount": Decimal("37.45"),
            "description": "电源板逾期未返还",
            "ref": "spares-obligation-7",
        }
    ]
    # the other station: one plain on-site ticket, not remote
    completed_ticket(
        station=other, technician=certified(other), completed_at=at(month, 20), callback_outcome="confirmed"
    )

    totals = settlement_month_build(month=month)

    st = Statement.objects.get(station=remote, month=month)
    fees = Decimal("30") + 20 + 20 + 5 + 5
    allowances = Decimal("10")
    additions = Decimal("200")
    deductions = Decimal("5") * 2 + 50 + Decimal("37.45")
    expected_net = fees + allowances + additions - deductions
    assert expected_net == Decimal("192.55")
    assert (st.fees_total, st.allowances_total, st.additions_total) == (fees, allowances, additions)
    assert st.gross == Decimal("290.00")
    assert st.deductions == Decimal("97.45")
    assert st.net == Decimal("192.55")
    assert st.lines_count == 5
    reasons = dict(ExcludedTicket.objects.filter(statement=st).values_list("ticket_id", "reason"))
    assert reasons == {t.pk: reason for reason, t in excluded.items()}
    kinds = sorted(st.lines.values_list("fee_kind", flat=True))
    assert kinds == sorted(
        [
            FeeKind.ONSITE_REPAIR,
            FeeKind.CARRY_IN_REPAIR,
            FeeKind.CARRY_IN_REPAIR,
            FeeKind.ACCESSORY_REPLACEMENT,
            FeeKind.NO_FAULT_FOUND,
        ]
    )
    line = st.lines.get(ticket=t_onsite)
    assert (line.fee, line.allowance, line.amount) == (Decimal("30.00"), Decimal("10.00"), Decimal("40.00"))
    assert "偏远" in line.basis or "allowance" in line.basis
    assert Statement.objects.get(station=other, month=month).net == Decimal("30.00")
    assert totals["lines"] == 6 and totals["excluded"] == 7


def test_rerun_gives_identical_drafts_and_leaves_issued_untouched(month, simple_month, finance):
    from tests.tickets.factories import completed_ticket

    a, b = simple_month
    settlement_month_build(month=month)

    def snapshot():
        return sorted(
            StatementLine.objects.filter(statement__month=month).values_list(
                "statement__station_id", "ticket_id", "fee", "allowance", "amount", "basis"
            )
        ), sorted(Statement.objects.filter(month=month).values_list("station_id", "status", "gross", "net"))

    first = snapshot()
    settlement_month_build(month=month)
    assert snapshot() == first

    issued = statement_issue(statement_id=Statement.objects.get(station=a, month=month).pk, actor=finance)
    before = (issued.net, list(issued.lines.values_list("pk", "amount")), issued.updated_at)
    # new work arrives for both stations; the re-run changes only the draft
    for station in (a, b):
        completed_ticket(
            station=station, technician=certified(station), completed_at=at(month, 9), callback_outcome="confirmed"
        )
    totals = settlement_month_build(month=month)
    issued.refresh_from_db()
    assert (issued.net, list(issued.lines.values_list("pk", "amount")), issued.updated_at) == before
    assert Statement.objects.get(station=b, month=month).net == Decimal("60.00")
    assert totals["locked"] == 1


def test_approved_statement_refuses_any_change(month, simple_month, finance, user_for):
    from repairnet import roles
    from settlement.services import adjustment_add

    a, _ = simple_month
    settlement_month_build(month=month)
    st = Statement.objects.get(station=a, month=month)
    statement_issue(statement_id=st.pk, actor=finance)
    statement_confirm(statement_id=st.pk, actor=user_for(roles.COORDINATOR, station=a))
    statement_approve(statement_id=st.pk, actor=finance)
    st.refresh_from_db()
    st.net = Decimal("1.00")
    with pytest.raises(ValidationError):
        st.save()
    with pytest.raises(ValidationError):
        st.lines.first().save()
    with pytest.raises(ValidationError):
        Adjustment(statement=st, kind="manual", amount=Decimal("5"), description="x", source_ref="m1").save()
    with pytest.raises(ValidationError):
        adjustment_add(statement_id=st.pk, amount=Decimal("5.00"), description="补发", actor=finance)
    with pytest.raises(ValidationError):
        statement_issue(statement_id=st.pk, actor=finance)
    st.refresh_from_db()
    assert st.net == Decimal("30.00") and st.status == Statement.Status.APPROVED


def test_rule_change_never_alters_an_issued_statement(month, simple_month, finance):
    a, b = simple_month
    settlement_month_build(month=month)
    st = Statement.objects.get(station=a, month=month)
    statement_issue(statement_id=st.pk, actor=finance)
    rule = FeeRule.objects.get(kind=FeeKind.ONSITE_REPAIR)
    rule.effective_to = month - datetime.timedelta(days=1)
    rule.save()
    FeeRule.objects.create(kind=FeeKind.ONSITE_REPAIR, amount=Decimal("35.00"), effective_from=month)
    settlement_month_build(month=month)
    st.refresh_from_db()
    assert st.net == Decimal("30.00")
    assert Statement.objects.get(station=b, month=month).net == Decimal("35.00")
    assert st.rules_snapshot["rules"][0]["amount"]


def test_disputed_callback_waits_and_counts_in_a_later_month(month, no_external, finance):
    from tests.tickets.factories import completed_ticket
    from tickets.models import Callback

    earlier = (month - datetime.timedelta(days=1)).replace(day=1)
    station = StationFactory()
    ticket = completed_ticket(
        station=station, technician=certified(station), completed_at=at(earlier, 25), callback_outcome="disputed"
    )
    settlement_month_build(month=earlier)
    statement_issue(statement_id=Statement.objects.get(station=station, month=earlier).pk, actor=finance)
    assert ExcludedTicket.objects.get(ticket=ticket).reason == ExcludedTicket.Reason.CALLBACK_DISPUTED
    Callback.objects.filter(ticket=ticket).update(outcome="confirmed")
    settlement_month_build(month=month)
    line = StatementLine.objects.get(ticket=ticket)
    assert line.statement.month == month and line.amount == Decimal("30.00")
    # and it is never paid twice
    settlement_month_build(month=month)
    assert StatementLine.objects.filter(ticket=ticket).count() == 1


def test_run_records_progress_and_counts(month, simple_month, finance, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = settlement_run_start(month=month, actor=finance)  # eager Celery: runs on commit
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.DONE
    assert run.progress == 100 and run.drafts_count == 2 and run.lines_count == 2


def test_future_month_is_refused(finance, db):
    next_month = (clock.today().replace(day=28) + datetime.timedelta(days=5)).replace(day=1)
    with pytest.raises(ValidationError):
        settlement_run_start(month=next_month, actor=finance)


def test_run_uses_a_constant_number_of_queries(
    month, simple_month, django_assert_max_num_queries, django_assert_num_queries
):
    from tests.tickets.factories import completed_ticket

    def new_station_with_a_ticket():
        station = StationFactory()
        completed_ticket(
            station=station, technician=certified(station), completed_at=at(month, 7), callback_outcome="confirmed"
        )

    settlement_month_build(month=month)
    a, b = simple_month
    new_station_with_a_ticket()  # each build below both rebuilds drafts and creates new statements
    with django_assert_max_num_queries(40) as small:
        settlement_month_build(month=month)  # three stations, one ticket each
    few = len(small.captured_queries)
    for day in range(1, 25):
        completed_ticket(
            station=a, technician=certified(a), completed_at=at(month, day, 9), callback_outcome="confirmed"
        )
    for day in range(1, 4):
        completed_ticket(
            station=b, technician=certified(b), completed_at=at(month, day, 9), callback_outcome="confirmed"
        )
    for _ in range(3):
        new_station_with_a_ticket()
    with django_assert_num_queries(few):
        settlement_month_build(month=month)
    assert Statement.objects.get(station=a, month=month).lines_count == 25
    assert Statement.objects.get(station=b, month=month).lines_count == 4
    assert Statement.objects.filter(month=month).count() == 6


def test_real_sanctions_flow_in_and_are_marked_settled_on_issue(month, finance):
    """Integration with stations: approved rewards/penalties become adjustments, then are consumed."""
    from stations.models import Sanction, SanctionRule

    station = StationFactory()
    rule = SanctionRule.objects.get(code="complaint_upheld")
    sanction = Sanction.objects.create(
        station=station,
        rule=rule,
        amount=rule.amount,
        status=Sanction.Status.APPROVED,
        appeal_deadline=month,
        decided_at=at(month, 12),
    )
    settlement_month_build(month=month)
    st = Statement.objects.get(station=station, month=month)
    assert st.net == rule.amount and st.adjustments.get().source_ref == f"sanction:{sanction.pk}"
    statement_issue(statement_id=st.pk, actor=finance)
    sanction.refresh_from_db()
    assert sanction.settled_ref
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    settlement_month_build(month=next_month)
    assert not Statement.objects.filter(station=station, month=next_month).exists()
