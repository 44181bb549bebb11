"""The customer self-service status page (issue 18.1): look-up by ticket number + the phone's last 4 digits,
throttled per client address and per ticket number, nothing else revealed, the report PDF only after completion
and only through the verified access, and confirm / dispute as the callback's self-service channel (SPEC 2.6)."""

import datetime
import io
import itertools
import re
from decimal import Decimal

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader
from reportlab.graphics.barcode.qr import QrCodeWidget

from repairnet import roles
from repairnet.models import AuditEvent
from tests import clock
from tests.concurrency import run_threads
from tests.factories import StationFactory, make_user
from tests.tickets.factories import CustomerFactory, DeviceFactory, TicketFactory, completed_ticket
from tickets import services
from tickets.exports import status_qr_drawing
from tickets.models import Callback, SelfServiceLookup, Ticket
from tickets.services.self_service import self_service_throttled_text
from tickets.views import SELF_SERVICE_SESSION_KEY

PHONE, PHONE2 = "13812345678", "13998761234"
ADDRESS = "幸福小区七号楼三〇二室"
STATION_ADDRESS = "郑州市金水区花园路88号"
_SERIALS = itertools.count(1)


@pytest.fixture
def limits(settings):
    """Small limits, so the tests reach them."""

    def apply(**values):
        settings.REPAIRNET = {**settings.REPAIRNET, **{f"SELF_SERVICE_{k.upper()}": v for k, v in values.items()}}

    apply(max_lookups_per_ip=4, max_failures_per_ticket=3, window_seconds=3600, access_seconds=1800)
    return apply


@pytest.fixture
def station():
    return StationFactory(name="金水维修站", address=STATION_ADDRESS, phone="+8637166668888")


def _customer():
    return CustomerFactory(name="李秀英", phone=PHONE, phone2=PHONE2, address=ADDRESS)


def _done(station, **fields) -> Ticket:
    technician = make_user(roles.TECHNICIAN, station, last_name="赵", first_name="建国")
    device = DeviceFactory(customer=_customer(), serial=f"SN-SELF-{next(_SERIALS):04d}")
    return completed_ticket(station=station, technician=technician, device=device, **fields)


def _look_up(client: Client, number: str, last4: str, ip: str = "10.0.0.1"):
    return client.post(reverse("tickets:status"), {"number": number, "phone_last4": last4}, REMOTE_ADDR=ip)


def _opened(ticket: Ticket, last4: str = PHONE[-4:]) -> Client:
    client = Client()
    response = _look_up(client, ticket.number, last4)
    assert response.status_code == 302 and response.url == reverse("tickets:status-ticket")
    return client


def _error_text(response) -> str:
    alert = r'<div class="alert alert-danger" role="alert">(.*?)</div></div>'
    match = re.search(alert, response.content.decode(), re.S)
    return re.sub(r"</?div>", "", match.group(1)) if match else ""


def _page_text(message) -> str:
    """A service message as the page (Chinese by default) renders it."""
    with translation.override("zh-hans"):
        return message()


# --- look-up -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lookup_with_the_number_and_last4_shows_the_status_and_nothing_else(station, limits):
    ticket = _done(station, charge_amount=Decimal("35.50"), in_warranty=False, warranty_reason="超过保修期")
    client = _opened(ticket)
    html = client.get(reverse("tickets:status-ticket")).content.decode()
    assert ticket.number in html and 'data-status="completed"' in html
    steps = re.findall(r'data-step="(\w+)"', html)
    assert steps == ["received_at", "dispatched_at", "accepted_at", "started_at", "completed_at"]
    assert "金水维修站" in html and STATION_ADDRESS in html and "tel:+8637166668888" in html
    assert 'id="self-service-technician"' in html and "赵" in html and "建国" not in html
    assert 'data-charge="35.50"' in html and "¥35.50" in html and "超过保修期" in html
    # nothing of the customer beyond what they typed: no phone (any format), address, name, serial
    for secret in (PHONE, PHONE2, "+86" + PHONE, "138 1234 5678", ADDRESS, "李秀英", ticket.device.serial):
        assert secret not in html, secret
    assert 'id="self-service-report"' in html and 'id="self-service-answer"' in html


