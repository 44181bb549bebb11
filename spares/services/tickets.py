"""Tickets: parts used, spare machines lent, returned from loan and swapped."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import audit_record, ensure, setting

from ..models import Item, Movement, Obligation, SerialUnit
from .journal import MT, Kind, _item, _Line, _move, _positive_int, _serial_unit, location_get

# --------------------------------------------------------------------------------------------------
# Tickets: parts used, loans, swaps
# --------------------------------------------------------------------------------------------------


def _due_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=setting("DEFECTIVE_RETURN_DAYS"))


@transaction.atomic
def stock_use_for_ticket(*, ticket, parts: list[dict], actor) -> list[Movement]:
    """Record parts used on a ticket (station stock → fitted). In warranty the defective part comes back
    to the station's defective bin with an obligation to return it; out of warranty the part is
    charged to the station at unit cost."""
    roles.require(actor, "spares.use", ticket)
    station = ticket.station
    ensure(station is not None, _("The ticket has no station."))
    ensure(bool(parts), _("No parts given."))
    stock = location_get(kind=Kind.STATION, station=station)
    external = location_get(kind=Kind.EXTERNAL)
    in_warranty = bool(ticket.in_warranty)
    merged: dict[int, int] = {}
    for raw in parts:
        item = _item(raw.get("item_id"))
        ensure(
            not item.serial_tracked,
            _("Spare machines are lent or swapped on the ticket, not fitted as parts."),
            "item_id",
        )
        merged[item.pk] = merged.get(item.pk, 0) + _positive_int(raw.get("quantity"))
    items = {i.pk: i for i in Item.objects.filter(pk__in=merged)}
    lines = [
        _Line(item=items[item_id], quantity=qty, chargeable=not in_warranty) for item_id, qty in sorted(merged.items())
    ]
    used = _move(
        type=MT.USE, lines=lines, from_location=stock, to_location=external, station=station, actor=actor, ticket=ticket
    )
    if in_warranty:
        _move(
            type=MT.DEFECTIVE_COLLECTED,
            lines=[_Line(item=m.item, quantity=m.quantity, unit_cost=m.unit_cost) for m in used],
            from_location=external,
            to_location=location_get(kind=Kind.DEFECTIVE, station=station),
            station=station,
            actor=actor,
            ticket=ticket,
        )
        due = _due_date()
        Obligation.objects.bulk_create(
            [
                Obligation(
                    station=station,
                    item=m.item,
                    quantity=m.quantity,
                    use_movement=m,
                    ticket_id=ticket.pk,
                    ticket_number=ticket.number or "",
                    unit_cost=m.unit_cost,
                    due_date=due,
                )
                for m in used
            ]
        )
    audit_record(
        obj=ticket,
        verb="parts_used",
        actor=actor,
        data={"parts": [{"item": m.item.code, "quantity": m.quantity} for m in used]},
    )
    return used


def _machine_at_station(serial: str, station) -> SerialUnit:
    unit = _serial_unit(serial)
    ensure(unit.item.serial_tracked, _("%(serial)s is not a spare machine.") % {"serial": serial})
    return unit


def _loan_move(type, *, unit: SerialUnit, ticket, actor, from_kind, to_kind) -> Movement:
    """One spare machine between the ticket's station stock and its machines on loan."""
    station = ticket.station
    (movement,) = _move(
        type=type,
        lines=[_Line(item=unit.item, quantity=1, serial_unit=unit)],
        from_location=location_get(kind=from_kind, station=station),
        to_location=location_get(kind=to_kind, station=station),
        station=station,
        actor=actor,
        ticket=ticket,
    )
    return movement


@transaction.atomic
def spare_lend(*, ticket, serial: str, actor) -> Movement:
    """Lend a spare machine from the station's stock to the ticket's customer."""
    roles.require(actor, "spares.use", ticket)
    station = ticket.station
    unit = _machine_at_station(serial, station)
    ensure(not unit.is_defective, _("A defective unit cannot be lent."))
    return _loan_move(MT.LEND, unit=unit, ticket=ticket, actor=actor, from_kind=Kind.STATION, to_kind=Kind.LOAN)


@transaction.atomic
def spare_return_from_loan(*, ticket, serial: str, actor) -> Movement:
    """The customer gives the lent spare machine back to the station."""
    roles.require(actor, "spares.use", ticket)
    station = ticket.station
    unit = _machine_at_station(serial, station)
    ensure(
        unit.ticket_id == ticket.pk,
        _("Serial %(serial)s was not lent on this ticket.") % {"serial": serial},
    )
    return _loan_move(MT.LOAN_RETURN, unit=unit, ticket=ticket, actor=actor, from_kind=Kind.LOAN, to_kind=Kind.STATION)


@transaction.atomic
def spare_swap(*, ticket, serial_out: str, serial_in: str, actor) -> list[Movement]:
    """Swap: a good spare machine goes to the customer for good, the customer's defective unit comes in
    to the station's defective bin with an obligation to return it to HQ."""
    roles.require(actor, "spares.use", ticket)
    station = ticket.station
    out_unit = _machine_at_station(serial_out, station)
    ensure(not out_unit.is_defective, _("A defective unit cannot be given to a customer."))
    serial_in = (serial_in or "").strip()
    ensure(bool(serial_in), _("Give the serial number of the customer's defective unit."), "serial_in")
    ensure(serial_in != out_unit.serial, _("The two serial numbers must differ."), "serial_in")
    external = location_get(kind=Kind.EXTERNAL)
    in_unit = SerialUnit.objects.filter(serial=serial_in).select_related("item", "location").first()
    if in_unit is None:
        in_unit = SerialUnit.objects.create(item=out_unit.item, serial=serial_in, location=external, is_defective=True)
    else:
        ensure(
            in_unit.location.kind in (Kind.CUSTOMER, Kind.EXTERNAL),
            _("Serial %(serial)s is not with a customer.") % {"serial": serial_in},
        )
        SerialUnit.objects.filter(pk=in_unit.pk).update(is_defective=True)
    out_move = _move(
        type=MT.SWAP_OUT,
        lines=[_Line(item=out_unit.item, quantity=1, serial_unit=out_unit)],
        from_location=location_get(kind=Kind.STATION, station=station),
        to_location=location_get(kind=Kind.CUSTOMER, station=station),
        station=station,
        actor=actor,
        ticket=ticket,
    )
    in_move = _move(
        type=MT.SWAP_IN,
        lines=[_Line(item=in_unit.item, quantity=1, serial_unit=in_unit)],
        from_location=in_unit.location,
        to_location=location_get(kind=Kind.DEFECTIVE, station=station),
        station=station,
        actor=actor,
        ticket=ticket,
    )
    Obligation.objects.create(
        station=station,
        item=in_unit.item,
        quantity=1,
        serial_unit=in_unit,
        use_movement=in_move[0],
        ticket_id=ticket.pk,
        ticket_number=ticket.number or "",
        unit_cost=in_move[0].unit_cost,
        due_date=_due_date(),
    )
    return out_move + in_move
