"""The ticket lifecycle: dispatch, reject, accept, work, complete (parts, sign-off), spares, cancel."""

import base64
import binascii
import datetime
import logging
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import outbox, roles
from repairnet import selectors as repairnet_selectors
from repairnet.models import OutboxEvent
from repairnet.money import quantize
from repairnet.services import apply_transition, audit_record, ensure, ensure_permitted, setting
from repairnet.uploads import image_check, validate_photo
from spares import services as spares_services
from stations import selectors as stations_selectors
from stations.models import Station

from .. import rollup, sla
from ..models import (
    Callback,
    Ticket,
    TicketRejection,
)
from ..signals import ticket_completed
from .intake import _deadlines_set, customer_context

log = logging.getLogger("tickets")
S = Ticket.Status


# --- lifecycle ----------------------------------------------------------------------------------


def _lock(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("station", "device__model").get(pk=ticket_id)


def _technician_is_certified(user, on=None) -> bool:
    """Stations' rule ("certified on a day"); a missing contract is an error, never "certified"."""
    return stations_selectors.technician_is_certified(user=user, on=on)


def ticket_transition(
    *,
    ticket: Ticket,
    to: str,
    actor,
    note: str = "",
    verb: str = "",
    fields: dict | None = None,
    require_note: bool = False,
    data: dict | None = None,
) -> Ticket:
    """The one move of a ticket the caller has locked: check the table, set the step's fields, audit, save."""
    fields = fields or {}
    for name, value in fields.items():
        setattr(ticket, name, value)
    return apply_transition(
        ticket,
        to=to,
        actor=actor,
        note=note,
        verb=verb or to,
        extra_update_fields=tuple(fields),
        require_note=require_note,
        data=data,
    )


@transaction.atomic
def ticket_dispatch(*, ticket_id: int, station_id: int, actor, note: str = "", now=None) -> Ticket:
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.dispatch", ticket)
    station = Station.objects.filter(pk=station_id).first()
    ensure(station is not None, _("Choose a station."), "station_required")
    if not stations_selectors.station_is_dispatchable(station=station):
        # stations' one rule decides; the message only says which part of it failed
        if station.status != Station.Status.ACTIVE:
            raise ValidationError(
                _("Station %(station)s is not active and gets no new dispatches.") % {"station": station},
                code="station_inactive",
            )
        raise ValidationError(
            _("Station %(station)s is not authorised to repair.") % {"station": station}, code="station_scope"
        )
    ensure(
        not TicketRejection.objects.filter(ticket=ticket, station=station).exists(),
        _("Station %(station)s has already rejected this ticket.") % {"station": station},
        "station_rejected",
    )
    if ticket.status != S.RECEIVED:
        raise ValidationError(_("Ticket %(number)s has already been dispatched or closed.") % {"number": ticket.number})
    now = now or timezone.now()
    ticket.station, ticket.dispatched_at = station, now
    fields = {"station": station, "dispatched_at": now}
    for name in _deadlines_set(ticket):
        fields[name] = getattr(ticket, name)
    ticket = ticket_transition(
        ticket=ticket,
        to=S.DISPATCHED,
        actor=actor,
        note=note,
        verb="dispatch",
        fields=fields,
        data={"station": station.code},
    )
    outbox.enqueue(
        event=OutboxEvent.TICKET_DISPATCHED,
        key=f"ticket_dispatched:{ticket.pk}:{now.isoformat()}",
        user_ids=repairnet_selectors.station_staff_ids(station_id=station.pk),
        context={"number": ticket.number},
        url=reverse("tickets:detail", args=[ticket.pk]),
        now=now,
    )
    outbox.enqueue(
        event=OutboxEvent.CUSTOMER_DISPATCHED,
        key=f"customer_dispatched:{ticket.pk}:{now.isoformat()}",
        phones=[ticket.customer.phone],
        context=customer_context(ticket),
        now=now,
    )
    return ticket


@transaction.atomic
def ticket_reject(*, ticket_id: int, actor, reason: str, now=None) -> Ticket:
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.reject", ticket)
    ensure(bool((reason or "").strip()), _("Please give a reason."), "reason_required")
    now = now or timezone.now()
    if ticket.status == S.DISPATCHED:
        ensure(
            ticket.accept_due_at is None or now <= ticket.accept_due_at,
            _("The accept window has passed; ask the hotline to re-dispatch the ticket."),
            "accept_window_passed",
        )
    station = ticket.station
    transitioned = ticket_transition(
        ticket=ticket,
        to=S.RECEIVED,
        actor=actor,
        note=reason,
        verb="reject",
        fields={"station": None, "technician": None, "dispatched_at": None, "accept_due_at": None},
        data={"station": station.code if station else None},
    )
    TicketRejection.objects.create(ticket=ticket, station=station, reason=reason.strip(), actor=actor)
    outbox.enqueue(
        event=OutboxEvent.TICKET_REJECTED,
        key=f"ticket_rejected:{ticket.pk}:{station.pk if station else 0}:{now.isoformat()}",
        user_ids=repairnet_selectors.notification_recipient_ids(role_names=(roles.HQ, roles.HOTLINE)),
        context={"number": ticket.number, "station": station.code if station else "", "reason": reason.strip()[:200]},
        url=reverse("tickets:detail", args=[ticket.pk]),
        now=now,
    )
    return transitioned


def _technician_checked(*, ticket: Ticket, technician, now) -> None:
    """The one rule for who may hold a ticket: an active, certified technician of the ticket's station."""
    ensure(
        technician is not None
        and technician.is_active
        and roles.has_role(technician, roles.TECHNICIAN)
        and technician.station_id == ticket.station_id,
        _("The technician must belong to the station of the ticket."),
        "technician_station",
        field="technician",
    )
    ensure(
        _technician_is_certified(technician, timezone.localtime(now).date()),
        _("%(name)s has no valid technician certificate and cannot accept repair tickets.") % {"name": technician},
        "technician_uncertified",
        field="technician",
    )


def _assigner_checked(*, actor, ticket: Ticket) -> None:
    """Handing a ticket to a technician other than oneself is the coordinator's (or HQ's) call (SPEC 1: 派工)."""
    ensure_permitted(
        roles.can(actor, "tickets.assign", ticket),
        _("Only the station coordinator or HQ can assign a ticket to a technician."),
    )


@transaction.atomic
def ticket_accept(*, ticket_id: int, actor, technician=None, now=None) -> Ticket:
    """A certified technician of the station takes the ticket himself; the station coordinator or HQ may accept
    it for one of the station's certified technicians (``technician``). A technician never names another."""
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.accept", ticket)
    if technician is None:
        ensure(
            roles.has_role(actor, roles.TECHNICIAN),
            _("Choose the technician who takes the ticket."),
            "technician_required",
            field="technician",
        )
        technician = actor
    if technician.pk != actor.pk:
        _assigner_checked(actor=actor, ticket=ticket)
    now = now or timezone.now()
    _technician_checked(ticket=ticket, technician=technician, now=now)
    return ticket_transition(
        ticket=ticket,
        to=S.ACCEPTED,
        actor=actor,
        verb="accept",
        fields={"technician": technician, "accepted_at": now},
        data={"technician": technician.pk} if technician.pk != actor.pk else None,
    )


@transaction.atomic
def ticket_reassign(*, ticket_id: int, actor, technician, reason: str, now=None) -> Ticket:
    """The coordinator (or HQ) moves an accepted ticket whose visit or repair has not started to another
    certified technician of the station, with a reason; the audit trail names both technicians."""
    ticket = _lock(ticket_id)
    _assigner_checked(actor=actor, ticket=ticket)
    ensure(
        ticket.status == S.ACCEPTED,
        _("Only an accepted ticket whose repair has not started can be given to another technician."),
        "illegal_state",
    )
    reason = (reason or "").strip()
    ensure(bool(reason), _("Please give a reason."), "reason_required", field="reason")
    ensure(
        technician is not None,
        _("Choose the technician who takes the ticket."),
        "technician_required",
        field="technician",
    )
    ensure(
        technician.pk != ticket.technician_id,
        _("The ticket is already assigned to %(name)s.") % {"name": technician},
        "technician_unchanged",
        field="technician",
    )
    now = now or timezone.now()
    _technician_checked(ticket=ticket, technician=technician, now=now)
    previous = ticket.technician
    ticket.technician = technician
    ticket.save(update_fields=["technician", "updated_at"])
    audit_record(
        obj=ticket,
        verb="reassign",
        actor=actor,
        note=reason,
        data={
            "from": previous.pk if previous else None,
            "from_name": str(previous) if previous else "",
            "to": technician.pk,
            "to_name": str(technician),
        },
    )
    return ticket


@transaction.atomic
def ticket_schedule(*, ticket_id: int, actor, appointment_at: datetime.datetime, now=None) -> Ticket:
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.work", ticket)
    ensure(
        ticket.status in (S.ACCEPTED, S.IN_REPAIR, S.AWAITING_PARTS, S.ESCALATED),
        _("Only an accepted ticket can get an appointment."),
        "illegal_state",
    )
    now = now or timezone.now()
    if appointment_at is None or appointment_at < now - datetime.timedelta(minutes=5):
        raise ValidationError({"appointment_at": _("The appointment cannot be in the past.")})
    ticket.appointment_at = appointment_at
    ticket.save(update_fields=["appointment_at", "updated_at"])
    audit_record(obj=ticket, verb="schedule", actor=actor, data={"appointment_at": appointment_at.isoformat()})
    outbox.enqueue(
        event=OutboxEvent.APPOINTMENT_SET,
        key=f"appointment_set:{ticket.pk}:{appointment_at.isoformat()}",
        phones=[ticket.customer.phone],
        context={
            **customer_context(ticket),
            "appointment": timezone.localtime(appointment_at).strftime("%m-%d %H:%M"),
        },
        now=now,
    )
    return ticket


@transaction.atomic
def ticket_depart(*, ticket_id: int, actor, now=None) -> Ticket:
    """The technician sets out for an accepted on-site visit: the customer is told who is coming (surname only)
    and the station's phone. Setting out again (a second try the same day) tells them again."""
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.work", ticket)
    ensure(
        ticket.status == S.ACCEPTED and ticket.service_mode == Ticket.ServiceMode.ONSITE,
        _("Only an accepted on-site ticket can be set out for."),
        "illegal_state",
    )
    now = now or timezone.now()
    audit_record(obj=ticket, verb="depart", actor=actor)
    technician = ticket.technician
    outbox.enqueue(
        event=OutboxEvent.TECHNICIAN_ON_THE_WAY,
        key=f"technician_on_the_way:{ticket.pk}:{now.isoformat()}",
        phones=[ticket.customer.phone],
        context={**customer_context(ticket), "technician": technician.last_name if technician else ""},
        now=now,
    )
    return ticket


@transaction.atomic
def ticket_arrive(*, ticket_id: int, actor, now=None) -> Ticket:
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.work", ticket)
    return ticket_transition(
        ticket=ticket, to=S.IN_REPAIR, actor=actor, verb="arrive", fields={"started_at": now or timezone.now()}
    )


@transaction.atomic
def ticket_await_parts(*, ticket_id: int, actor, note: str = "", now=None) -> Ticket:
    """The completion clock stops until the parts arrive."""
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.work", ticket)
    return ticket_transition(
        ticket=ticket,
        to=S.AWAITING_PARTS,
        actor=actor,
        note=note,
        verb="await_parts",
        fields={"paused_at": now or timezone.now()},
    )


@transaction.atomic
def ticket_escalate(*, ticket_id: int, actor, to: str, note: str) -> Ticket:
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.work", ticket)
    ensure(to in Ticket.Escalation.values, _("Choose where to escalate the repair."), "escalation_target")
    return ticket_transition(
        ticket=ticket,
        to=S.ESCALATED,
        actor=actor,
        note=note,
        verb="escalate",
        fields={"escalated_to": to},
        require_note=True,
    )


@transaction.atomic
def ticket_resume(*, ticket_id: int, actor, note: str = "", now=None) -> Ticket:
    """Back to repair; a parts pause pushes the completion deadline by the paused service time."""
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.work", ticket)
    now = now or timezone.now()
    fields: dict = {}
    data = {}
    if ticket.status == S.AWAITING_PARTS and ticket.paused_at:
        calendar = sla.calendar_for(ticket.station, around=ticket.paused_at)
        paused = calendar.between(ticket.paused_at, now)
        if ticket.complete_due_at:
            fields["complete_due_at"] = calendar.add(ticket.complete_due_at, paused.total_seconds() / 60)
        fields["paused_seconds"] = ticket.paused_seconds + int(paused.total_seconds())
        fields["paused_at"] = None
        data = {
            "paused_service_seconds": int(paused.total_seconds()),
            "paused_wall_seconds": int((now - ticket.paused_at).total_seconds()),
        }
    return ticket_transition(
        ticket=ticket, to=S.IN_REPAIR, actor=actor, note=note, verb="resume", fields=fields, data=data
    )


@transaction.atomic
def ticket_reprioritise(*, ticket_id: int, actor, priority: str, note: str = "") -> Ticket:
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.dispatch", ticket)
    ensure(ticket.is_open, _("Only an open ticket can be reprioritised."), "illegal_state")
    ensure(priority in Ticket.Priority.values, _("Choose a priority."), "priority_invalid")
    ensure(bool(note.strip()), _("Please give a reason."), "reason_required")
    old = ticket.priority
    ticket.priority = priority
    changed = _deadlines_set(ticket)
    ticket.save(update_fields=["priority", *changed, "updated_at"])
    audit_record(obj=ticket, verb="reprioritise", actor=actor, note=note, data={"from": old, "to": priority})
    return ticket


def signature_from_data_url(data_url: str) -> ContentFile | None:
    """signature_pad's canvas as ``data:image/png;base64,...`` → a PNG file (None when empty)."""
    if not data_url:
        return None
    prefix = "data:image/png;base64,"
    ensure(data_url.startswith(prefix), _("The signature must be a PNG image."), "signature_format")
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("The signature image is damaged; please sign again.")) from None
    ensure(
        raw.startswith(b"\x89PNG") and len(raw) < 2_000_000, _("The signature must be a PNG image."), "signature_format"
    )
    signature = ContentFile(raw, name=f"signature-{uuid.uuid4().hex}.png")
    try:
        image_check(signature, formats={"PNG"})
    except ValidationError:
        message = _("The signature image is damaged; please sign again.")
        raise ValidationError(message, code="signature_format") from None
    return signature


