"""Every write of the tickets area: logging calls, the ticket lifecycle, SLA, callbacks, complaints, daily reports."""

import base64
import binascii
import datetime
import logging
import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.money import quantize
from repairnet.services import apply_transition, audit_record, ensure, setting
from spares import services as spares_services
from spares.selectors import loans_outstanding
from stations import selectors as stations_selectors
from stations.services import sanction_raise

from . import rollup, sla
from .models import (
    Callback,
    CallbackAttempt,
    Complaint,
    Customer,
    DailyReport,
    Device,
    DeviceModel,
    SlaBreach,
    Ticket,
    TicketNumberSequence,
    TicketRejection,
)

log = logging.getLogger("tickets")
S = Ticket.Status
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


# --- warranty (三包) ----------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def serial_validate(*, device_model: DeviceModel, serial: str) -> str:
    serial = (serial or "").strip().upper()
    ensure(bool(serial), _("Enter the serial number."), "serial_required")
    if device_model.serial_regex and not re.fullmatch(device_model.serial_regex, serial):
        raise ValidationError(
            {
                "serial": _("The serial number %(serial)s does not match the format of model %(model)s.")
                % {"serial": serial, "model": device_model.code}
            }
        )
    return serial


def manufacture_date_from_serial(*, device_model: DeviceModel, serial: str) -> datetime.date | None:
    match = re.fullmatch(device_model.serial_regex or "", serial or "")
    if not match or "yy" not in match.groupdict() or "mm" not in match.groupdict():
        return None
    try:
        return datetime.date(2000 + int(match["yy"]), int(match["mm"]), 1)
    except ValueError:
        return None


def warranty_decide(*, device: Device, on: datetime.date | None = None) -> tuple[bool, str]:
    """SPEC 2.2: invoice date, else manufacture date from the serial + grace months; model's warranty months."""
    on = on or timezone.localdate()
    model = device.model
    if device.has_invoice and device.purchase_date:
        start = device.purchase_date
        basis = _("invoice dated %(date)s") % {"date": start.isoformat()}
    else:
        made = manufacture_date_from_serial(device_model=model, serial=device.serial)
        if made is None:
            return False, _("Out of warranty: no invoice and no manufacture date in the serial number")
        start = _add_months(made, model.manufacture_grace_months)
        basis = _("no invoice: made %(made)s (from serial) + %(months)s months = %(date)s") % {
            "made": made.strftime("%Y-%m"),
            "months": model.manufacture_grace_months,
            "date": start.isoformat(),
        }
    end = _add_months(start, model.warranty_months)
    if on <= end:
        return True, _("In warranty until %(end)s (%(basis)s, %(months)s months)") % {
            "end": end.isoformat(),
            "basis": basis,
            "months": model.warranty_months,
        }
    return False, _("Out of warranty since %(end)s (%(basis)s, %(months)s months)") % {
        "end": end.isoformat(),
        "basis": basis,
        "months": model.warranty_months,
    }


# --- numbers, customers, devices ----------------------------------------------------------------


def ticket_number_next(*, day: datetime.date | None = None) -> str:
    """T + yyyymmdd + 5-digit daily sequence. One statement creates the day's row or counts it up
    (``INSERT … ON CONFLICT (day) DO UPDATE … RETURNING``); the row stays locked until the caller's transaction
    ends, so concurrent calls queue and never share a number."""
    day = day or timezone.localdate()
    quote = connection.ops.quote_name
    table = quote(TicketNumberSequence._meta.db_table)
    day_col, last_col = (quote(TicketNumberSequence._meta.get_field(f).column) for f in ("day", "last"))
    day_value = connection.ops.adapt_datefield_value(day)
    returning = connection.features.can_return_columns_from_insert  # not on SQLite before 3.35
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({day_col}, {last_col}) VALUES (%s, 1) "
            f"ON CONFLICT ({day_col}) DO UPDATE SET {last_col} = {table}.{last_col} + 1"
            + (f" RETURNING {last_col}" if returning else ""),
            [day_value],
        )
        if not returning:
            cursor.execute(f"SELECT {last_col} FROM {table} WHERE {day_col} = %s", [day_value])
        (last,) = cursor.fetchone()
    ensure(last <= 99999, _("The daily ticket number range is exhausted."), "sequence_exhausted")
    return f"T{day:%Y%m%d}{last:05d}"


