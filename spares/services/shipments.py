"""HQ stock and shipments: stock received at HQ, shipped to a station and received there."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import locks, roles
from repairnet.money import format_cny, quantize
from repairnet.services import apply_transition, audit_record, ensure

from ..models import Item, SerialUnit, Shipment, ShipmentLine
from ..selectors import deposit_balance, item_unit_cost, stock_value_held
from .journal import MT, Kind, _item, _Line, _lock_station, _move, _positive_int, _serial_unit, location_get

# --------------------------------------------------------------------------------------------------
# HQ stock and shipments
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def hq_stock_receive(*, item: Item, quantity: int = 0, serials: list[str] | None = None, actor, note="") -> list:
    """Stock arriving at the HQ warehouse from the factory or a supplier."""
    roles.require(actor, "spares.ship")
    hq = location_get(kind=Kind.HQ)
    external = location_get(kind=Kind.EXTERNAL)
    if item.serial_tracked:
        serials = [s.strip() for s in (serials or []) if s and s.strip()]
        ensure(bool(serials), _("Give the serial numbers of the machines received."), "serials")
        ensure(len(set(serials)) == len(serials), _("A serial number is listed twice."), "serials")
        taken = list(SerialUnit.objects.filter(serial__in=serials).values_list("serial", flat=True))
        ensure(not taken, _("Serial numbers already known: %(serials)s.") % {"serials": ", ".join(taken)}, "serials")
        units = SerialUnit.objects.bulk_create([SerialUnit(item=item, serial=s, location=external) for s in serials])
        lines = [_Line(item=item, quantity=1, serial_unit=u) for u in units]
    else:
        lines = [_Line(item=item, quantity=_positive_int(quantity))]
    return _move(
        type=MT.HQ_RECEIPT, lines=lines, from_location=external, to_location=hq, station=None, actor=actor, note=note
    )


def _next_shipment_number() -> str:
    """The day's next number. Two shipments at once would read the same last number: the day's lock, held to
    the end of the transaction, makes the second read after the first has committed."""
    today = timezone.localdate().strftime("%Y%m%d")
    prefix = f"S{today}"
    locks.hold(f"shipment-number:{prefix}")
    last = Shipment.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True)
    seq = int(last[0][len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


@transaction.atomic
def shipment_create(*, station, lines: list[dict], actor, note: str = "") -> Shipment:
    """HQ ships stock to a station (HQ → in transit). Refused when the cost value the station would
    hold exceeds its deposit balance (the stock limit)."""
    roles.require(actor, "spares.ship", station)
    from stations.models import Station

    station = _lock_station(station)
    ensure(station.status == Station.Status.ACTIVE, _("Only active stations can receive shipments."), "station")
    ensure(bool(lines), _("Add at least one line to the shipment."), "lines")
    hq = location_get(kind=Kind.HQ)
    moves: list[_Line] = []
    for raw in lines:
        item = _item(raw.get("item_id"))
        if item.serial_tracked:
            serials = [s.strip() for s in (raw.get("serials") or []) if s and s.strip()]
            ensure(bool(serials), _("%(item)s is tracked by serial number.") % {"item": item.name}, "serials")
            for serial in serials:
                unit = _serial_unit(serial)
                ensure(unit.item_id == item.pk, _("Serial %(serial)s is not this item.") % {"serial": serial})
                moves.append(_Line(item=item, quantity=1, serial_unit=unit))
        else:
            moves.append(_Line(item=item, quantity=_positive_int(raw.get("quantity"))))
    shipment_value = quantize(sum((item_unit_cost(item=m.item) * m.quantity for m in moves), Decimal(0)))
    held = stock_value_held(station=station)
    deposit = deposit_balance(station=station)
    if held + shipment_value > deposit:
        raise ValidationError(
            _(
                "Stock limit exceeded: the station holds %(held)s at cost, this shipment adds %(value)s, "
                "total %(total)s is above the deposit balance of %(deposit)s."
            )
            % {
                "held": format_cny(held),
                "value": format_cny(shipment_value),
                "total": format_cny(held + shipment_value),
                "deposit": format_cny(deposit),
            },
            code="stock_limit",
        )
    shipment = Shipment.objects.create(
        number=_next_shipment_number(), station=station, note=note[:200], created_by=actor
    )
    ShipmentLine.objects.bulk_create(
        [ShipmentLine(shipment=shipment, item=m.item, serial_unit=m.serial_unit, quantity=m.quantity) for m in moves]
    )
    _move(
        type=MT.SHIP,
        lines=moves,
        from_location=hq,
        to_location=location_get(kind=Kind.TRANSIT, station=station),
        station=station,
        actor=actor,
        shipment=shipment,
        note=note,
    )
    audit_record(obj=shipment, verb="shipped", actor=actor, note=note, data={"value": str(shipment_value)})
    return shipment


@transaction.atomic
def shipment_receive(
    *, shipment: Shipment, actor, quantities: dict[int, int] | None = None, serials: list[str] | None = None
) -> Shipment:
    """The station confirms what arrived (in transit → station). Lines not confirmed stay in transit."""
    roles.require(actor, "spares.receive", shipment)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    ensure(shipment.status == Shipment.Status.IN_TRANSIT, _("This shipment has already been received."))
    confirmed_serials = {s.strip() for s in serials} if serials is not None else None
    moves = []
    lines = list(shipment.lines.select_related("item", "serial_unit"))
    for line in lines:
        if line.serial_unit_id:
            got = 1 if confirmed_serials is None or line.serial_unit.serial in confirmed_serials else 0
        else:
            got = line.quantity if quantities is None else quantities.get(line.pk, quantities.get(str(line.pk), 0))
            try:
                got = int(got)
            except (TypeError, ValueError) as exc:
                raise ValidationError(_("Quantities must be whole numbers."), code="quantity") from exc
            ensure(
                0 <= got <= line.quantity,
                _("Received quantity of %(item)s must be between 0 and %(max)s.")
                % {"item": line.item.name, "max": line.quantity},
                "quantity",
            )
        line.received_quantity = got
        if got:
            moves.append(_Line(item=line.item, quantity=got, serial_unit=line.serial_unit))
    ensure(bool(moves), _("Confirm at least one received line."))
    if confirmed_serials is not None:
        unknown = confirmed_serials - {line.serial_unit.serial for line in lines if line.serial_unit_id}
        ensure(not unknown, _("Not in this shipment: %(serials)s.") % {"serials": ", ".join(sorted(unknown))})
    ShipmentLine.objects.bulk_update(lines, ["received_quantity"])
    _move(
        type=MT.RECEIVE,
        lines=moves,
        from_location=location_get(kind=Kind.TRANSIT, station=shipment.station),
        to_location=location_get(kind=Kind.STATION, station=shipment.station),
        station=shipment.station,
        actor=actor,
        shipment=shipment,
    )
    shipment.received_by = actor
    shipment.received_at = timezone.now()
    short = sum(line.quantity - (line.received_quantity or 0) for line in lines)
    apply_transition(
        shipment,
        to=Shipment.Status.RECEIVED,
        actor=actor,
        note=_("%(short)s unit(s) not received") % {"short": short} if short else "",
        extra_update_fields=("received_by", "received_at"),
    )
    return shipment
