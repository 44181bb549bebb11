import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from spares import selectors, services
from spares.models import AppendOnlyError, DepositEntry, Location, Movement, Obligation, SerialUnit, StockBalance
from tests import clock
from tests.tickets.factories import TicketFactory

from .conftest import staff_of

pytestmark = pytest.mark.django_db


def on_hand(station, item, kind=Location.Kind.STATION) -> int:
    row = StockBalance.objects.filter(location__station=station, location__kind=kind, item=item).first()
    return row.on_hand if row else 0


def test_deposit_balance_is_sum_of_entries(station, hq_user):
    services.deposit_record(station=station, kind="paid", amount=Decimal("5000.00"), actor=hq_user)
    services.deposit_record(station=station, kind="top_up", amount=Decimal("1000.00"), actor=hq_user)
    services.deposit_record(station=station, kind="forfeit", amount=Decimal("200.00"), actor=hq_user)
    assert selectors.deposit_balance(station=station) == Decimal("5800.00")
    with pytest.raises(ValidationError, match="5,800.00"):
        services.deposit_record(station=station, kind="refund", amount=Decimal("9000.00"), actor=hq_user)
    with pytest.raises(ValidationError):
        services.deposit_record(station=station, kind="paid", amount=Decimal("1.234"), actor=hq_user)