def phone_validate(phone: str) -> str:
    phone = re.sub(r"[\s]", "", phone or "")
    if not PHONE_RE.match(phone):
        raise ValidationError({"phone": _("Enter a valid mobile or landline number.")})
    return phone


def _customer_checked(*, customer_id, phone, name) -> tuple[Customer | None, str]:
    """The checks on the caller that come first: the chosen customer (locked) or a valid phone and a name."""
    if customer_id:
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None:
            raise ValidationError({"customer_id": _("Unknown customer.")})
        return customer, ""
    phone = phone_validate(phone)
    ensure(bool((name or "").strip()), _("Enter the customer's name."), "name_required")
    return None, phone


def _customer_resolve(*, customer, phone, name, address, region, carrier_account) -> Customer:
    """Update the chosen customer with what the call added, or find the caller by phone and name, or create them."""
    if customer is not None:
        changed = []
        for field, value, current in (
            ("address", address, customer.address),
            ("region", region, customer.region_id),  # compared by id: no read of the current region
            ("carrier_account", carrier_account, customer.carrier_account),
        ):
            if value and current != (value.pk if field == "region" else value):
                setattr(customer, field, value)
                changed.append(field)
        if changed:
            customer.save(update_fields=changed)
        return customer
    existing = Customer.objects.filter(Q(phone=phone) | Q(phone2=phone), name=name.strip()).first()
    if existing:
        return existing
    return Customer.objects.create(
        name=name.strip(), phone=phone, address=address or "", region=region, carrier_account=carrier_account or ""
    )


def _device_found(*, serial, now) -> Device | None:
    """The device of this serial with its model and, as ``repeat_source_id``, its repeat-repair source: one query."""
    return (
        Device.objects.select_related("model")
        .annotate(repeat_source_id=Subquery(_repeat_sources(device=OuterRef("pk"), now=now).values("pk")[:1]))
        .filter(serial=(serial or "").strip().upper())
        .first()
    )


def _device_new_checked(*, serial, device_model, purchase_date) -> str:
    """What a device seen for the first time needs: a model, a serial in its format, no future purchase date."""
    ensure(device_model is not None, _("Choose the device model."), "model_required")
    serial = serial_validate(device_model=device_model, serial=serial)
    if purchase_date and purchase_date > timezone.localdate():
        raise ValidationError({"purchase_date": _("The purchase date cannot be in the future.")})
    return serial


def _repeat_sources(*, device, now: datetime.datetime):
    """Tickets of ``device`` completed within REPEAT_REPAIR_DAYS (返修), the latest first."""
    since = now - datetime.timedelta(days=setting("REPEAT_REPAIR_DAYS"))
    return (
        Ticket.objects.filter(device_id=device, completed_at__gte=since)
        .exclude(status=S.CANCELLED)
        .order_by("-completed_at")
    )


def repeat_source_for(*, device_id: int, now: datetime.datetime | None = None) -> Ticket | None:
    """The last ticket of this serial completed within REPEAT_REPAIR_DAYS (返修), if any."""
    return _repeat_sources(device=device_id, now=now or timezone.now()).first()


def _deadlines_set(ticket: Ticket, *, legs=("accept", "onsite", "complete")) -> list[str]:
    """(Re)compute the SLA deadlines of ``legs`` from the policy for the ticket's priority."""
    if ticket.service_mode == Ticket.ServiceMode.PHONE and ticket.station_id is None:
        return []
    minutes = sla.policy_minutes(priority=ticket.priority, on=timezone.localtime(ticket.received_at).date())
    calendar = sla.calendar_for(ticket.station, around=ticket.received_at)
    changed = []
    if "accept" in legs and ticket.dispatched_at and "accept" in minutes:
        ticket.accept_due_at = calendar.add(ticket.dispatched_at, minutes["accept"])
        changed.append("accept_due_at")
    for leg, field in (("onsite", "onsite_due_at"), ("complete", "complete_due_at")):
        if leg in legs and leg in minutes:
            due = calendar.add(ticket.received_at, minutes[leg])
            if leg == "complete" and ticket.paused_seconds:
                # keep the recorded pause: the completion clock was stopped that long (in service time)
                due = calendar.add(due, ticket.paused_seconds / 60)
            setattr(ticket, field, due)
            changed.append(field)
    return changed