def _parts_record(*, ticket: Ticket, parts: list[dict], actor) -> list[dict]:
    """Parts go through spares' one entry point; the ticket keeps a snapshot for its report."""
    clean = []
    for part in parts or []:
        try:
            quantity = int(part.get("quantity") or 0)
            item_id = int(part["item_id"])
        except (KeyError, TypeError, ValueError):
            raise ValidationError(_("Each part needs an item and a quantity.")) from None
        ensure(quantity > 0, _("Quantities must be positive."), "quantity_positive")
        clean.append({"item_id": item_id, "quantity": quantity, "serial": part.get("serial") or None})
    if not clean:
        return []
    movements = spares_services.stock_use_for_ticket(ticket=ticket, parts=clean, actor=actor)
    names = {m.item_id: m.item.name for m in movements}
    log.info("ticket %s used %d part lines (%d movements)", ticket.number, len(clean), len(movements))
    return [{**part, "name": names.get(part["item_id"], str(part["item_id"]))} for part in clean]


@transaction.atomic
def ticket_complete(
    *,
    ticket_id: int,
    actor,
    fault_found: str,
    work_done: str,
    diagnosis: str = "",
    no_fault_found: bool = False,
    parts: list[dict] | None = None,
    charge_amount: Decimal | str | None = None,
    charge_consent: bool = False,
    signoff_name: str = "",
    signature_data_url: str = "",
    photo_before=None,
    photo_after=None,
    now=None,
) -> Ticket:
    """Repair report + parts + charges (with consent out of warranty) + customer sign-off; callback due set.

    ``no_fault_found`` is the report's outcome (未发现故障): the one thing settlement pays the no-fault fee by.
    """
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.work", ticket)
    if ticket.status != S.IN_REPAIR:
        raise ValidationError(_("Only a ticket in repair can be completed."), code="illegal_state")
    now = now or timezone.now()
    technician = ticket.technician
    ensure(technician is not None, _("Assign a technician first."), "technician_required")
    ensure(
        _technician_is_certified(technician, timezone.localtime(now).date()),
        _("%(name)s has no valid technician certificate and cannot close repair tickets.") % {"name": technician},
        "technician_uncertified",
    )
    errors = {}
    if not (fault_found or "").strip():
        errors["fault_found"] = _("Describe the fault found.")
    if not (work_done or "").strip():
        errors["work_done"] = _("Describe the work done.")
    signature = signature_from_data_url(signature_data_url)
    if not (signoff_name or "").strip() and signature is None:
        errors["signoff_name"] = _("The customer must sign off: type the name or draw the signature.")
    try:
        charge = quantize(Decimal(str(charge_amount or "0")))
    except ArithmeticError:
        charge = None
        errors["charge_amount"] = _("Enter an amount in yuan with at most 2 decimals.")
    if charge is not None:
        if charge < 0:
            errors["charge_amount"] = _("The charge cannot be negative.")
        elif ticket.in_warranty and charge > 0:
            errors["charge_amount"] = _("In warranty, labour and original parts are free to the customer.")
        elif not ticket.in_warranty and parts and charge == 0:
            errors["charge_amount"] = _("Out of warranty the parts used are charged to the customer: enter the charge.")
        elif not ticket.in_warranty and charge > 0 and not charge_consent:
            errors["charge_consent"] = _("Record the customer's consent to the charge before completing.")
    for name, upload in (("photo_before", photo_before), ("photo_after", photo_after)):
        if upload:
            try:
                validate_photo(upload)
            except ValidationError as exc:
                errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    fields = {
        "fault_found": fault_found.strip(),
        "work_done": work_done.strip(),
        "diagnosis": (diagnosis or "").strip(),
        "no_fault_found": bool(no_fault_found),
        "charge_amount": charge,
        "charge_consent": bool(charge_consent and charge > 0),
        "charge_consent_at": now if charge_consent and charge > 0 else None,
        "signoff_name": (signoff_name or "").strip(),
        "signed_at": now,
        "completed_at": now,
        "callback_due_at": now + datetime.timedelta(hours=setting("CALLBACK_DUE_HOURS")),
    }
    if signature is not None:
        ticket.signoff_image.save(signature.name, signature, save=False)
        fields["signoff_image"] = ticket.signoff_image
    for name, upload in (("photo_before", photo_before), ("photo_after", photo_after)):
        if upload:
            getattr(ticket, name).save(upload.name, upload, save=False)
            fields[name] = getattr(ticket, name)
    fields["parts_used"] = _parts_record(ticket=ticket, parts=parts or [], actor=actor)
    ticket = ticket_transition(
        ticket=ticket,
        to=S.COMPLETED,
        actor=actor,
        verb="complete",
        fields=fields,
        data={"no_fault_found": fields["no_fault_found"]},
    )
    callback_open(ticket=ticket)
    rollup.station_day_refresh_for_ticket(ticket=ticket)
    ticket_completed.send(sender=Ticket, ticket_id=ticket.pk)
    outbox.enqueue(
        event=OutboxEvent.TICKET_COMPLETED,
        key=f"ticket_completed:{ticket.pk}:{now.isoformat()}",
        phones=[ticket.customer.phone],
        context={**customer_context(ticket), "charge": str(charge)},
        now=now,
    )
    return ticket