@pytest.mark.django_db
def test_second_phone_last4_opens_the_ticket_too(station, limits):
    ticket = _done(station)
    _opened(ticket, last4=PHONE2[-4:])


@pytest.mark.django_db
def test_the_qr_codes_number_is_filled_in_and_the_digits_are_still_asked(station, limits):
    ticket = _done(station)
    html = Client().get(reverse("tickets:status"), {"number": ticket.number}).content.decode()
    assert f'value="{ticket.number}"' in html and 'name="phone_last4"' in html
    assert 'id="self-service-status"' not in html


@pytest.mark.django_db
def test_a_wrong_pair_answers_exactly_like_an_unknown_number(station, limits):
    ticket = _done(station)
    wrong = _look_up(Client(), ticket.number, "0000")
    unknown = _look_up(Client(), "T20990101ZZZZZ", PHONE[-4:])
    assert wrong.status_code == unknown.status_code == 200
    assert _error_text(wrong) == _error_text(unknown) == _page_text(services.self_service_not_found_text)
    assert SELF_SERVICE_SESSION_KEY not in wrong.wsgi_request.session
    assert not SelfServiceLookup.objects.filter(succeeded=True).exists()


@pytest.mark.django_db
def test_badly_typed_digits_are_a_form_error_and_not_counted(station, limits):
    ticket = _done(station)
    response = _look_up(Client(), ticket.number, "12a")
    assert response.status_code == 200 and 'name="phone_last4"' in response.content.decode()
    assert "is-invalid" in response.content.decode() or "invalid-feedback" in response.content.decode()
    assert SelfServiceLookup.objects.count() == 0


@pytest.mark.django_db
def test_lookups_are_limited_per_client_address(station, limits):
    ticket, other = _done(station), TicketFactory(device=DeviceFactory(customer=CustomerFactory(phone="13700009999")))
    client = Client()
    for number in ("T1", "T2", "T3", other.number):  # the 4th, a right pair, still counts
        assert _look_up(client, number, "9999", ip="10.9.9.9").status_code in (200, 302)
    refused = _look_up(Client(), ticket.number, PHONE[-4:], ip="10.9.9.9")
    assert refused.status_code == 429 and SELF_SERVICE_SESSION_KEY not in refused.wsgi_request.session
    assert _error_text(refused) == _page_text(self_service_throttled_text)
    _opened(ticket)  # another address is not held back
    assert SelfServiceLookup.objects.filter(ip_address="10.9.9.9").count() == 4  # refused ones are not counted


@pytest.mark.django_db
def test_failed_lookups_are_limited_per_ticket_from_any_address(station, limits):
    ticket, other = _done(station), _done(StationFactory())
    for n, last4 in enumerate(("0001", "0002", "0003")):
        assert _look_up(Client(), ticket.number, last4, ip=f"10.1.0.{n}").status_code == 200
    refused = _look_up(Client(), ticket.number, PHONE[-4:], ip="10.2.0.1")  # even the right pair, from elsewhere
    assert refused.status_code == 429
    assert _look_up(Client(), other.number, PHONE[-4:], ip="10.2.0.1").status_code == 302  # other tickets open
    # an unknown number is limited the same way (no telling it from a real one by the throttle either)
    for n in range(3):
        _look_up(Client(), "T-NOBODY", f"000{n}", ip=f"10.3.0.{n}")
    assert _look_up(Client(), "T-NOBODY", "0000", ip="10.4.0.1").status_code == 429


@pytest.mark.django_db
def test_the_limits_lift_after_the_window(station, limits):
    ticket = _done(station)
    start = clock.now()
    with clock.travel(start, tick=False):
        for last4 in ("0001", "0002", "0003"):
            _look_up(Client(), ticket.number, last4)
        assert _look_up(Client(), ticket.number, PHONE[-4:], ip="10.5.0.1").status_code == 429
    with clock.travel(start + datetime.timedelta(seconds=3601), tick=False):
        assert _look_up(Client(), ticket.number, PHONE[-4:], ip="10.5.0.1").status_code == 302
        assert SelfServiceLookup.objects.filter(at__lt=start + datetime.timedelta(seconds=1)).count() == 0


