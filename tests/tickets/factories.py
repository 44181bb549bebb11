"""Factories for tickets; other areas (settlement, spares) import these.

``completed_ticket(...)`` builds a ticket already completed (and, with ``callback_outcome``, closed with its
callback) by setting fields directly — fast fixtures for readers of tickets, not a test of the lifecycle. It
keeps the dashboard rollup in step, as the services do.
"""

import datetime

import factory
from django.utils import timezone

from repairnet import roles
from repairnet.phones import phone_normalise
from tests import clock
from tests.factories import StationFactory, make_user, region
from tickets import rollup, services
from tickets.models import Callback, Customer, Device, DeviceModel, Ticket

SERIAL_REGEX = r"^HD(?P<yy>\d{2})(?P<mm>\d{2})\d{6}$"


class DeviceModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceModel
        django_get_or_create = ("code",)

    code = "HD-100"
    name = "高清机顶盒 HD-100"
    warranty_months = 12
    serial_regex = SERIAL_REGEX


class CustomerFactory(factory.django.DjangoModelFactory):
    """Phones are given as typed (``13912345678``, ``0371-66668888``) and stored in E.164, as the services do;
    an invalid number fails the test that asked for it."""

    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    address = "郑州市中原区建设路1号"
    region = factory.LazyFunction(lambda: region("410102"))

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        for field in ("phone", "phone2"):
            if kwargs.get(field):
                kwargs[field] = phone_normalise(kwargs[field])
        return kwargs


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    model = factory.SubFactory(DeviceModelFactory)
    serial = factory.Sequence(lambda n: f"HD2501{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    purchase_date = factory.LazyFunction(lambda: clock.today() - datetime.timedelta(days=90))
    has_invoice = True


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: f"T20990101{n:05d}")
    device = factory.SubFactory(DeviceFactory)
    customer = factory.SelfAttribute("device.customer")
    fault_category = Ticket.FaultCategory.NO_SIGNAL
    description = "无信号"
    priority = Ticket.Priority.NORMAL
    service_mode = Ticket.ServiceMode.ONSITE
    status = Ticket.Status.RECEIVED
    in_warranty = True
    warranty_reason = "invoice"
    received_at = factory.LazyFunction(timezone.now)


def certified_technician(station):
    """A technician of ``station`` with a valid certificate."""
    user = make_user(roles.TECHNICIAN, station)
    certify(user)
    return user


def completed_ticket(
    *,
    station=None,
    technician=None,
    in_warranty: bool = True,
    service_mode: str = Ticket.ServiceMode.ONSITE,
    completed_at: datetime.datetime | None = None,
    callback_outcome: str | None = None,
    is_repeat_repair: bool = False,
    device=None,
    open_callback: bool = True,
    **fields,
) -> Ticket:
    """A ticket in state ``completed`` with its open callback, as ``ticket_complete`` leaves it (or ``closed`` with a
    finished callback when ``callback_outcome`` is given). ``open_callback=False``: completed outside the service
    (an import), so only the sweep's backfill opens its callback."""
    station = station or StationFactory()
    technician = technician or make_user(roles.TECHNICIAN, station)
    completed_at = completed_at or clock.now()
    extra = {"device": device} if device is not None else {}
    ticket = TicketFactory(
        station=station,
        technician=technician,
        in_warranty=in_warranty,
        service_mode=service_mode,
        is_repeat_repair=is_repeat_repair,
        status=Ticket.Status.CLOSED if callback_outcome else Ticket.Status.COMPLETED,
        received_at=completed_at - datetime.timedelta(hours=6),
        dispatched_at=completed_at - datetime.timedelta(hours=5),
        accepted_at=completed_at - datetime.timedelta(hours=4),
        started_at=completed_at - datetime.timedelta(hours=2),
        completed_at=completed_at,
        closed_at=completed_at + datetime.timedelta(hours=3) if callback_outcome else None,
        callback_due_at=completed_at + datetime.timedelta(hours=24),
        fault_found="电源板损坏",
        work_done="更换电源板",
        signoff_name="张三",
        signed_at=completed_at,
        **extra,
        **fields,
    )
    if callback_outcome:
        Callback.objects.create(
            ticket=ticket,
            status=Callback.Status.DONE,
            due_at=ticket.callback_due_at,
            attempts=1,
            outcome=callback_outcome,
            satisfaction=5 if callback_outcome == Callback.Outcome.CONFIRMED else None,
            completed_at=ticket.closed_at,
        )
    elif open_callback:
        services.callback_open(ticket=ticket)
    rollup.station_day_refresh_for_ticket(ticket=ticket)  # as ticket_complete and the callback do
    return ticket


def certify(user, *, valid_days: int = 365):
    """Give ``user`` a valid repair-technician certificate (stations' model)."""
    from stations.models import Certificate, CertificateKind

    today = clock.today()
    return Certificate.objects.create(
        number=f"CERT-{user.pk:06d}-{Certificate.objects.count() + 1}",
        user=user,
        kind=CertificateKind.REPAIR_TECHNICIAN,
        issued_on=today - datetime.timedelta(days=400),
        expires_on=today + datetime.timedelta(days=valid_days),
    )


# --- calls as the hotline logs them ------------------------------------------------------------------------------


def log_call_payload(**kw) -> dict:
    """A call as the tickets API takes it (JSON); ``kw`` overrides fields."""
    payload = {
        "phone": "13800001111",
        "customer_name": "赵六",
        "region": region("410102").pk,
        "serial": "HD2502000123",
        "device_model": DeviceModelFactory().pk,
        "purchase_date": str(clock.today()),
        "has_invoice": True,
        "fault_category": "no_power",
    }
    payload.update(kw)
    return payload


def hotline_form_data(**kw) -> dict:
    """A call as the hotline page's form posts it; ``kw`` overrides fields."""
    data = {
        "phone": "13700001234",
        "customer_name": "钱七",
        "region": region("410102").pk,
        "serial": "HD2504000001",
        "device_model": DeviceModelFactory().pk,
        "fault_category": "no_picture",
        "priority": "normal",
        "service_mode": "onsite",
    }
    data.update(kw)
    return data
