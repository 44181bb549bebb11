"""Logging a call: ticket numbers, customers, devices, repeat repairs and SLA deadlines; ``ticket_create``."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import locks, outbox, roles
from repairnet.models import OutboxEvent
from repairnet.phones import phone_display, phone_normalise
from repairnet.services import audit_record, ensure, setting

from .. import rollup, sla
from ..customers import customer_same
from ..models import (
    Customer,
    Device,
    DeviceModel,
    Ticket,
    TicketNumberSequence,
)
from .warranty import serial_validate, warranty_decide

S = Ticket.Status


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


def _customer_checked(*, customer_id, phone, name) -> tuple[Customer | None, str]:
    """The checks on the caller that come first: the chosen customer (locked) or a valid phone and a name."""
    if customer_id:
        if (phone or "").strip():
            phone_normalise(phone, field="phone")  # a phone sent with a chosen customer is checked, never dropped
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None:
            raise ValidationError({"customer_id": _("Unknown customer.")})
        return customer, ""
    phone = phone_normalise(phone, field="phone")
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
    existing = Customer.objects.filter(customer_same(phone=phone, name=name)).first()
    if existing:
        return existing
    return Customer.objects.create(
        name=name.strip(), phone=phone, address=address or "", region=region, carrier_account=carrier_account or ""
    )


def _device_found(*, serial, now) -> Device | None:
    """The device of this serial with its model, its repeat-repair source (``repeat_source_id``) and its latest open
    ticket (``open_ticket_id``): one query."""
    open_tickets = Ticket.objects.filter(device=OuterRef("pk"), status__in=Ticket.OPEN_STATES).order_by("-received_at")
    return (
        Device.objects.select_related("model")
        .annotate(
            repeat_source_id=Subquery(_repeat_sources(device=OuterRef("pk"), now=now).values("pk")[:1]),
            open_ticket_id=Subquery(open_tickets.values("pk")[:1]),
        )
        .filter(serial=(serial or "").strip().upper())
        .first()
    )


def _serial_fits(*, device_model: DeviceModel, serial: str) -> bool:
    try:
        serial_validate(device_model=device_model, serial=serial)
    except ValidationError:
        return False
    return True


def _device_new_checked(*, serial, device_model) -> str:
    """What a device seen for the first time needs: a model and a serial in its format."""
    ensure(device_model is not None, _("Choose the device model."), "model_required")
    return serial_validate(device_model=device_model, serial=serial)


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
    duplicate_reason: str = "",
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
    # Identical calls at the same moment (a client retrying on a timeout) are done one after the other, so the
    # second finds the first's customer, device and open ticket instead of creating them again. A serial that
    # cannot be a new device of the chosen model is refused below without creating anything, so needs no lock.
    if device_model is None or _serial_fits(device_model=device_model, serial=serial):
        locks.hold(f"serial:{(serial or '').strip().upper()}", f"phone:{phone}")
    if purchase_date and purchase_date > timezone.localdate():
        raise ValidationError({"purchase_date": _("The purchase date cannot be in the future.")})
    device = _device_found(serial=serial, now=now)
    if device is None:
        serial = _device_new_checked(serial=serial, device_model=device_model)
    else:
        _open_ticket_checked(device=device, reason=duplicate_reason)
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
        note=duplicate_reason.strip(),
        data={"repeat_of": source.number if source else None, "in_warranty": in_warranty},
    )
    outbox.enqueue(
        event=OutboxEvent.TICKET_LOGGED,
        key=f"ticket_logged:{ticket.pk}",
        phones=[customer.phone],
        context={**customer_context(ticket), "in_warranty": in_warranty},
        now=now,
    )
    return ticket


def customer_context(ticket: Ticket) -> dict:
    """What every customer message may show: the ticket number and the customer's name, and the station's
    name and service phone once there is one (never the technician's full name or anyone's address)."""
    context = {"number": ticket.number, "customer": ticket.customer.name}
    if ticket.station_id:
        context.update(station=ticket.station.name, station_phone=phone_display(ticket.station.phone))
    return context


class OpenTicketExists(ValidationError):
    """The serial already has an open ticket; a second one needs ``duplicate_reason``. Carries the open ticket."""

    def __init__(self, ticket: Ticket):
        super().__init__(
            {
                "serial": _("Ticket %(number)s for this serial is still open; give a reason to log another.")
                % {"number": ticket.number}
            },
            code="open_ticket",
        )
        self.ticket = ticket


def _open_ticket_checked(*, device: Device, reason: str) -> None:
    if device.open_ticket_id is not None and not (reason or "").strip():
        raise OpenTicketExists(Ticket.objects.select_related("station").get(pk=device.open_ticket_id))


@transaction.atomic
def ticket_call_add(*, ticket_id: int, actor, note: str = "", fault_category: str = "", now=None) -> Ticket:
    """The customer called again about a ticket that is still open: record the call on that ticket (an audit
    row with what was said) instead of logging a second ticket for the same serial. The hotline's default when
    the serial already has an open ticket; a second ticket needs ``ticket_create(duplicate_reason=...)``."""
    roles.require(actor, "tickets.create")
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    ensure(
        ticket.status in Ticket.OPEN_STATES,
        _("Ticket %(number)s is no longer open; log a new ticket.") % {"number": ticket.number},
        "ticket_not_open",
    )
    labels = dict(Ticket.FaultCategory.choices)
    text = " · ".join(part for part in (str(labels.get(fault_category, "")), (note or "").strip()) if part)
    audit_record(
        obj=ticket,
        verb="call_added",
        actor=actor,
        note=text[:500],
        data={"at": (now or timezone.now()).isoformat(), "fault_category": fault_category or None},
    )
    return ticket
