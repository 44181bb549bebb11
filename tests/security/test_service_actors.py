"""Every state-changing service checks its actor itself, not only the page or API in front of it.

Each case calls a service on a real object of station A with an actor who lacks the role or the
scope (staff of station B, a hotline agent, no actor at all) and expects ``PermissionDenied`` with
nothing written: row counts, balances and states are the same before and after.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from repairnet import roles
from repairnet.models import AuditEvent
from spares import services as spares
from spares.models import (
    DepositEntry,
    Movement,
    Obligation,
    SerialUnit,
    Shipment,
    StockBalance,
    StocktakeProposal,
    WriteOff,
)
from stations import services as stations
from stations.models import Assessment, Sanction, Station, TierChange
from tests.factories import make_user
from tests.spares import conftest as spares_fixtures
from tests.spares.conftest import staff_of
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db

# the spares suite's stock fixtures: a station that has received tuners, remotes and spare machines
hq_user, part, accessory, machine, stocked_station = (
    spares_fixtures.hq_user,
    spares_fixtures.part,
    spares_fixtures.accessory,
    spares_fixtures.machine,
    spares_fixtures.stocked_station,
)


def _state() -> dict:
    """Everything these services could write, in a comparable form."""
    state = {
        model.__name__: model.objects.count()
        for model in (
            AuditEvent,
            DepositEntry,
            Movement,
            Obligation,
            Shipment,
            StocktakeProposal,
            WriteOff,
            Sanction,
            TierChange,
            Assessment,
        )
    }
    state["on_hand"] = StockBalance.objects.aggregate(total=Sum("on_hand"))["total"]
    state["units"] = sorted(SerialUnit.objects.values_list("serial", "location_id", "is_defective"))
    for model in (Obligation, Shipment, WriteOff, StocktakeProposal, Sanction):
        state[f"{model.__name__}.status"] = sorted(model.objects.values_list("pk", "status"))
    state["stations"] = sorted(Station.objects.values_list("pk", "status", "tier"))
    return state


@pytest.fixture
def world(stocked_station, other_station, hq_user, part, accessory, machine):
    """Station A stocked, with one of each open object; station B's staff and HQ-side users."""
    a = stocked_station
    tech_a = staff_of(a, roles.TECHNICIAN)
    spares.deposit_record(station=other_station, kind="paid", amount=Decimal("1000.00"), actor=hq_user)
    in_transit = spares.shipment_create(station=a, lines=[{"item_id": part.pk, "quantity": 1}], actor=hq_user)
    ticket = TicketFactory(station=a, in_warranty=True)
    loan_ticket = TicketFactory(station=a)
    spares.spare_lend(ticket=loan_ticket, serial="BJ0002", actor=tech_a)
    (used,) = spares.stock_use_for_ticket(ticket=ticket, parts=[{"item_id": part.pk, "quantity": 1}], actor=tech_a)
    open_obligation = Obligation.objects.get(use_movement=used)
    spares.stock_use_for_ticket(ticket=ticket, parts=[{"item_id": part.pk, "quantity": 1}], actor=tech_a)
    returned = Obligation.objects.filter(station=a, status=Obligation.Status.OPEN).exclude(pk=open_obligation.pk).get()
    spares.defective_return(station=a, obligation_ids=[returned.pk], actor=tech_a)
    write_off = spares.write_off_request(
        station=a, item_id=part.pk, quantity=1, reason="受潮损坏", actor=staff_of(a, roles.COORDINATOR)
    )
    (proposal,) = spares.stocktake_propose(
        station=a, counts=[{"item_id": accessory.pk, "counted_quantity": 4}], actor=hq_user, source_ref="count:1"
    )
    Obligation.objects.filter(pk=open_obligation.pk).update(due_date=datetime.date(2000, 1, 1))
    stations.sanction_raise(station=a, rule_code="complaint_upheld", actor=hq_user, source_ref="complaint:9")
    return {
        "a": a,
        "ticket": ticket,
        "loan_ticket": loan_ticket,
        "in_transit": in_transit,
        "open_obligation": open_obligation,
        "returned": returned,
        "write_off": write_off,
        "proposal": proposal,
        "movement": used,
        "part": part,
        "accessory": accessory,
        "tech_a": tech_a,
        "coordinator_a": staff_of(a, roles.COORDINATOR),
        "tech_b": staff_of(other_station, roles.TECHNICIAN),
        "coordinator_b": staff_of(other_station, roles.COORDINATOR),
        "hotline": make_user(roles.HOTLINE),
        "inspector": make_user(roles.INSPECTOR),
        "finance": make_user(roles.FINANCE),
        "none": None,
        "system": roles.SYSTEM,
    }


