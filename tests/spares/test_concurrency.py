"""Real threads on PostgreSQL: the last units of an item are used by 20 technicians at once."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from spares import services
from spares.models import Location, Movement, SerialUnit, Shipment, StockBalance
from tests.concurrency import run_threads
from tests.tickets.factories import TicketFactory

from .conftest import make_item, staff_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_threads_using_the_last_units(station, hq_user):
    part = make_item("P-LAST", cost="5.00")
    services.deposit_record(station=station, kind="paid", amount=Decimal("1000.00"), actor=hq_user)
    services.hq_stock_receive(item=part, quantity=7, actor=hq_user)
    shipment = services.shipment_create(station=station, lines=[{"item_id": part.pk, "quantity": 7}], actor=hq_user)
    services.shipment_receive(shipment=shipment, actor=staff_of(shipment.station))
    tickets = [TicketFactory(station=station, in_warranty=False) for _ in range(20)]

    def use(index):
        services.stock_use_for_ticket(
            ticket=tickets[index], parts=[{"item_id": part.pk, "quantity": 1}], actor=staff_of(tickets[index].station)
        )
        return ("ok", index)

    results = run_threads(20, use)
    assert [r for r in results if r[0] == "error"] == []
    assert sum(1 for r in results if r[0] == "ok") == 7
    refused = [r for r in results if r[0] == "refused"]
    assert len(refused) == 13
    assert all("0 available" in message for _, message in refused)
    stock = StockBalance.objects.get(location__station=station, location__kind=Location.Kind.STATION, item=part)
    assert stock.on_hand == 0
    journal_in = Movement.objects.filter(to_location=stock.location, item=part).aggregate(s=Sum("quantity"))["s"]
    journal_out = Movement.objects.filter(from_location=stock.location, item=part).aggregate(s=Sum("quantity"))["s"]
    assert journal_in - journal_out == stock.on_hand == 0
    assert Movement.objects.filter(type=Movement.Type.USE, item=part).count() == 7


def test_twenty_threads_lending_one_serial(station, hq_user):
    machine = make_item("M-ONE", kind="machine", cost="100.00")
    services.deposit_record(station=station, kind="paid", amount=Decimal("1000.00"), actor=hq_user)
    services.hq_stock_receive(item=machine, serials=["ONLY1"], actor=hq_user)
    shipment = services.shipment_create(
        station=station, lines=[{"item_id": machine.pk, "serials": ["ONLY1"]}], actor=hq_user
    )
    services.shipment_receive(shipment=shipment, actor=staff_of(shipment.station))
    tickets = [TicketFactory(station=station) for _ in range(20)]

    def lend(index):
        services.spare_lend(ticket=tickets[index], serial="ONLY1", actor=staff_of(tickets[index].station))
        return ("ok", index)

    results = run_threads(20, lend)
    assert [r for r in results if r[0] == "error"] == []
    assert sum(1 for r in results if r[0] == "ok") == 1
    assert SerialUnit.objects.get(serial="ONLY1").location.kind == Location.Kind.LOAN
    assert Movement.objects.filter(type=Movement.Type.LEND).count() == 1


def test_database_refuses_updates_and_deletes_of_the_journal(station, hq_user):
    services.deposit_record(station=station, kind="paid", amount=Decimal("10.00"), actor=hq_user)
    for sql in ("UPDATE spares_depositentry SET note = 'x'", "DELETE FROM spares_depositentry"):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def test_check_constraint_refuses_negative_balance(station, hq_user):
    part = make_item("P-NEG")
    services.hq_stock_receive(item=part, quantity=1, actor=hq_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(item=part).update(on_hand=-1)


def test_approvals_at_once_never_ship_one_machine_twice_nor_one_request_twice(hq_user):
    """Four stations ask for two spare machines each and HQ holds five: approved together, each machine leaves
    once (skip-locked picking), the sixth-and-later wanted are refused cleanly; a request approved twice at
    once ships once."""
    from tests.factories import StationFactory

    machine = make_item("M-RACE", kind="machine", cost="100.00")
    services.hq_stock_receive(item=machine, serials=[f"R{i}" for i in range(5)], actor=hq_user)
    requests = []
    for _ in range(4):
        station = StationFactory()
        services.deposit_record(station=station, kind="paid", amount=Decimal("1000.00"), actor=hq_user)
        requests.append(
            services.replenishment_request(
                station=station, lines=[{"item_id": machine.pk, "quantity": 2}], actor=staff_of(station)
            )
        )

    def approve(index):
        decided = services.replenishment_decide(replenishment=requests[index], approve=True, actor=hq_user)
        return ("ok", decided.shipment_id)

    results = run_threads(4, approve)
    assert [r for r in results if r[0] == "error"] == []
    assert sum(1 for r in results if r[0] == "ok") == 2  # 2 + 2 machines; the fifth alone cannot fill a request
    shipped = list(SerialUnit.objects.filter(item=machine, location__kind=Location.Kind.TRANSIT).values_list("serial"))
    assert len(shipped) == len(set(shipped)) == 4
    assert SerialUnit.objects.filter(item=machine, location__kind=Location.Kind.HQ).count() == 1

    station = StationFactory()
    services.deposit_record(station=station, kind="paid", amount=Decimal("1000.00"), actor=hq_user)
    one = services.replenishment_request(
        station=station, lines=[{"item_id": machine.pk, "quantity": 1}], actor=staff_of(station)
    )
    twice = run_threads(
        2, lambda index: ("ok", services.replenishment_decide(replenishment=one, approve=True, actor=hq_user).pk)
    )
    assert sorted(r[0] for r in twice) == ["ok", "refused"]
    assert Shipment.objects.filter(station=station).count() == 1