def callback_open(*, ticket: Ticket) -> Callback:
    """The callback (回访) of a just-completed ticket, in the queue at once with its due time (SPEC 2.6).

    Created in the completion's transaction, so no scheduler is needed for the agent to see it; exactly one per
    ticket (the one-to-one key), so a retried completion or a concurrent sweep cannot make a second.
    """
    callback, _created = Callback.objects.get_or_create(ticket=ticket, defaults={"due_at": ticket.callback_due_at})
    return callback


SPARE_ACTIONS = {"lend": "spare_lend", "return": "spare_return_from_loan", "swap": "spare_swap"}


@transaction.atomic
def ticket_spare_machine(*, ticket_id: int, actor, action: str, serial: str, serial_in: str = "") -> Ticket:
    """Lend, take back or swap a spare machine (备机) on this ticket — through spares' one entry point each."""
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.work", ticket)
    ensure(action in SPARE_ACTIONS, _("Choose lend, return or swap."), "spare_action")
    ensure(
        ticket.status in (S.ACCEPTED, S.IN_REPAIR, S.AWAITING_PARTS, S.ESCALATED, S.COMPLETED),
        _("Spare machines are handled on a ticket in progress."),
        "illegal_state",
    )
    serial = (serial or "").strip().upper()
    ensure(bool(serial), _("Enter the spare machine's serial number."), "serial_required")
    if action == "swap":
        ensure(bool((serial_in or "").strip()), _("Enter the defective unit's serial number."), "serial_required")
        spares_services.spare_swap(ticket=ticket, serial_out=serial, serial_in=serial_in.strip().upper(), actor=actor)
    else:
        getattr(spares_services, SPARE_ACTIONS[action])(ticket=ticket, serial=serial, actor=actor)
    audit_record(obj=ticket, verb=f"spare_{action}", actor=actor, data={"serial": serial, "serial_in": serial_in})
    return ticket