# --- the verified access ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_lookup_or_a_forged_or_expired_access_opens_nothing(station, limits):
    ticket = _done(station)
    for path in ("tickets:status-ticket", "tickets:status-report"):
        response = Client().get(reverse(path))
        assert response.status_code == 302 and response.url == reverse("tickets:status")
    forged = Client()
    session = forged.session
    session[SELF_SERVICE_SESSION_KEY] = signing.dumps({"ticket": ticket.pk}, salt="another.salt")
    session.save()
    assert forged.get(reverse("tickets:status-ticket")).status_code == 302
    start = clock.now()
    with clock.travel(start, tick=False):
        client = _opened(ticket)
    with clock.travel(start + datetime.timedelta(seconds=1801), tick=False):
        response = client.get(reverse("tickets:status-ticket"))
        assert response.status_code == 302 and response.url == reverse("tickets:status")
        answer = client.post(reverse("tickets:status-answer"), {"answer": "confirm"})
        assert answer.status_code == 302 and answer.url == reverse("tickets:status")
    assert Callback.objects.filter(ticket=ticket, status=Callback.Status.DONE).count() == 0


@pytest.mark.django_db
def test_the_status_page_reads_in_constant_queries(station, limits, django_assert_max_num_queries):
    ticket = _done(station)
    client = _opened(ticket)
    with django_assert_max_num_queries(4):  # session, ticket with station/technician/model/callback, messages
        assert client.get(reverse("tickets:status-ticket")).status_code == 200


# --- the report PDF and its QR code --------------------------------------------------------------------