# (service, who acts, the call) — the actor has the wrong role, the wrong station, or is nobody.
CASES = [
    ("deposit_record", "coordinator_b", lambda w, actor: spares.deposit_record(
        station=w["a"], kind="refund", amount=Decimal("100.00"), actor=actor)),
    ("deposit_record", "system", lambda w, actor: spares.deposit_record(
        station=w["a"], kind="paid", amount=Decimal("100.00"), actor=actor)),
    ("hq_stock_receive", "tech_b", lambda w, actor: spares.hq_stock_receive(
        item=w["part"], quantity=5, actor=actor)),
    ("shipment_create", "coordinator_a", lambda w, actor: spares.shipment_create(
        station=w["a"], lines=[{"item_id": w["part"].pk, "quantity": 1}], actor=actor)),
    ("shipment_receive", "tech_b", lambda w, actor: spares.shipment_receive(
        shipment=w["in_transit"], actor=actor)),
    ("shipment_receive", "none", lambda w, actor: spares.shipment_receive(
        shipment=w["in_transit"], actor=actor)),
    ("stock_use_for_ticket", "tech_b", lambda w, actor: spares.stock_use_for_ticket(
        ticket=w["ticket"], parts=[{"item_id": w["part"].pk, "quantity": 1}], actor=actor)),
    ("spare_lend", "tech_b", lambda w, actor: spares.spare_lend(
        ticket=w["ticket"], serial="BJ0001", actor=actor)),
    ("spare_return_from_loan", "tech_b", lambda w, actor: spares.spare_return_from_loan(
        ticket=w["loan_ticket"], serial="BJ0002", actor=actor)),
    ("spare_swap", "hotline", lambda w, actor: spares.spare_swap(
        ticket=w["ticket"], serial_out="BJ0001", serial_in="CUST0001", actor=actor)),
    ("defective_return", "tech_b", lambda w, actor: spares.defective_return(
        station=w["a"], obligation_ids=[w["open_obligation"].pk], actor=actor)),
    ("defective_receive", "coordinator_a", lambda w, actor: spares.defective_receive(
        obligation=w["returned"], actor=actor)),
    ("accessory_sell", "tech_b", lambda w, actor: spares.accessory_sell(
        station=w["a"], item_id=w["accessory"].pk, quantity=1, actor=actor)),
    ("write_off_request", "coordinator_b", lambda w, actor: spares.write_off_request(
        station=w["a"], item_id=w["part"].pk, quantity=1, reason="丢失", actor=actor)),
    ("write_off_request", "tech_a", lambda w, actor: spares.write_off_request(
        station=w["a"], item_id=w["part"].pk, quantity=1, reason="丢失", actor=actor)),
    ("write_off_decide", "hotline", lambda w, actor: spares.write_off_decide(
        write_off=w["write_off"], approve=True, actor=actor)),
    ("stocktake_propose", "tech_b", lambda w, actor: spares.stocktake_propose(
        station=w["a"], counts=[{"item_id": w["part"].pk, "counted_quantity": 1}], actor=actor, source_ref="x:1")),
    ("stocktake_decide", "inspector", lambda w, actor: spares.stocktake_decide(
        proposal=w["proposal"], approve=True, actor=actor)),
    ("movement_reverse", "coordinator_a", lambda w, actor: spares.movement_reverse(
        movement=w["movement"], actor=actor, note="录错了")),
    ("obligation_mark_overdue", "tech_b", lambda w, actor: spares.obligation_mark_overdue(actor=actor)),
    ("obligation_mark_overdue", "none", lambda w, actor: spares.obligation_mark_overdue(actor=actor)),
    ("station_transition", "none", lambda w, actor: stations.station_transition(
        station=w["a"], to=Station.Status.SUSPENDED, actor=actor, note="停业整顿")),
    ("station_suspend", "coordinator_a", lambda w, actor: stations.station_suspend(
        station=w["a"], actor=actor, note="停业整顿")),
    ("station_change_tier", "coordinator_a", lambda w, actor: stations.station_change_tier(
        station=w["a"], to_tier="centre", actor=actor, reason="季度考核")),
    ("station_change_tier", "none", lambda w, actor: stations.station_change_tier(
        station=w["a"], to_tier="centre", actor=actor, reason="季度考核")),
    ("sanction_raise", "hotline", lambda w, actor: stations.sanction_raise(
        station=w["a"], rule_code="complaint_upheld", actor=actor, source_ref="complaint:1")),
    ("sanction_raise", "inspector", lambda w, actor: stations.sanction_raise(
        station=w["a"], rule_code="complaint_upheld", actor=actor, source_ref="complaint:1")),
    ("sanction_raise", "coordinator_a", lambda w, actor: stations.sanction_raise(
        station=w["a"], rule_code="inspection_grade_a", actor=actor, source_ref="inspection:1")),
    ("sanction_raise", "none", lambda w, actor: stations.sanction_raise(
        station=w["a"], rule_code="daily_report_late", actor=actor, source_ref="daily_report:1")),
    # the world's raised sanction is past its appeal deadline by then: allowed, this would approve it
    ("sanctions_confirm_unappealed", "coordinator_a", lambda w, actor: stations.sanctions_confirm_unappealed(
        on=datetime.date(2100, 1, 1), actor=actor)),
    ("sanctions_confirm_unappealed", "none", lambda w, actor: stations.sanctions_confirm_unappealed(
        on=datetime.date(2100, 1, 1), actor=actor)),
    ("assessment_run", "coordinator_a", lambda w, actor: stations.assessment_run(year=2026, quarter=1, actor=actor)),
    ("assessment_run", "none", lambda w, actor: stations.assessment_run(year=2026, quarter=1, actor=actor)),
]  # fmt: skip