@transaction.atomic
def ticket_cancel(*, ticket_id: int, actor, reason: str, now=None) -> Ticket:
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.cancel", ticket)
    return ticket_transition(
        ticket=ticket,
        to=S.CANCELLED,
        actor=actor,
        note=(reason or "").strip(),
        verb="cancel",
        require_note=True,
        fields={
            "cancelled_at": now or timezone.now(),
            "cancel_reason": (reason or "").strip()[:200],
            "paused_at": None,
        },
    )


@transaction.atomic
def ticket_resolve_by_phone(*, ticket_id: int, actor, note: str, now=None) -> Ticket:
    """电话指导: solved on the call — closed with no station and no fee."""
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.dispatch", ticket)
    ensure(ticket.status == S.RECEIVED, _("Only an undispatched ticket can be resolved by phone."), "illegal_state")
    now = now or timezone.now()
    return ticket_transition(
        ticket=ticket,
        to=S.CLOSED,
        actor=actor,
        note=note,
        verb="resolve_by_phone",
        require_note=True,
        fields={
            "service_mode": Ticket.ServiceMode.PHONE,
            "closed_at": now,
            "work_done": (note or "").strip(),
            "accept_due_at": None,
            "onsite_due_at": None,
            "complete_due_at": None,
        },
    )
