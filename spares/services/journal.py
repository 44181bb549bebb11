"""Locations and the journal primitive ``_move``, with the lookups every spares write shares.

One private primitive, ``_move``, records journal rows and changes the cached balances: it makes sure
the balance rows exist, locks them in primary-key order (no deadlocks between concurrent moves),
decrements with a conditional ``UPDATE … WHERE on_hand >= q`` (and the CHECK constraint behind it),
and moves serial units with a conditional update on their current location. Every public service is
atomic and raises a translated ``ValidationError`` when a move is impossible.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet.money import quantize
from repairnet.services import ensure

from ..models import Item, Location, Movement, SerialUnit, Shipment, StockBalance
from ..selectors import item_unit_cost

Kind = Location.Kind
MT = Movement.Type


# --------------------------------------------------------------------------------------------------
# Locations and the journal primitive
# --------------------------------------------------------------------------------------------------


def location_get(*, kind: str, station=None) -> Location:
    """The location of ``kind`` (for a station when the kind is per station), created on first use."""
    station_id = station.pk if station is not None and kind in Location.STATION_KINDS else None
    loc = Location.objects.filter(kind=kind, station_id=station_id).first()
    if loc is None:
        Location.objects.bulk_create([Location(kind=kind, station_id=station_id)], ignore_conflicts=True)
        loc = Location.objects.get(kind=kind, station_id=station_id)
    return loc


@dataclass
class _Line:
    item: Item
    quantity: int
    serial_unit: SerialUnit | None = None
    unit_cost: Decimal | None = None
    chargeable: bool = False

    @classmethod
    def again(cls, row) -> "_Line":
        """The same goods as a recorded row (movement, obligation): its item, quantity, serial and unit cost."""
        return cls(item=row.item, quantity=row.quantity, serial_unit=row.serial_unit, unit_cost=row.unit_cost)


def _move(
    *,
    type: str,
    lines: list[_Line],
    from_location: Location,
    to_location: Location,
    station,
    actor,
    ticket=None,
    shipment: Shipment | None = None,
    note: str = "",
    reversal_of: Movement | None = None,
) -> list[Movement]:
    """Record one journal row per line and apply it to the cached balances and serial units."""
    ensure(bool(lines), _("Nothing to move."))
    for line in lines:
        ensure(line.quantity > 0, _("Quantities must be positive."), "quantity")
        if line.item.serial_tracked:
            ensure(line.serial_unit is not None, _("%(item)s is tracked by serial number.") % {"item": line.item.name})
            ensure(line.quantity == 1, _("A serial unit moves one at a time."))
    # Make sure every balance row exists, then lock them all in primary-key order.
    pairs = set()
    for line in lines:
        for loc in (from_location, to_location):
            if loc.has_balance:
                pairs.add((loc.pk, line.item.pk))
    if pairs:
        StockBalance.objects.bulk_create(
            [StockBalance(location_id=loc_id, item_id=item_id) for loc_id, item_id in sorted(pairs)],
            ignore_conflicts=True,
        )
        match = Q()
        for loc_id, item_id in pairs:
            match |= Q(location_id=loc_id, item_id=item_id)
        rows = (
            StockBalance.objects.select_for_update()
            .filter(match)
            .order_by("pk")
            .values_list("pk", "location_id", "item_id")
        )
        balance_ids = {(loc_id, item_id): pk for pk, loc_id, item_id in rows}
    now = timezone.now()
    serial_ids = sorted(line.serial_unit.pk for line in lines if line.serial_unit is not None)
    if serial_ids:
        list(SerialUnit.objects.select_for_update().filter(pk__in=serial_ids).order_by("pk"))
    movements = []
    for line in lines:
        if from_location.has_balance:
            changed = StockBalance.objects.filter(
                pk=balance_ids[(from_location.pk, line.item.pk)], on_hand__gte=line.quantity
            ).update(on_hand=F("on_hand") - line.quantity, updated_at=now)
            if not changed:
                available = StockBalance.objects.get(pk=balance_ids[(from_location.pk, line.item.pk)]).on_hand
                raise ValidationError(
                    _("Not enough %(item)s at %(location)s: %(available)s available, %(wanted)s wanted.")
                    % {
                        "item": line.item.name,
                        "location": from_location,
                        "available": available,
                        "wanted": line.quantity,
                    },
                    code="insufficient_stock",
                )
        if to_location.has_balance:
            StockBalance.objects.filter(pk=balance_ids[(to_location.pk, line.item.pk)]).update(
                on_hand=F("on_hand") + line.quantity, updated_at=now
            )
        if line.serial_unit is not None:
            unit = line.serial_unit
            ensure(unit.item_id == line.item.pk, _("Serial %(serial)s is not this item.") % {"serial": unit.serial})
            changed = SerialUnit.objects.filter(pk=unit.pk, location=from_location).update(
                location=to_location,
                moved_at=now,
                ticket_id=getattr(ticket, "pk", None),
                ticket_number=getattr(ticket, "number", "") or "",
            )
            if not changed:
                current = SerialUnit.objects.select_related("location__station").get(pk=unit.pk).location
                raise ValidationError(
                    _("Serial %(serial)s is at %(current)s, not at %(expected)s.")
                    % {"serial": unit.serial, "current": current, "expected": from_location},
                    code="serial_elsewhere",
                )
            unit.location = to_location
        movements.append(
            Movement.objects.create(
                type=type,
                item=line.item,
                quantity=line.quantity,
                serial_unit=line.serial_unit,
                from_location=from_location,
                to_location=to_location,
                station=station,
                unit_cost=quantize(line.unit_cost if line.unit_cost is not None else item_unit_cost(item=line.item)),
                chargeable=line.chargeable,
                ticket_id=getattr(ticket, "pk", None),
                ticket_number=getattr(ticket, "number", "") or "",
                shipment=shipment,
                reversal_of=reversal_of,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                note=note[:200],
                created_at=now,
            )
        )
    return movements


def _item(item_id) -> Item:
    try:
        return Item.objects.get(pk=item_id, is_active=True)
    except (Item.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError(_("Unknown catalogue item."), code="item") from exc


def _serial_unit(serial: str) -> SerialUnit:
    try:
        return SerialUnit.objects.select_related("item", "location").get(serial=(serial or "").strip())
    except SerialUnit.DoesNotExist as exc:
        raise ValidationError(_("Unknown serial number %(serial)s.") % {"serial": serial}, code="serial") from exc


def _positive_int(value, field: str = "quantity") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Quantities must be whole numbers."), code=field) from exc
    ensure(number > 0, _("Quantities must be positive."), field)
    return number


def _lock_station(station):
    from stations.models import Station

    return Station.objects.select_for_update().get(pk=station.pk)
