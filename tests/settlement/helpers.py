"""Set-ups shared by settlement tests in more than one folder."""

import datetime
from decimal import Decimal

from django.utils import timezone

from repairnet import roles
from spares import services as spares
from spares.models import Item, ItemPrice
from stations import services as stations
from tests import clock
from tests.factories import StationFactory, make_user
from tests.spares.conftest import staff_of


def in_month(month: datetime.date, day: int, hour: int = 10) -> datetime.datetime:
    """An aware instant in Asia/Shanghai on ``day`` of ``month``."""
    return datetime.datetime(month.year, month.month, day, hour, tzinfo=timezone.get_default_timezone())


def penalised_station() -> dict:
    """A station with an approved −¥50 penalty and an accessory sale (−¥24 charge) in the previous month."""
    month = clock.previous_month()
    hq = make_user(roles.HQ)
    station = StationFactory()
    remote = Item.objects.create(code="A-REMOTE", name="遥控器", kind=Item.Kind.ACCESSORY, compatible_models="HD-100")
    ItemPrice.objects.create(
        item=remote, effective_from=datetime.date(2020, 1, 1), unit_cost=Decimal("8.00"), retail_price=Decimal("25")
    )
    with clock.travel(in_month(month, 10), tick=False):
        penalty = stations.sanction_raise(station=station, rule_code="complaint_upheld", actor=hq, source_ref="t:1")
        stations.sanction_decide(sanction=penalty, actor=hq, approve=True)
        spares.deposit_record(station=station, kind="paid", amount=Decimal("1000.00"), actor=hq)
        spares.hq_stock_receive(item=remote, quantity=10, actor=hq)
        shipment = spares.shipment_create(station=station, lines=[{"item_id": remote.pk, "quantity": 5}], actor=hq)
        spares.shipment_receive(shipment=shipment, actor=staff_of(shipment.station))
        sale = spares.accessory_sell(station=station, item_id=remote.pk, quantity=3, actor=staff_of(station))
    return {"month": month, "station": station, "penalty": penalty, "sale": sale}