@pytest.mark.parametrize(("service", "who", "call"), CASES, ids=[f"{s}-{w}" for s, w, _ in CASES])
def test_service_refuses_actor_without_role_or_scope(world, service, who, call):
    before = _state()
    with pytest.raises(PermissionDenied):
        call(world, world[who])
    assert _state() == before


def test_every_state_changing_spares_service_is_covered():
    covered = {service for service, _, _ in CASES}
    public = {
        "deposit_record", "hq_stock_receive", "shipment_create", "shipment_receive", "stock_use_for_ticket",
        "spare_lend", "spare_return_from_loan", "spare_swap", "defective_return", "defective_receive",
        "accessory_sell", "write_off_request", "write_off_decide", "stocktake_propose", "stocktake_decide",
        "movement_reverse", "obligation_mark_overdue",
    }  # fmt: skip
    assert public <= covered
    assert {
        "station_transition", "station_change_tier", "sanction_raise", "sanctions_confirm_unappealed", "assessment_run"
    } <= covered  # fmt: skip


def test_same_calls_by_permitted_actors_succeed(world):
    """The refusals above are about the actor: the right person (or the job actor) gets through."""
    a = world["a"]
    spares.shipment_receive(shipment=world["in_transit"], actor=world["tech_a"])
    assert Shipment.objects.get(pk=world["in_transit"].pk).status == Shipment.Status.RECEIVED
    assert spares.obligation_mark_overdue(actor=roles.SYSTEM) == 1
    inspection = stations.sanction_raise(
        station=a, rule_code="inspection_grade_a", actor=world["inspector"], source_ref="inspection:1"
    )
    late = stations.sanction_raise(
        station=a, rule_code="daily_report_late", actor=roles.SYSTEM, source_ref="daily_report:1"
    )
    assert (inspection.raised_by, late.raised_by) == (world["inspector"], None)
    stations.station_transition(station=a, to=Station.Status.SUSPENDED, actor=roles.SYSTEM, note="人员不足")
    assert Station.objects.get(pk=a.pk).status == Station.Status.SUSPENDED
    assert stations.sanctions_confirm_unappealed(on=datetime.date(2100, 1, 1)) == 3  # the job, as SYSTEM
    scored = stations.assessment_run(year=2026, quarter=1, actor=make_user(roles.HQ))
    assert a.pk in {row.station_id for row in scored}


def test_system_actor_is_limited_to_declared_job_actions(world):
    assert not roles.can(roles.SYSTEM, "spares.deposit.record", world["a"])
    assert not roles.can(roles.SYSTEM, "stations.sanctions.decide")
    assert roles.can(roles.SYSTEM, "stations.manage", world["a"])
