import datetime
from decimal import Decimal

import pytest

from repairnet import roles
from spares import services
from spares.models import Item, ItemPrice
from tests.factories import make_user


def make_item(
    code: str, kind: str = Item.Kind.PART, cost: str = "10.00", retail: str = "20.00", name: str = ""
) -> Item:
    item = Item.objects.create(code=code, name=name or f"备件{code}", kind=kind, compatible_models="HD-100")
    ItemPrice.objects.create(
        item=item, effective_from=datetime.date(2020, 1, 1), unit_cost=Decimal(cost), retail_price=Decimal(retail)
    )
    return item


def staff_of(station, role: str = roles.COORDINATOR):
    """A member of the station's staff (created on first use): station actions are theirs, not HQ's."""
    user = station.users.filter(groups__name=role, is_active=True).order_by("pk").first()
    return user or make_user(role, station=station)


def stock_at(station, items, *, received: int, shipped: int, actor):
    """HQ receives ``received`` of each item and ships ``shipped`` of each to ``station``, which receives them."""
    for item in items:
        services.hq_stock_receive(item=item, quantity=received, actor=actor)
    shipment = services.shipment_create(
        station=station, lines=[{"item_id": item.pk, "quantity": shipped} for item in items], actor=actor
    )
    services.shipment_receive(shipment=shipment, actor=staff_of(shipment.station))
    return shipment


@pytest.fixture
def hq_user(db):
    return make_user(roles.HQ)


@pytest.fixture
def part(db):
    return make_item("P-TUNER", cost="25.00", retail="60.00", name="高频头")


@pytest.fixture
def accessory(db):
    return make_item("A-REMOTE", kind=Item.Kind.ACCESSORY, cost="8.00", retail="25.00", name="遥控器")


@pytest.fixture
def machine(db):
    return make_item("M-HD100", kind=Item.Kind.MACHINE, cost="150.00", retail="299.00", name="HD-100 备机")


@pytest.fixture
def stocked_station(station, hq_user, part, accessory, machine):
    """A station with ¥5,000 deposit that has received 10 tuners, 5 remotes and 2 spare machines."""
    services.deposit_record(station=station, kind="paid", amount=Decimal("5000.00"), actor=hq_user)
    services.hq_stock_receive(item=part, quantity=100, actor=hq_user)
    services.hq_stock_receive(item=accessory, quantity=100, actor=hq_user)
    services.hq_stock_receive(item=machine, serials=["BJ0001", "BJ0002", "BJ0003"], actor=hq_user)
    shipment = services.shipment_create(
        station=station,
        lines=[
            {"item_id": part.pk, "quantity": 10},
            {"item_id": accessory.pk, "quantity": 5},
            {"item_id": machine.pk, "serials": ["BJ0001", "BJ0002"]},
        ],
        actor=hq_user,
    )
    services.shipment_receive(shipment=shipment, actor=staff_of(station))
    return station