def test_ledger_rows_refuse_update_and_delete(station, hq_user):
    entry = services.deposit_record(station=station, kind="paid", amount=Decimal("10.00"), actor=hq_user)
    entry.note = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        DepositEntry.objects.filter(pk=entry.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        Movement.objects.all().delete()


def test_shipment_and_receive_move_stock(stocked_station, part, machine):
    assert on_hand(stocked_station, part) == 10
    assert on_hand(stocked_station, part, Location.Kind.TRANSIT) == 0
    assert on_hand(stocked_station, machine) == 2
    assert SerialUnit.objects.get(serial="BJ0001").location.station == stocked_station
    # 10 × 25 + 5 × 8 + 2 × 150
    assert selectors.stock_value_held(station=stocked_station) == Decimal("590.00")


def test_partial_receipt_leaves_rest_in_transit(station, hq_user, part, machine):
    services.deposit_record(station=station, kind="paid", amount=Decimal("5000.00"), actor=hq_user)
    services.hq_stock_receive(item=part, quantity=10, actor=hq_user)
    services.hq_stock_receive(item=machine, serials=["X1", "X2"], actor=hq_user)
    shipment = services.shipment_create(
        station=station,
        lines=[{"item_id": part.pk, "quantity": 6}, {"item_id": machine.pk, "serials": ["X1", "X2"]}],
        actor=hq_user,
    )
    line = shipment.lines.get(item=part)
    services.shipment_receive(
        shipment=shipment, actor=staff_of(shipment.station), quantities={line.pk: 4}, serials=["X2"]
    )
    assert on_hand(station, part) == 4
    assert on_hand(station, part, Location.Kind.TRANSIT) == 2
    assert SerialUnit.objects.get(serial="X1").location.kind == Location.Kind.TRANSIT
    assert SerialUnit.objects.get(serial="X2").location.kind == Location.Kind.STATION


def test_shipment_over_stock_limit_is_refused_with_figures(station, hq_user, part):
    services.deposit_record(station=station, kind="paid", amount=Decimal("100.00"), actor=hq_user)
    services.hq_stock_receive(item=part, quantity=10, actor=hq_user)
    with pytest.raises(ValidationError) as err:
        services.shipment_create(station=station, lines=[{"item_id": part.pk, "quantity": 5}], actor=hq_user)
    message = err.value.messages[0]
    assert "¥125.00" in message and "¥100.00" in message
    assert on_hand(station, part, Location.Kind.TRANSIT) == 0
    assert StockBalance.objects.get(location__kind=Location.Kind.HQ, item=part).on_hand == 10
    # exactly at the limit is allowed
    services.shipment_create(station=station, lines=[{"item_id": part.pk, "quantity": 4}], actor=hq_user)


def test_use_in_warranty_creates_obligation_and_overdue_job_marks_it(stocked_station, part, hq_user):
    ticket = TicketFactory(station=stocked_station, in_warranty=True)
    moves = services.stock_use_for_ticket(
        ticket=ticket, parts=[{"item_id": part.pk, "quantity": 2}], actor=staff_of(ticket.station)
    )
    assert [m.type for m in moves] == [Movement.Type.USE]
    assert not moves[0].chargeable
    assert on_hand(stocked_station, part) == 8
    assert on_hand(stocked_station, part, Location.Kind.DEFECTIVE) == 2
    obligation = Obligation.objects.get(ticket_id=ticket.pk)
    assert obligation.quantity == 2
    assert obligation.due_date == clock.today() + datetime.timedelta(days=30)
    later = obligation.due_date + datetime.timedelta(days=1)
    assert services.obligation_mark_overdue(today=later) == 1
    assert services.obligation_mark_overdue(today=later) == 0  # idempotent
    obligation.refresh_from_db()
    assert obligation.status == Obligation.Status.OVERDUE
    charges = selectors.charges_for_settlement(
        station_ids=[stocked_station.pk], year=obligation.due_date.year, month=obligation.due_date.month
    )
    assert [(c["kind"], c["amount"]) for c in charges if c["kind"] == "overdue_return"] == [
        ("overdue_return", Decimal("50.00"))
    ]
    # returning it and HQ receiving it
    services.defective_return(station=stocked_station, obligation_ids=[obligation.pk], actor=staff_of(stocked_station))
    assert on_hand(stocked_station, part, Location.Kind.RETURN_TRANSIT) == 2
    services.defective_receive(obligation=obligation, actor=hq_user)
    obligation.refresh_from_db()
    assert obligation.status == Obligation.Status.RECEIVED
    assert StockBalance.objects.get(location__kind=Location.Kind.HQ_DEFECTIVE, item=part).on_hand == 2


def test_out_of_warranty_use_and_sale_are_charged(stocked_station, part, accessory, hq_user):
    ticket = TicketFactory(station=stocked_station, in_warranty=False)
    services.stock_use_for_ticket(
        ticket=ticket, parts=[{"item_id": part.pk, "quantity": 1}], actor=staff_of(ticket.station)
    )
    services.accessory_sell(station=stocked_station, item_id=accessory.pk, quantity=3, actor=staff_of(stocked_station))
    assert not Obligation.objects.exists()
    now = clock.today()
    charges = selectors.charges_for_settlement(station_ids=[stocked_station.pk], year=now.year, month=now.month)
    assert sorted((c["kind"], c["amount"]) for c in charges) == [
        ("accessory_sale", Decimal("24.00")),
        ("out_of_warranty_use", Decimal("25.00")),
    ]
    assert len({c["ref"] for c in charges}) == 2


def test_using_more_than_on_hand_is_refused_and_changes_nothing(stocked_station, part, hq_user):
    ticket = TicketFactory(station=stocked_station)
    with translation.override("en"), pytest.raises(ValidationError, match="10 available, 11 wanted"):
        services.stock_use_for_ticket(
            ticket=ticket, parts=[{"item_id": part.pk, "quantity": 11}], actor=staff_of(ticket.station)
        )
    assert on_hand(stocked_station, part) == 10
    assert not Movement.objects.filter(type=Movement.Type.USE).exists()


def test_serial_cannot_be_lent_twice(stocked_station, hq_user):
    first = TicketFactory(station=stocked_station)
    second = TicketFactory(station=stocked_station)
    services.spare_lend(ticket=first, serial="BJ0001", actor=staff_of(first.station))
    with pytest.raises(ValidationError, match="BJ0001"):
        services.spare_lend(ticket=second, serial="BJ0001", actor=staff_of(second.station))
    assert SerialUnit.objects.get(serial="BJ0001").location.kind == Location.Kind.LOAN
    assert list(selectors.loans_outstanding(station=stocked_station).values_list("serial", flat=True)) == ["BJ0001"]
    with pytest.raises(ValidationError):
        services.spare_return_from_loan(ticket=second, serial="BJ0001", actor=staff_of(second.station))
    services.spare_return_from_loan(ticket=first, serial="BJ0001", actor=staff_of(first.station))
    assert SerialUnit.objects.get(serial="BJ0001").location.kind == Location.Kind.STATION


def test_swap_moves_both_serials_and_creates_obligation(stocked_station, machine, hq_user):
    ticket = TicketFactory(station=stocked_station)
    services.spare_swap(ticket=ticket, serial_out="BJ0002", serial_in="HD2501999999", actor=staff_of(ticket.station))
    assert SerialUnit.objects.get(serial="BJ0002").location.kind == Location.Kind.CUSTOMER
    defective = SerialUnit.objects.get(serial="HD2501999999")
    assert defective.is_defective and defective.location.kind == Location.Kind.DEFECTIVE
    assert Obligation.objects.get(serial_unit=defective).ticket_id == ticket.pk
    assert on_hand(stocked_station, machine) == 1


def test_reversal_restores_balance_and_only_once(stocked_station, part, hq_user):
    ticket = TicketFactory(station=stocked_station, in_warranty=False)
    (used,) = services.stock_use_for_ticket(
        ticket=ticket, parts=[{"item_id": part.pk, "quantity": 3}], actor=staff_of(ticket.station)
    )
    assert on_hand(stocked_station, part) == 7
    reversal = services.movement_reverse(movement=used, actor=hq_user, note="录错数量")
    assert reversal.reversal_of_id == used.pk
    assert on_hand(stocked_station, part) == 10
    with pytest.raises(ValidationError):
        services.movement_reverse(movement=used, actor=hq_user, note="again")
    now = clock.today()
    assert selectors.charges_for_settlement(station_ids=[stocked_station.pk], year=now.year, month=now.month) == []


def test_write_off_needs_hq_approval(stocked_station, part, hq_user):
    request = services.write_off_request(
        station=stocked_station, item_id=part.pk, quantity=2, reason="受潮损坏", actor=staff_of(stocked_station)
    )
    assert on_hand(stocked_station, part) == 10
    services.write_off_decide(write_off=request, approve=True, actor=hq_user)
    assert on_hand(stocked_station, part) == 8
    assert StockBalance.objects.get(location__kind=Location.Kind.SCRAPPED, item=part).on_hand == 2


def test_stocktake_proposal_then_approval(stocked_station, part, accessory, hq_user):
    expected = {r["item_id"]: r for r in selectors.stock_expected_for_count(station=stocked_station)}
    assert expected[part.pk]["quantity"] == 10
    proposals = services.stocktake_propose(
        station=stocked_station,
        counts=[{"item_id": part.pk, "counted_quantity": 7}, {"item_id": accessory.pk, "counted_quantity": 5}],
        actor=hq_user,
        source_ref="inspection-1",
    )
    assert len(proposals) == 1  # the accessory count matches
    again = services.stocktake_propose(
        station=stocked_station,
        counts=[{"item_id": part.pk, "counted_quantity": 7}],
        actor=hq_user,
        source_ref="inspection-1",
    )
    assert again[0].pk == proposals[0].pk
    assert on_hand(stocked_station, part) == 10
    services.stocktake_decide(proposal=proposals[0], approve=True, actor=hq_user)
    assert on_hand(stocked_station, part) == 7


def test_verify_command_finds_injected_discrepancy(stocked_station, part):
    out = StringIO()
    call_command("spares_verify", stdout=out)
    assert "Ledger OK" in out.getvalue()
    # behind the service's back
    StockBalance.objects.filter(location__station=stocked_station, location__kind="station", item=part).update(
        on_hand=12
    )
    SerialUnit.objects.filter(serial="BJ0002").update(location=Location.objects.get(kind="hq"))
    out = StringIO()
    with pytest.raises(CommandError, match="2 difference"):
        call_command("spares_verify", stdout=out)
    text = out.getvalue()
    assert "journal=10 cached=12 difference=2" in text
    assert "SERIAL BJ0002" in text


def test_ageing_and_turnover(stocked_station, part, hq_user):
    ticket = TicketFactory(station=stocked_station, in_warranty=False)
    services.stock_use_for_ticket(
        ticket=ticket, parts=[{"item_id": part.pk, "quantity": 9}], actor=staff_of(ticket.station)
    )
    (row,) = selectors.stock_ageing_and_turnover(stations=[stocked_station])
    # held at station: 1 tuner 25 + 5 remotes 40 + 2 machines 300 = 365; consumed 225 over 90 days
    assert row["value"] == Decimal("365.00")
    assert row["buckets"][0] == Decimal("365.00")
    assert row["turnover_days"] == Decimal("146.0")
    assert row["meets_target"] is False


def test_reversing_an_in_warranty_use_cancels_its_obligation(stocked_station, part, hq_user):
    ticket = TicketFactory(station=stocked_station, in_warranty=True)
    (used,) = services.stock_use_for_ticket(
        ticket=ticket, parts=[{"item_id": part.pk, "quantity": 2}], actor=staff_of(ticket.station)
    )
    services.movement_reverse(movement=used, actor=hq_user, note="用错工单")
    assert on_hand(stocked_station, part) == 10
    assert on_hand(stocked_station, part, Location.Kind.DEFECTIVE) == 0
    assert Obligation.objects.get(use_movement=used).status == Obligation.Status.CANCELLED
    call_command("spares_verify", stdout=StringIO())
