"""Every write of the spares area: deposits, the stock journal and its cached balances.

One private primitive, ``_move``, records journal rows and changes the cached balances: it makes sure
the balance rows exist, locks them in primary-key order (no deadlocks between concurrent moves),
decrements with a conditional ``UPDATE … WHERE on_hand >= q`` (and the CHECK constraint behind it),
and moves serial units with a conditional update on their current location. Every public service is
atomic and raises a translated ``ValidationError`` when a move is impossible.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.money import format_cny, quantize
from repairnet.services import apply_transition, audit_record, ensure, setting

from .models import (
    DepositEntry,
    Item,
    Location,
    Movement,
    Obligation,
    SerialUnit,
    Shipment,
    ShipmentLine,
    StockBalance,
    StocktakeProposal,
    WriteOff,
)
from .selectors import deposit_balance, item_unit_cost, stock_expected_for_count, stock_value_held

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


# --------------------------------------------------------------------------------------------------
# Deposits
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def deposit_record(*, station, kind: str, amount: Decimal, actor, note: str = "") -> DepositEntry:
    """Append one deposit entry (paid, top-up, refund, forfeit); refunds never exceed the balance."""
    roles.require(actor, "spares.deposit.record", station)
    ensure(kind in DepositEntry.Kind.values, _("Unknown deposit entry kind."), "kind")
    if isinstance(amount, float):
        amount = str(amount)
    amount = Decimal(amount) if not isinstance(amount, Decimal) else amount
    ensure(amount == quantize(amount), _("Money amounts have at most 2 decimal places."), "amount")
    amount = quantize(amount)
    ensure(amount > 0, _("The amount must be positive."), "amount")
    _lock_station(station)
    signed = amount if kind in DepositEntry.CREDIT_KINDS else -amount
    if kind == DepositEntry.Kind.REFUND:
        balance = deposit_balance(station=station)
        ensure(
            amount <= balance,
            _("Cannot refund %(amount)s: the deposit balance is %(balance)s.")
            % {"amount": format_cny(amount), "balance": format_cny(balance)},
            "amount",
        )
    entry = DepositEntry.objects.create(
        station=station,
        kind=kind,
        amount=amount,
        signed_amount=signed,
        note=note[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(obj=station, verb=f"deposit_{kind}", actor=actor, note=note, data={"amount": str(signed)})
    return entry


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
    today = timezone.localdate().strftime("%Y%m%d")
    prefix = f"S{today}"
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


@transaction.atomic
def spare_lend(*, ticket, serial: str, actor) -> Movement:
    """Lend a spare machine from the station's stock to the ticket's customer."""
    roles.require(actor, "spares.use", ticket)
    station = ticket.station
    unit = _machine_at_station(serial, station)
    ensure(not unit.is_defective, _("A defective unit cannot be lent."))
    (movement,) = _move(
        type=MT.LEND,
        lines=[_Line(item=unit.item, quantity=1, serial_unit=unit)],
        from_location=location_get(kind=Kind.STATION, station=station),
        to_location=location_get(kind=Kind.LOAN, station=station),
        station=station,
        actor=actor,
        ticket=ticket,
    )
    return movement


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
    (movement,) = _move(
        type=MT.LOAN_RETURN,
        lines=[_Line(item=unit.item, quantity=1, serial_unit=unit)],
        from_location=location_get(kind=Kind.LOAN, station=station),
        to_location=location_get(kind=Kind.STATION, station=station),
        station=station,
        actor=actor,
        ticket=ticket,
    )
    return movement


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


# --------------------------------------------------------------------------------------------------
# Defective returns, sales, write-offs, stocktakes, reversals
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def defective_return(*, station, obligation_ids: list[int], actor, note: str = "") -> list[Movement]:
    """The station sends defectives back to HQ (defective bin → in transit to HQ); obligations met."""
    roles.require(actor, "spares.return_defective", station)
    ensure(bool(obligation_ids), _("Choose the defectives to return."))
    obligations = list(
        Obligation.objects.select_for_update(of=("self",))
        .filter(pk__in=obligation_ids, station=station)
        .select_related("item", "serial_unit")
        .order_by("pk")
    )
    ensure(len(obligations) == len(set(obligation_ids)), _("Unknown obligation."))
    movements = []
    source = location_get(kind=Kind.DEFECTIVE, station=station)
    target = location_get(kind=Kind.RETURN_TRANSIT, station=station)
    for obligation in obligations:
        ensure(
            obligation.status in (Obligation.Status.OPEN, Obligation.Status.OVERDUE),
            _("This defective has already been returned."),
        )
        (movement,) = _move(
            type=MT.RETURN_DEFECTIVE,
            lines=[
                _Line(
                    item=obligation.item,
                    quantity=obligation.quantity,
                    serial_unit=obligation.serial_unit,
                    unit_cost=obligation.unit_cost,
                )
            ],
            from_location=source,
            to_location=target,
            station=station,
            actor=actor,
            note=note,
        )
        obligation.return_movement = movement
        apply_transition(
            obligation, to=Obligation.Status.RETURNED, actor=actor, note=note, extra_update_fields=("return_movement",)
        )
        movements.append(movement)
    return movements


@transaction.atomic
def defective_receive(*, obligation: Obligation, actor) -> Movement:
    """HQ receives a returned defective (in transit to HQ → HQ defective store)."""
    roles.require(actor, "spares.receive_defective", obligation)
    obligation = (
        Obligation.objects.select_for_update(of=("self",)).select_related("item", "serial_unit").get(pk=obligation.pk)
    )
    ensure(obligation.status == Obligation.Status.RETURNED, _("This defective is not on its way to HQ."))
    (movement,) = _move(
        type=MT.HQ_RECEIVE_DEFECTIVE,
        lines=[
            _Line(
                item=obligation.item,
                quantity=obligation.quantity,
                serial_unit=obligation.serial_unit,
                unit_cost=obligation.unit_cost,
            )
        ],
        from_location=location_get(kind=Kind.RETURN_TRANSIT, station=obligation.station),
        to_location=location_get(kind=Kind.HQ_DEFECTIVE),
        station=obligation.station,
        actor=actor,
    )
    apply_transition(obligation, to=Obligation.Status.RECEIVED, actor=actor)
    return movement


@transaction.atomic
def accessory_sell(*, station, item_id: int, quantity: int, actor, note: str = "") -> Movement:
    """An accessory sold to a customer; charged to the station at unit cost."""
    roles.require(actor, "spares.use", station)
    item = _item(item_id)
    ensure(item.kind == Item.Kind.ACCESSORY, _("Only accessories are sold to customers."), "item_id")
    (movement,) = _move(
        type=MT.SELL,
        lines=[_Line(item=item, quantity=_positive_int(quantity), chargeable=True)],
        from_location=location_get(kind=Kind.STATION, station=station),
        to_location=location_get(kind=Kind.EXTERNAL),
        station=station,
        actor=actor,
        note=note,
    )
    return movement


@transaction.atomic
def write_off_request(
    *, station, item_id: int, quantity: int = 1, serial: str = "", reason: str, actor, defective: bool = False
) -> WriteOff:
    """A station asks HQ to write stock off (damaged, lost); nothing moves until HQ approves."""
    roles.require(actor, "spares.write_off.request", station)
    item = _item(item_id)
    ensure(bool((reason or "").strip()), _("Please give a reason."), "reason")
    location = location_get(kind=Kind.DEFECTIVE if defective else Kind.STATION, station=station)
    unit = None
    if item.serial_tracked:
        unit = _serial_unit(serial)
        ensure(unit.item_id == item.pk, _("Serial %(serial)s is not this item.") % {"serial": serial})
        ensure(unit.location_id == location.pk, _("Serial %(serial)s is not here.") % {"serial": serial})
        quantity = 1
    write_off = WriteOff.objects.create(
        station=station,
        location=location,
        item=item,
        serial_unit=unit,
        quantity=_positive_int(quantity),
        reason=reason.strip()[:200],
        requested_by=actor,
    )
    audit_record(obj=write_off, verb="requested", actor=actor, note=reason)
    return write_off


@transaction.atomic
def write_off_decide(*, write_off: WriteOff, approve: bool, actor, note: str = "") -> WriteOff:
    """HQ approves (stock → scrapped) or rejects a write-off request."""
    roles.require(actor, "spares.approve", write_off)
    write_off = (
        WriteOff.objects.select_for_update(of=("self",))
        .select_related("item", "serial_unit", "location")
        .get(pk=write_off.pk)
    )
    write_off.decided_by = actor
    write_off.decided_at = timezone.now()
    if approve:
        ensure(write_off.status == WriteOff.Status.PENDING, _("This request has already been decided."))
        (write_off.movement,) = _move(
            type=MT.WRITE_OFF,
            lines=[_Line(item=write_off.item, quantity=write_off.quantity, serial_unit=write_off.serial_unit)],
            from_location=write_off.location,
            to_location=location_get(kind=Kind.SCRAPPED),
            station=write_off.station,
            actor=actor,
            note=write_off.reason,
        )
    return apply_transition(
        write_off,
        to=WriteOff.Status.APPROVED if approve else WriteOff.Status.REJECTED,
        actor=actor,
        note=note,
        require_note=not approve,
        extra_update_fields=("decided_by", "decided_at", "movement"),
    )


@transaction.atomic
def stocktake_propose(*, station, counts: list[dict], actor, source_ref: str) -> list[StocktakeProposal]:
    """Counted stock that differs from the ledger becomes proposals for HQ approval (no movement yet).
    Idempotent per (source_ref, item)."""
    roles.require(actor, "spares.stocktake", station)
    ensure(bool((source_ref or "").strip()), _("A stocktake needs a source reference."), "source_ref")
    expected = {row["item_id"]: row["quantity"] for row in stock_expected_for_count(station=station)}
    proposals = []
    for raw in counts:
        item = _item(raw.get("item_id"))
        try:
            counted = int(raw.get("counted_quantity"))
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Quantities must be whole numbers."), code="counted_quantity") from exc
        ensure(counted >= 0, _("A counted quantity cannot be negative."), "counted_quantity")
        ledger = expected.get(item.pk, 0)
        if counted == ledger:
            continue
        proposal, created = StocktakeProposal.objects.get_or_create(
            source_ref=source_ref,
            station=station,
            item=item,
            defaults={"expected_quantity": ledger, "counted_quantity": counted, "proposed_by": actor},
        )
        if created:
            audit_record(obj=proposal, verb="proposed", actor=actor, data={"ledger": ledger, "counted": counted})
        proposals.append(proposal)
    return proposals


@transaction.atomic
def stocktake_decide(*, proposal: StocktakeProposal, approve: bool, actor, note: str = "") -> StocktakeProposal:
    """HQ approves (an adjustment movement for the counted difference) or rejects a stocktake proposal."""
    roles.require(actor, "spares.approve", proposal)
    proposal = (
        StocktakeProposal.objects.select_for_update(of=("self",)).select_related("item", "station").get(pk=proposal.pk)
    )
    ensure(proposal.status == StocktakeProposal.Status.PENDING, _("This proposal has already been decided."))
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    if approve:
        ensure(
            not proposal.item.serial_tracked,
            _("Spare machines are corrected by serial: request a write-off or receive the unit instead."),
        )
        stock = location_get(kind=Kind.STATION, station=proposal.station)
        external = location_get(kind=Kind.EXTERNAL)
        diff = proposal.difference
        (proposal.movement,) = _move(
            type=MT.STOCKTAKE,
            lines=[_Line(item=proposal.item, quantity=abs(diff))],
            from_location=stock if diff < 0 else external,
            to_location=external if diff < 0 else stock,
            station=proposal.station,
            actor=actor,
            note=proposal.source_ref,
        )
    return apply_transition(
        proposal,
        to=StocktakeProposal.Status.APPROVED if approve else StocktakeProposal.Status.REJECTED,
        actor=actor,
        note=note,
        require_note=not approve,
        extra_update_fields=("decided_by", "decided_at", "movement"),
    )


@transaction.atomic
def movement_reverse(*, movement: Movement, actor, note: str) -> Movement:
    """Correct a journal row with a reversing movement (to → from, same quantity and serial)."""
    roles.require(actor, "spares.reverse", movement)
    ensure(bool((note or "").strip()), _("Please give a reason."), "note")
    original = Movement.objects.select_related("item", "serial_unit", "from_location", "to_location").get(
        pk=movement.pk
    )
    ensure(original.type != MT.REVERSAL, _("A reversal cannot itself be reversed; record the movement again."))
    ensure(not Movement.objects.filter(reversal_of=original).exists(), _("This movement has already been reversed."))
    (reversal,) = _move(
        type=MT.REVERSAL,
        lines=[
            _Line(
                item=original.item,
                quantity=original.quantity,
                serial_unit=original.serial_unit,
                unit_cost=original.unit_cost,
            )
        ],
        from_location=original.to_location,
        to_location=original.from_location,
        station=original.station,
        actor=actor,
        note=note,
        reversal_of=original,
    )
    _obligation_cancel_for(original=original, actor=actor, note=note)
    audit_record(obj=reversal, verb="reversal", actor=actor, note=note, data={"reverses": original.pk})
    return reversal


def _obligation_cancel_for(*, original: Movement, actor, note: str) -> None:
    """Reversing a usage (or swap-in) also takes back the defective it produced and cancels its obligation."""
    obligation = Obligation.objects.select_for_update().filter(use_movement=original).first()
    if obligation is None:
        return
    ensure(
        obligation.status in (Obligation.Status.OPEN, Obligation.Status.OVERDUE),
        _("The defective has already been sent back; reverse its return first."),
    )
    if original.type == MT.USE:
        collected = (
            Movement.objects.filter(
                type=MT.DEFECTIVE_COLLECTED,
                ticket_id=original.ticket_id,
                item_id=original.item_id,
                quantity=original.quantity,
                pk__gt=original.pk,
                reversed_by__isnull=True,
            )
            .select_related("item", "from_location", "to_location")
            .order_by("pk")
            .first()
        )
        if collected is not None:
            _move(
                type=MT.REVERSAL,
                lines=[_Line(item=collected.item, quantity=collected.quantity, unit_cost=collected.unit_cost)],
                from_location=collected.to_location,
                to_location=collected.from_location,
                station=collected.station,
                actor=actor,
                note=note,
                reversal_of=collected,
            )
    apply_transition(obligation, to=Obligation.Status.CANCELLED, actor=actor, note=note)


def obligation_mark_overdue(*, today: datetime.date | None = None, actor=roles.SYSTEM) -> int:
    """Mark open obligations past their due date overdue (idempotent); returns how many changed.
    The daily job runs it as ``roles.SYSTEM``; HQ may run it too."""
    roles.require(actor, "spares.obligations.mark_overdue")
    today = today or timezone.localdate()
    changed = 0
    ids = list(
        Obligation.objects.filter(status=Obligation.Status.OPEN, due_date__lt=today).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            obligation = Obligation.objects.select_for_update().get(pk=pk)
            if obligation.status != Obligation.Status.OPEN:
                continue
            obligation.overdue_at = timezone.now()
            apply_transition(obligation, to=Obligation.Status.OVERDUE, actor=actor, extra_update_fields=("overdue_at",))
            changed += 1
    return changed
