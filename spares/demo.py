"""Demo data for spares (idempotent): catalogue, deposits by tier, and four months of stock movements.

Everything goes through the services, so the demo journal satisfies ``spares_verify``. History is
back-dated by running each step with ``timezone.now`` pinned to the day it happened.
"""

import datetime
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from repairnet import roles
from repairnet.models import User
from stations.models import Station, Tier

from . import selectors, services
from .models import DepositEntry, Item, ItemPrice, Movement

# code, name, kind, unit, compatible models, unit cost, retail price
CATALOGUE = [
    ("M-HD100", "HD-100 高清机顶盒（备机）", Item.Kind.MACHINE, "台", "HD-100", "180.00", "299.00"),
    ("M-HD200", "HD-200 4K智能机顶盒（备机）", Item.Kind.MACHINE, "台", "HD-200", "260.00", "399.00"),
    ("P-TUNER", "高频头（调谐器）", Item.Kind.PART, "个", "HD-100, HD-200", "28.00", "60.00"),
    ("P-PSU", "电源板", Item.Kind.PART, "块", "HD-100", "35.00", "80.00"),
    ("P-PSU2", "电源板（4K机型）", Item.Kind.PART, "块", "HD-200", "42.00", "95.00"),
    ("P-MAIN", "主板", Item.Kind.PART, "块", "HD-100", "95.00", "180.00"),
    ("P-CARD", "智能卡读卡器座", Item.Kind.PART, "个", "HD-100, HD-200", "12.00", "30.00"),
    ("P-PANEL", "前面板按键板", Item.Kind.PART, "块", "HD-100, HD-200", "9.00", "25.00"),
    ("P-IR", "遥控接收头", Item.Kind.PART, "个", "HD-100, HD-200", "3.50", "10.00"),
    ("A-REMOTE", "原装遥控器", Item.Kind.ACCESSORY, "个", "HD-100, HD-200", "8.00", "25.00"),
    ("A-HDMI", "HDMI高清线 1.5米", Item.Kind.ACCESSORY, "根", "HD-100, HD-200", "6.00", "20.00"),
    ("A-AV", "AV音视频线", Item.Kind.ACCESSORY, "根", "HD-100", "3.00", "10.00"),
    ("A-POWER", "电源适配器 12V/1A", Item.Kind.ACCESSORY, "个", "HD-100, HD-200", "10.00", "30.00"),
]
PRICE_FROM = datetime.date(2026, 1, 1)
# an effective-dated change: tuners got cheaper from July
PRICE_CHANGES = [("P-TUNER", datetime.date(2026, 7, 1), "25.00", "58.00")]

# station code → shipments per month (item code → quantity) and spare machines
PLAN = {
    "ZZ001": {"lines": {"P-TUNER": 6, "P-PSU": 4, "P-CARD": 4, "P-PANEL": 3, "P-IR": 6, "A-REMOTE": 10}, "machines": 2},
    "CD001": {"lines": {"P-TUNER": 3, "P-PSU": 2, "P-IR": 4, "A-REMOTE": 6, "A-HDMI": 4}, "machines": 1},
    "AB001": {"lines": {"A-REMOTE": 10, "A-HDMI": 6, "A-AV": 5, "A-POWER": 4}, "machines": 0},
}

# Every other active demo station gets one opening shipment by tier (a centre also a spare 4K machine), so each
# holds parts: the completion page offers a part only from the station's own stock.
OPENING = {
    Tier.CENTRE: {"P-TUNER": 4, "P-PSU": 2, "P-PSU2": 2, "P-CARD": 2, "A-REMOTE": 6},
    Tier.STATION: {"P-TUNER": 3, "P-PSU": 2, "P-IR": 3, "A-REMOTE": 4},
    Tier.ACCESSORY_POINT: {"A-REMOTE": 6, "A-HDMI": 4, "A-POWER": 3},
}
OPENING_MACHINE = "M-HD200"


@contextmanager
def _at(moment: datetime.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def ensure_catalogue() -> dict[str, Item]:
    """The demo catalogue (also usable by other areas' demo data before they record parts)."""
    items = {}
    for code, name, kind, unit, models, cost, retail in CATALOGUE:
        item, _ = Item.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "unit": unit, "compatible_models": models}
        )
        ItemPrice.objects.get_or_create(
            item=item,
            effective_from=PRICE_FROM,
            defaults={"unit_cost": Decimal(cost), "retail_price": Decimal(retail)},
        )
        items[code] = item
    for code, day, cost, retail in PRICE_CHANGES:
        ItemPrice.objects.get_or_create(
            item=items[code], effective_from=day, defaults={"unit_cost": Decimal(cost), "retail_price": Decimal(retail)}
        )
    return items


def _station_staff(station):
    """The station's coordinator (else a technician) acting for the station in the demo."""
    staff = User.objects.filter(station=station, is_active=True)
    return (
        staff.filter(groups__name=roles.COORDINATOR).order_by("pk").first()
        or staff.filter(groups__name=roles.TECHNICIAN).order_by("pk").first()
    )


