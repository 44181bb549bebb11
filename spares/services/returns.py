"""Defective returns, sales, write-offs, stocktakes, reversals and overdue obligations."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import apply_transition, audit_record, ensure

from ..models import Item, Movement, Obligation, StocktakeProposal, WriteOff
from ..selectors import stock_expected_for_count
from .journal import MT, Kind, _item, _Line, _move, _positive_int, _serial_unit, location_get

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
            lines=[_Line.again(obligation)],
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
        lines=[_Line.again(obligation)],
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


def _decided(request, *, approve: bool, actor, note: str, fields=("movement",)):
    """HQ's decision on a pending request (write-off, stocktake proposal, replenishment): approved, or rejected
    with a note; who decided when, and what an approval made (``fields``: its movement or shipment), are saved."""
    request.decided_by = actor
    request.decided_at = timezone.now()
    statuses = type(request).Status
    return apply_transition(
        request,
        to=statuses.APPROVED if approve else statuses.REJECTED,
        actor=actor,
        note=note,
        require_note=not approve,
        extra_update_fields=("decided_by", "decided_at", *fields),
    )


@transaction.atomic
def write_off_decide(*, write_off: WriteOff, approve: bool, actor, note: str = "") -> WriteOff:
    """HQ approves (stock → scrapped) or rejects a write-off request."""
    roles.require(actor, "spares.approve", write_off)
    write_off = (
        WriteOff.objects.select_for_update(of=("self",))
        .select_related("item", "serial_unit", "location")
        .get(pk=write_off.pk)
    )
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
    return _decided(write_off, approve=approve, actor=actor, note=note)


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
    return _decided(proposal, approve=approve, actor=actor, note=note)


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
        lines=[_Line.again(original)],
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