def _pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return "".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db
def test_the_report_pdf_is_given_only_once_the_repair_is_completed(station, limits):
    technician = make_user(roles.TECHNICIAN, station, last_name="赵")
    open_ticket = TicketFactory(
        station=station,
        technician=technician,
        status=Ticket.Status.IN_REPAIR,
        device=DeviceFactory(customer=_customer()),
    )
    client = _opened(open_ticket)
    assert 'id="self-service-report"' not in client.get(reverse("tickets:status-ticket")).content.decode()
    assert client.get(reverse("tickets:status-report")).status_code == 404
    ticket = _done(station)
    client = _opened(ticket)
    response = client.get(reverse("tickets:status-report"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response)
    assert ticket.number in text and PHONE not in text  # the report masks the phone as it always does
    assert f"/tickets/status/?number={ticket.number}" in text
    # the staff URL stays staff-only: a customer's session does not open it, nor another ticket's
    assert client.get(reverse("tickets:report", args=[ticket.pk])).status_code == 302


@pytest.mark.django_db
def test_the_staff_report_carries_the_qr_code_of_the_self_service_page(station, settings):
    settings.SITE_URL = "https://repairnet.example.com"
    ticket = _done(station)
    client = Client()
    client.force_login(make_user(roles.HQ))
    text = _pdf_text(client.get(reverse("tickets:report", args=[ticket.pk])))
    assert f"https://repairnet.example.com/tickets/status/?number={ticket.number}" in text
    drawing = status_qr_drawing(f"https://repairnet.example.com/tickets/status/?number={ticket.number}")
    (widget,) = drawing.contents
    assert isinstance(widget, QrCodeWidget) and widget.value.endswith(ticket.number)


# --- confirm / dispute: the callback's self-service channel ----------------------------------------------


@pytest.mark.django_db
def test_confirming_finishes_the_callback_once_and_closes_the_ticket(station, limits):
    ticket = _done(station)
    client = _opened(ticket)
    first = client.post(reverse("tickets:status-answer"), {"answer": "confirm", "satisfaction": "5"})
    second = client.post(reverse("tickets:status-answer"), {"answer": "confirm", "satisfaction": "1"})
    assert first.status_code == second.status_code == 302
    callback = Callback.objects.get(ticket=ticket)
    assert callback.status == Callback.Status.DONE and callback.outcome == Callback.Outcome.CONFIRMED
    assert callback.channel == Callback.Channel.SELF_SERVICE and callback.satisfaction == 5
    assert callback.customer_answered_at is not None and callback.agent_id is None and callback.attempts == 0
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    events = AuditEvent.objects.filter(object_id=str(ticket.pk), content_type__model="ticket")
    assert events.filter(verb="callback_attempt", data__channel="self_service").count() == 1
    assert events.filter(verb="close_on_callback").count() == 1
    html = client.get(reverse("tickets:status-ticket")).content.decode()
    assert 'data-answer="confirmed"' in html and 'id="self-service-answer"' not in html


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_book_once(station, limits):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    ticket = _done(station)
    access = services.self_service_access_issue(ticket=ticket)
    results = run_threads(3, lambda i: services.callback_answer_by_customer(access=access, confirmed=True).pk)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert [r[0] for r in results if not isinstance(r, int)] == ["refused", "refused"], results
    events = AuditEvent.objects.filter(object_id=str(ticket.pk), verb="close_on_callback")
    assert events.count() == 1


@pytest.mark.django_db
def test_a_dispute_needs_words_and_waits_for_the_agent_who_sees_it(station, limits):
    ticket = _done(station)
    client = _opened(ticket)
    client.post(reverse("tickets:status-answer"), {"answer": "dispute", "comments": "  "})
    assert not Callback.objects.filter(ticket=ticket, customer_answered_at__isnull=False).exists()
    client.post(reverse("tickets:status-answer"), {"answer": "dispute", "comments": "还是没有信号"})
    client.post(reverse("tickets:status-answer"), {"answer": "confirm"})  # the answer is given: refused
    callback = Callback.objects.get(ticket=ticket)
    assert callback.status == Callback.Status.OPEN and callback.outcome == ""
    assert callback.channel == Callback.Channel.SELF_SERVICE and callback.customer_dispute == "还是没有信号"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.COMPLETED
    assert AuditEvent.objects.filter(object_id=str(ticket.pk), verb="callback_disputed_by_customer").count() == 1
    assert 'data-answer="disputed"' in client.get(reverse("tickets:status-ticket")).content.decode()
    agent = Client()
    agent.force_login(make_user(roles.HOTLINE))
    for url in (reverse("tickets:callbacks"), reverse("tickets:detail", args=[ticket.pk])):
        html = agent.get(url).content.decode()
        assert 'data-channel="self_service"' in html, url
    assert "还是没有信号" in agent.get(reverse("tickets:callback", args=[callback.pk])).content.decode()
    # the agent's call then settles it through the same service as any callback
    services.callback_attempt(
        callback_id=callback.pk, actor=make_user(roles.HOTLINE), reached=True, repaired=False, comments="仍无信号"
    )
    callback.refresh_from_db()
    assert callback.outcome == Callback.Outcome.NOT_REPAIRED and callback.channel == Callback.Channel.AGENT
    assert callback.customer_dispute == "还是没有信号"
    assert Ticket.objects.filter(repeat_of=ticket).count() == 1


@pytest.mark.django_db
def test_an_open_ticket_cannot_be_confirmed(station, limits):
    technician = make_user(roles.TECHNICIAN, station, last_name="赵")
    ticket = TicketFactory(
        station=station,
        technician=technician,
        status=Ticket.Status.ACCEPTED,
        device=DeviceFactory(customer=_customer()),
    )
    client = _opened(ticket)
    assert 'id="self-service-answer"' not in client.get(reverse("tickets:status-ticket")).content.decode()
    client.post(reverse("tickets:status-answer"), {"answer": "confirm"})
    assert not Callback.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ACCEPTED


@pytest.mark.django_db
def test_an_already_called_back_ticket_shows_the_agents_confirmation(station, limits):
    ticket = _done(station, callback_outcome=Callback.Outcome.CONFIRMED)
    html = _opened(ticket).get(reverse("tickets:status-ticket")).content.decode()
    assert 'data-answer="confirmed"' in html and 'id="self-service-answer"' not in html
    assert 'id="self-service-report"' in html