def seed(*, stdout) -> None:
    items = ensure_catalogue()
    hq = User.objects.filter(username="hq").first()
    stations = {s.code: s for s in Station.objects.filter(code__in=PLAN)}
    for station in stations.values():
        if not DepositEntry.objects.filter(station=station).exists():
            services.deposit_record(
                station=station,
                kind="paid",
                amount=selectors.required_deposit(station=station),
                actor=hq,
                note="授权时缴纳备机备件保证金",
                paid_on=station.agreement_date,
                bank_reference=f"DEMO-BJ-{station.code}",
            )
    if Movement.objects.filter(type=Movement.Type.SHIP).exists():
        stdout.write("spares: demo movements already present")
        return

    tz = timezone.get_default_timezone()
    today = timezone.localdate()
    start = today - datetime.timedelta(days=120)

    def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)), tz)

    with _at(moment(start, 9)):
        for code, item in items.items():
            if item.serial_tracked:
                serials = [f"BJ{code[-3:]}{n:05d}" for n in range(1, 13)]
                services.hq_stock_receive(item=item, serials=serials, actor=hq, note="工厂入库")
            else:
                services.hq_stock_receive(item=item, quantity=400, actor=hq, note="工厂入库")

    free_serials = {
        item.pk: list(item.units.filter(location__kind="hq").order_by("serial").values_list("serial", flat=True))
        for item in items.values()
        if item.serial_tracked
    }
    shipped = 0
    for month in range(4):
        ship_day = start + datetime.timedelta(days=3 + 30 * month)
        for code, plan in PLAN.items():
            station = stations.get(code)
            if station is None:
                continue
            lines = [{"item_id": items[c].pk, "quantity": q} for c, q in plan["lines"].items()]
            if plan["machines"] and month == 0:
                machine = items["M-HD100"]
                lines.append(
                    {
                        "item_id": machine.pk,
                        "serials": [free_serials[machine.pk].pop(0) for _ in range(plan["machines"])],
                    }
                )
            with _at(moment(ship_day)):
                try:
                    shipment = services.shipment_create(station=station, lines=lines, actor=hq, note="月度补货")
                except Exception as exc:  # noqa: BLE001 - a refused demo shipment (stock limit) is skipped
                    stdout.write(f"spares: shipment to {code} skipped: {exc}")
                    continue
            staff = _station_staff(station)  # the station receives and sells, not HQ
            if staff is None:
                stdout.write(f"spares: shipment to {code} left in transit: the station has no staff")
                continue
            with _at(moment(ship_day + datetime.timedelta(days=2), 15)):
                services.shipment_receive(shipment=shipment, actor=staff)
            shipped += 1
            # accessories sold over the month
            for week in range(4):
                with _at(moment(ship_day + datetime.timedelta(days=4 + 7 * week), 16)):
                    for c in ("A-REMOTE", "A-HDMI"):
                        if c in plan["lines"]:
                            services.accessory_sell(station=station, item_id=items[c].pk, quantity=1, actor=staff)
    with _at(moment(start + datetime.timedelta(days=5))):
        opened = _seed_opening_stock(items=items, hq=hq, free_serials=free_serials, stdout=stdout)
    asked = _seed_replenishments(stations=stations, items=items, hq=hq)
    stdout.write(
        f"spares: catalogue of {len(items)} items, {shipped} monthly shipments with receipts and sales, "
        f"opening stock at {opened} more stations, {asked} replenishment requests"
    )


# station code → whether HQ has already approved its demo request (the other waits in HQ's queue)
REPLENISH = {"ZZ001": False, "CD001": True}


def _seed_replenishments(*, stations, items, hq) -> int:
    """A replenishment request from each REPLENISH station's coordinator: the suggested quantities, or a few
    tuners when its usage suggests nothing yet."""
    asked = 0
    for code, approve in REPLENISH.items():
        station = stations.get(code)
        coordinator = station and station.users.filter(groups__name=roles.COORDINATOR, is_active=True).first()
        if coordinator is None:
            continue
        rows = selectors.replenishment_suggestions(station=station)["rows"]
        lines = [{"item_id": r["item"].pk, "quantity": r["suggested"]} for r in rows if r["suggested"]]
        request = services.replenishment_request(
            station=station,
            lines=lines or [{"item_id": items["P-TUNER"].pk, "quantity": 4}],
            actor=coordinator,
            note="按近90天用量建议补货",
        )
        if approve:
            services.replenishment_decide(replenishment=request, approve=True, actor=hq)
        asked += 1
    return asked


def _seed_opening_stock(*, items, hq, free_serials, stdout) -> int:
    """One opening shipment, received by the station, for every active station outside ``PLAN`` that has staff."""
    opened = 0
    for station in Station.objects.filter(status=Station.Status.ACTIVE).exclude(code__in=PLAN).order_by("code"):
        staff = _station_staff(station)
        if staff is None:
            continue
        lines = [{"item_id": items[c].pk, "quantity": q} for c, q in OPENING[station.tier].items()]
        machine = items[OPENING_MACHINE]
        if station.tier == Tier.CENTRE and free_serials.get(machine.pk):
            lines.append({"item_id": machine.pk, "serials": [free_serials[machine.pk].pop(0)]})
        try:
            shipment = services.shipment_create(station=station, lines=lines, actor=hq, note="开业首批备件")
        except Exception as exc:  # noqa: BLE001 - a refused demo shipment (stock limit) is skipped
            stdout.write(f"spares: opening shipment to {station.code} skipped: {exc}")
            continue
        services.shipment_receive(shipment=shipment, actor=staff)
        opened += 1
    return opened