@transaction.atomic
def ticket_create(
    *,
    actor,
    fault_category: str,
    description: str = "",
    priority: str = Ticket.Priority.NORMAL,
    service_mode: str = Ticket.ServiceMode.ONSITE,
    customer_id: int | None = None,
    phone: str = "",
    customer_name: str = "",
    address: str = "",
    region=None,
    carrier_account: str = "",
    serial: str = "",
    device_model: DeviceModel | None = None,
    purchase_date: datetime.date | None = None,
    has_invoice: bool = False,
    repeat_of: Ticket | None = None,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Log a repair call: find or create the customer and device, decide warranty, flag repeat repairs."""
    roles.require(actor, "tickets.create")
    ensure(fault_category in Ticket.FaultCategory.values, _("Choose a fault category."), "fault_required")
    ensure(priority in Ticket.Priority.values, _("Choose a priority."), "priority_invalid")
    ensure(service_mode in Ticket.ServiceMode.values, _("Choose a service mode."), "mode_invalid")
    now = now or timezone.now()
    # Every check comes before the first write, in the order the caller is told about them: customer, device.
    chosen, phone = _customer_checked(customer_id=customer_id, phone=phone, name=customer_name)
    device = _device_found(serial=serial, now=now)
    if device is None:
        serial = _device_new_checked(serial=serial, device_model=device_model, purchase_date=purchase_date)
    customer = _customer_resolve(
        customer=chosen,
        phone=phone,
        name=customer_name,
        address=address,
        region=region,
        carrier_account=carrier_account,
    )
    source = repeat_of
    if device is None:  # a device seen for the first time has no earlier repair
        device = Device.objects.create(
            model=device_model, serial=serial, customer=customer, purchase_date=purchase_date, has_invoice=has_invoice
        )
    elif source is None and device.repeat_source_id is not None:
        source = Ticket.objects.get(pk=device.repeat_source_id)
    in_warranty, reason = warranty_decide(device=device, on=timezone.localtime(now).date())
    ticket = Ticket(
        number=ticket_number_next(day=timezone.localtime(now).date()),
        customer=customer,
        device=device,
        fault_category=fault_category,
        description=description,
        priority=Ticket.Priority.URGENT if source else priority,
        service_mode=service_mode,
        in_warranty=in_warranty,
        warranty_reason=reason,
        is_repeat_repair=source is not None,
        repeat_of=source,
        received_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _deadlines_set(ticket)
    ticket.save()
    rollup.station_day_refresh_for_ticket(ticket=source)  # the source now counts as repaired again
    audit_record(
        obj=ticket,
        verb="created",
        actor=actor,
        to_state=ticket.status,
        data={"repeat_of": source.number if source else None, "in_warranty": in_warranty},
    )
    return ticket


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
    from stations.models import Station, Tier

    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.dispatch", ticket)
    station = Station.objects.filter(pk=station_id).first()
    ensure(station is not None, _("Choose a station."), "station_required")
    ensure(
        station.status == Station.Status.ACTIVE,
        _("Station %(station)s is not active and gets no new dispatches.") % {"station": station},
        "station_inactive",
    )
    ensure(
        station.scope_simple_repair and station.tier != Tier.ACCESSORY_POINT,
        _("Station %(station)s is not authorised to repair.") % {"station": station},
        "station_scope",
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
    return ticket_transition(
        ticket=ticket,
        to=S.DISPATCHED,
        actor=actor,
        note=note,
        verb="dispatch",
        fields=fields,
        data={"station": station.code},
    )


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
    return transitioned


@transaction.atomic
def ticket_accept(*, ticket_id: int, actor, technician=None, now=None) -> Ticket:
    """A certified technician of the station takes the ticket (a coordinator may accept for one)."""
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.accept", ticket)
    technician = technician or actor
    ensure(
        roles.has_role(technician, roles.TECHNICIAN) and technician.station_id == ticket.station_id,
        _("The technician must belong to the station of the ticket."),
        "technician_station",
    )
    now = now or timezone.now()
    ensure(
        _technician_is_certified(technician, timezone.localtime(now).date()),
        _("%(name)s has no valid technician certificate and cannot accept repair tickets.") % {"name": technician},
        "technician_uncertified",
    )
    return ticket_transition(
        ticket=ticket,
        to=S.ACCEPTED,
        actor=actor,
        verb="accept",
        fields={"technician": technician, "accepted_at": now},
    )


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
    return ContentFile(raw, name=f"signature-{uuid.uuid4().hex}.png")


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
        elif not ticket.in_warranty and charge > 0 and not charge_consent:
            errors["charge_consent"] = _("Record the customer's consent to the charge before completing.")
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
    rollup.station_day_refresh_for_ticket(ticket=ticket)
    return ticket


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


# --- SLA breaches -------------------------------------------------------------------------------


def sla_breaches_record(*, now: datetime.datetime | None = None) -> int:
    """Record every missed deadline once (unique per ticket and leg); safe to run any number of times."""
    now = now or timezone.now()
    created = 0
    for leg, (due_field, done_field) in sla.LEG_FIELDS.items():
        missed = Q(**{f"{due_field}__lt": now, f"{done_field}__isnull": True}, status__in=Ticket.OPEN_STATES)
        if leg == "complete":
            missed &= Q(paused_at__isnull=True)
        missed |= Q(**{f"{done_field}__gt": F(due_field)})
        rows = (
            Ticket.objects.filter(missed, **{f"{due_field}__isnull": False})
            .exclude(Exists(SlaBreach.objects.filter(ticket=OuterRef("pk"), leg=leg)))
            .values_list("pk", due_field)
        )
        batch = [SlaBreach(ticket_id=pk, leg=leg, due_at=due) for pk, due in rows.iterator(chunk_size=2000)]
        if batch:
            SlaBreach.objects.bulk_create(batch, ignore_conflicts=True, batch_size=1000)
            rollup.station_days_refresh_for_tickets(ticket_ids=[breach.ticket_id for breach in batch])
            created += len(batch)
    return created


# --- callbacks (回访) ---------------------------------------------------------------------------


def callbacks_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Create the callback task of every completed ticket once, and escalate overdue ones once."""
    now = now or timezone.now()
    pending = Ticket.objects.filter(
        status=S.COMPLETED, callback__isnull=True, callback_due_at__isnull=False
    ).values_list("pk", "callback_due_at")
    batch = [Callback(ticket_id=pk, due_at=due) for pk, due in pending.iterator(chunk_size=2000)]
    if batch:
        Callback.objects.bulk_create(batch, ignore_conflicts=True, batch_size=1000)
    overdue_ids = list(
        Callback.objects.filter(status=Callback.Status.OPEN, due_at__lt=now, escalated_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    escalated = Callback.objects.filter(pk__in=overdue_ids, escalated_at__isnull=True).update(escalated_at=now)
    for callback in Callback.objects.filter(pk__in=overdue_ids).select_related("ticket")[:500]:
        audit_record(obj=callback.ticket, verb="callback_overdue", note=_("Callback overdue; escalated to HQ."))
    return {"created": len(batch), "escalated": escalated}


def _callback_lock(callback_id: int) -> Callback:
    return Callback.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=callback_id)


def _callback_finish(callback: Callback, *, outcome: str, actor, now) -> None:
    callback.status, callback.outcome, callback.completed_at = Callback.Status.DONE, outcome, now
    callback.agent = actor if getattr(actor, "is_authenticated", False) else callback.agent
    callback.save()
    ticket = _lock(callback.ticket_id)
    ticket_transition(
        ticket=ticket,
        to=S.CLOSED,
        actor=actor,
        verb="close_on_callback",
        fields={"closed_at": now},
        data={"outcome": outcome},
    )
    rollup.station_day_refresh_for_ticket(ticket=ticket)


@transaction.atomic
def callback_attempt(
    *,
    callback_id: int,
    actor,
    reached: bool,
    repaired: bool | None = None,
    technician_on_time: bool | None = None,
    charges_correct: bool | None = None,
    satisfaction: int | None = None,
    comments: str = "",
    grievance: str = "",
    complaint_category: str = Complaint.Category.OTHER,
    now=None,
) -> Callback:
    """One call to the customer. Unreached 3 times → unreachable. Not repaired → repeat-repair ticket;
    a grievance → complaint. The ticket closes when the callback ends."""
    callback = _callback_lock(callback_id)
    roles.require(actor, "callbacks.make", callback)
    ensure(callback.status == Callback.Status.OPEN, _("This callback is already finished."), "callback_done")
    now = now or timezone.now()
    CallbackAttempt.objects.create(callback=callback, reached=reached, actor=actor, note=(comments or "")[:200])
    callback.attempts += 1
    if not reached:
        if callback.attempts >= setting("CALLBACK_MAX_ATTEMPTS"):
            _callback_finish(callback, outcome=Callback.Outcome.UNREACHABLE, actor=actor, now=now)
        else:
            callback.save(update_fields=["attempts"])
        audit_record(obj=callback.ticket, verb="callback_attempt", actor=actor, note=comments, data={"reached": False})
        return callback
    errors = {}
    if repaired is None:
        errors["repaired"] = _("Ask whether the repair is confirmed.")
    if satisfaction is not None and not 1 <= int(satisfaction) <= 5:
        errors["satisfaction"] = _("Satisfaction is from 1 to 5.")
    if errors:
        raise ValidationError(errors)
    callback.technician_on_time, callback.charges_correct = technician_on_time, charges_correct
    callback.satisfaction = int(satisfaction) if satisfaction is not None else None
    callback.comments = comments or ""
    if not repaired:
        outcome = Callback.Outcome.NOT_REPAIRED
    elif (grievance or "").strip():
        outcome = Callback.Outcome.DISPUTED
    else:
        outcome = Callback.Outcome.CONFIRMED
    ticket = callback.ticket
    _callback_finish(callback, outcome=outcome, actor=actor, now=now)
    audit_record(
        obj=ticket, verb="callback_attempt", actor=actor, note=comments, data={"reached": True, "outcome": outcome}
    )
    if (grievance or "").strip():
        complaint_create(
            actor=actor,
            ticket_id=ticket.pk,
            category=complaint_category,
            description=grievance,
            source=Complaint.Source.CALLBACK,
            now=now,
        )
    if not repaired:
        ticket_create(
            actor=actor,
            customer_id=ticket.customer_id,
            serial=ticket.device.serial,
            fault_category=ticket.fault_category,
            description=_("Repeat repair of %(number)s: %(comments)s")
            % {"number": ticket.number, "comments": comments},
            service_mode=ticket.service_mode,
            repeat_of=ticket,
            now=now,
        )
    return callback


# --- complaints (投诉) --------------------------------------------------------------------------


@transaction.atomic
def complaint_create(
    *,
    actor,
    category: str,
    description: str,
    ticket_id: int | None = None,
    station=None,
    technician=None,
    source: str = Complaint.Source.CALL,
    now=None,
) -> Complaint:
    roles.require(actor, "complaints.create")
    ensure(category in Complaint.Category.values, _("Choose a complaint category."), "category")
    ensure(bool((description or "").strip()), _("Describe the complaint."), "description_required")
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    ensure(ticket is not None or station is not None, _("A complaint concerns a ticket or a station."), "target")
    now = now or timezone.now()
    complaint = Complaint.objects.create(
        ticket=ticket,
        station=station or (ticket.station if ticket else None),
        technician=technician or (ticket.technician if ticket else None),
        category=category,
        source=source,
        description=description.strip(),
        ack_due_at=now + datetime.timedelta(hours=setting("COMPLAINT_ACK_HOURS")),
        resolve_due_at=now + datetime.timedelta(hours=setting("COMPLAINT_RESOLVE_HOURS")),
        created_by=actor,
    )
    audit_record(obj=complaint, verb="created", actor=actor, to_state=complaint.status)
    return complaint


@transaction.atomic
def complaint_acknowledge(*, complaint_id: int, actor, note: str = "", now=None) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
    roles.require(actor, "complaints.handle", complaint)
    complaint.acknowledged_at = now or timezone.now()
    return apply_transition(
        complaint,
        to=Complaint.Status.ACKNOWLEDGED,
        actor=actor,
        note=note,
        verb="acknowledge",
        extra_update_fields=("acknowledged_at",),
    )


@transaction.atomic
def complaint_resolve(*, complaint_id: int, actor, verdict: str, investigation: str, now=None) -> Complaint:
    """Record the verdict; an upheld complaint raises the `complaint_upheld` penalty (idempotent per complaint)."""
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("station").get(pk=complaint_id)
    roles.require(actor, "complaints.handle", complaint)
    ensure(verdict in Complaint.Verdict.values, _("Choose a verdict."), "verdict_required")
    ensure(bool((investigation or "").strip()), _("Write the investigation notes."), "investigation_required")
    now = now or timezone.now()
    complaint.verdict, complaint.investigation, complaint.resolved_at = verdict, investigation.strip(), now
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = now
    apply_transition(
        complaint,
        to=Complaint.Status.RESOLVED,
        actor=actor,
        note=investigation,
        verb="resolve",
        extra_update_fields=("verdict", "investigation", "resolved_at", "acknowledged_at"),
        data={"verdict": verdict},
    )
    rollup.station_day_refresh_for_complaint(complaint=complaint)
    if verdict == Complaint.Verdict.UPHELD and complaint.station_id:
        sanction_raise(
            station=complaint.station,
            rule_code="complaint_upheld",
            actor=actor,
            note=complaint.description[:200],
            evidence_ref=f"complaint:{complaint.pk}",
            source_ref=f"complaint:{complaint.pk}",
        )
    return complaint


# --- daily reports (日报) -----------------------------------------------------------------------


def _day_bounds(day: datetime.date):
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def daily_reports_build(*, day: datetime.date | None = None) -> int:
    """Every active station's report for ``day``: one grouped query per measure for all stations."""
    from stations.models import Station

    day = day or timezone.localdate()
    start, end = _day_bounds(day)
    station_ids = list(Station.objects.filter(status=Station.Status.ACTIVE).values_list("pk", flat=True))
    base = Ticket.objects.filter(station_id__in=station_ids)

    def grouped(qs, **extra):
        return dict(qs.values("station_id").annotate(n=Count("pk", **extra)).values_list("station_id", "n"))

    received = grouped(base.filter(dispatched_at__gte=start, dispatched_at__lt=end))
    accepted = grouped(base.filter(accepted_at__gte=start, accepted_at__lt=end))
    completed = grouped(base.filter(completed_at__gte=start, completed_at__lt=end))
    open_qs = base.filter(status__in=Ticket.OPEN_STATES, received_at__lt=end)
    buckets = {
        "lt1": (end - datetime.timedelta(days=1), end),
        "d1_3": (end - datetime.timedelta(days=3), end - datetime.timedelta(days=1)),
        "d3_7": (end - datetime.timedelta(days=7), end - datetime.timedelta(days=3)),
    }
    by_age = {
        name: grouped(open_qs.filter(received_at__gte=lo, received_at__lt=hi)) for name, (lo, hi) in buckets.items()
    }
    by_age["gt7"] = grouped(open_qs.filter(received_at__lt=end - datetime.timedelta(days=7)))
    breaches = dict(
        SlaBreach.objects.filter(ticket__station_id__in=station_ids, recorded_at__gte=start, recorded_at__lt=end)
        .values("ticket__station_id")
        .annotate(n=Count("pk"))
        .values_list("ticket__station_id", "n")
    )
    parts: dict[int, int] = {}
    for station_id, used in (
        base.filter(completed_at__gte=start, completed_at__lt=end)
        .exclude(parts_used=[])
        .values_list("station_id", "parts_used")
    ):
        parts[station_id] = parts.get(station_id, 0) + sum(int(p.get("quantity", 0)) for p in used or [])
    loans = _spares_on_loan(station_ids)
    deadline = datetime.datetime.combine(
        day + datetime.timedelta(days=1),
        datetime.time(setting("DAILY_REPORT_DEADLINE_HOUR")),
        tzinfo=timezone.get_current_timezone(),
    )
    existing = {r.station_id: r for r in DailyReport.objects.filter(day=day, station_id__in=station_ids)}
    new, changed = [], []
    for sid in station_ids:
        values = {
            "received": received.get(sid, 0),
            "accepted": accepted.get(sid, 0),
            "completed": completed.get(sid, 0),
            "open_by_age": {name: by_age[name].get(sid, 0) for name in ("lt1", "d1_3", "d3_7", "gt7")},
            "sla_breaches": breaches.get(sid, 0),
            "parts_used": parts.get(sid, 0),
            "spares_on_loan": loans.get(sid, 0),
        }
        values["open_total"] = sum(values["open_by_age"].values())
        report = existing.get(sid) or DailyReport(station_id=sid, day=day, deadline=deadline)
        for name, value in values.items():
            setattr(report, name, value)
        (changed if report.pk else new).append(report)
    DailyReport.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        DailyReport.objects.bulk_update(
            changed,
            [
                "received",
                "accepted",
                "completed",
                "open_by_age",
                "open_total",
                "sla_breaches",
                "parts_used",
                "spares_on_loan",
            ],
        )
    return len(new) + len(changed)


def _spares_on_loan(station_ids) -> dict[int, int]:
    """Spare machines out on loan per station, in one grouped query (spares' selector)."""
    rows = (
        loans_outstanding()
        .filter(location__station_id__in=station_ids)
        .order_by()
        .values("location__station_id")
        .annotate(n=Count("pk"))
    )
    return {r["location__station_id"]: r["n"] for r in rows}


@transaction.atomic
def daily_report_submit(*, report_id: int, actor, remarks: str = "", now=None) -> DailyReport:
    report = DailyReport.objects.select_for_update().get(pk=report_id)
    roles.require(actor, "daily_reports.submit", report)
    ensure(report.status == DailyReport.Status.DRAFT, _("This report is already submitted."), "already_submitted")
    now = now or timezone.now()
    report.remarks, report.status = (remarks or "").strip(), DailyReport.Status.SUBMITTED
    report.submitted_at, report.submitted_by = now, actor
    report.is_late = report.is_late or now > report.deadline
    report.save(update_fields=["remarks", "status", "submitted_at", "submitted_by", "is_late"])
    audit_record(obj=report, verb="submit", actor=actor, note=remarks, data={"late": report.is_late})
    return report


def daily_reports_close(*, now=None) -> dict:
    """After the deadline: mark unsubmitted reports late and e-mail HQ the network summary (once per day)."""
    from django.core.mail import send_mail

    now = now or timezone.now()
    late = DailyReport.objects.filter(status=DailyReport.Status.DRAFT, deadline__lt=now, is_late=False).update(
        is_late=True
    )
    penalties = daily_report_late_penalties_raise(now=now)
    day = timezone.localtime(now).date() - datetime.timedelta(days=1)
    sent = 0
    recipients = getattr(settings, "HQ_REPORT_EMAILS", [])
    from repairnet.models import JobRun

    already = JobRun.objects.filter(name="daily_reports_summary_mail", result=str(day), ok=True).exists()
    if recipients and not already:
        from .selectors import daily_report_summary

        summary = daily_report_summary(day=day)
        body = "\n".join(f"{k}: {v}" for k, v in summary.items())
        send_mail(_("RepairNet daily summary %(day)s") % {"day": day}, body, None, recipients)
        JobRun.objects.create(name="daily_reports_summary_mail", ok=True, result=str(day), finished_at=now)
        sent = 1
    return {"late": late, "penalties": penalties, "mailed": sent}


def daily_report_late_penalties_raise(*, now=None) -> int:
    """SPEC 1.5: each late daily report beyond the allowance (2) in a month → `daily_report_late` penalty.
    Idempotent: the sanction's source_ref is the report."""
    now = now or timezone.now()
    month_start = timezone.localtime(now).date().replace(day=1)
    allowance = setting("DAILY_REPORT_LATE_ALLOWANCE")
    late = (
        DailyReport.objects.filter(is_late=True, day__gte=month_start)
        .select_related("station")
        .order_by("station_id", "day")
    )
    raised, seen = 0, {}
    for report in late:
        seen[report.station_id] = seen.get(report.station_id, 0) + 1
        if seen[report.station_id] > allowance:
            sanction_raise(
                station=report.station, rule_code="daily_report_late", actor=roles.SYSTEM,
                note=str(report.day), source_ref=f"daily_report:{report.pk}",
            )  # fmt: skip
            raised += 1
    return raised
