"""Issue 15: a customer's phone by need to know (SPEC 8), one rule (``tickets.selectors.phone_shown``).

While a ticket is open, whoever may see it sees the number. Once it is closed or cancelled only the hotline
and HQ see it whole; station staff, finance and inspectors see it masked (139****0001), on the page and in
the API alike. The repair report PDF always masks it.
"""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from repairnet import roles
from repairnet.exports import mask_phone
from tickets.models import Callback, Ticket

from .factories import CustomerFactory, DeviceFactory, TicketFactory, completed_ticket

pytestmark = pytest.mark.django_db
S = Ticket.Status
PHONE = "+8613912340001"  # stored (E.164); pages show it as NATIONAL with a tel: link
NATIONAL = "139 1234 0001"
MASKED = "139****0001"
WHOLE_AFTER_CLOSE = {roles.HOTLINE, roles.HQ}
ROLES = (roles.HOTLINE, roles.HQ, roles.FINANCE, roles.INSPECTOR, roles.COORDINATOR, roles.TECHNICIAN)


def _device():
    return DeviceFactory(customer=CustomerFactory(phone=PHONE))


@pytest.fixture
def tickets(station):
    """One ticket per state that matters: open (accepted), closed after the callback, cancelled."""
    return {
        "open": TicketFactory(station=station, status=S.ACCEPTED, device=_device()),
        "closed": completed_ticket(station=station, device=_device(), callback_outcome=Callback.Outcome.CONFIRMED),
        "cancelled": TicketFactory(station=station, status=S.CANCELLED, device=_device(), cancel_reason="重复"),
    }


def _client(role, station):
    from tests.factories import make_user

    c = Client()
    c.force_login(make_user(role, station if role in roles.STATION_ROLES else None))
    return c


def _expected(role: str, state: str) -> str:
    return PHONE if state == "open" or role in WHOLE_AFTER_CLOSE else MASKED


def test_mask_is_the_shared_one():
    assert mask_phone(PHONE) == MASKED


@pytest.mark.parametrize("role", ROLES)
def test_ticket_page_shows_the_phone_by_role_and_state(role, tickets, station):
    client = _client(role, station)
    for state, ticket in tickets.items():
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
        expected = _expected(role, state)
        shown = f'<span id="customer-phone">{MASKED}</span>' if expected == MASKED else f"{NATIONAL}</a></span>"
        assert shown in page, (role, state)
        if expected == MASKED:
            assert PHONE not in page and NATIONAL not in page, (role, state)


@pytest.mark.parametrize("role", ROLES)
def test_ticket_api_shows_the_phone_by_role_and_state(role, tickets, station):
    client = _client(role, station)
    listed = {row["id"]: row["customer_phone"] for row in client.get("/api/v1/tickets/").json()["results"]}
    for state, ticket in tickets.items():
        expected = _expected(role, state)
        body = client.get(f"/api/v1/tickets/{ticket.pk}/")
        assert body.status_code == 200
        assert body.json()["customer_phone"] == expected, (role, state)
        assert listed[ticket.pk] == expected, (role, state)
        if expected == MASKED:
            assert PHONE not in body.content.decode()


def test_an_action_answer_follows_the_rule_too(station):
    """The API's answer to a state change is the same serializer: the coordinator who cancels sees it masked."""
    ticket = TicketFactory(station=station, status=S.DISPATCHED, device=_device())
    client = _client(roles.COORDINATOR, station)
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/cancel/", {"reason": "客户取消"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["customer_phone"] == MASKED


def test_callbacks_page_and_api_follow_the_rule(station):
    ticket = completed_ticket(station=station, device=_device())
    callback = Callback.objects.get(ticket=ticket)
    for role in (roles.HOTLINE, roles.HQ):
        client = _client(role, station)
        assert NATIONAL in client.get("/tickets/callbacks/").content.decode()
        assert NATIONAL in client.get(f"/tickets/callbacks/{callback.pk}/").content.decode()
        assert client.get(f"/api/v1/callbacks/{callback.pk}/").json()["customer_phone"] == PHONE
    Ticket.objects.filter(pk=ticket.pk).update(status=S.CLOSED)
    assert _client(roles.HOTLINE, station).get(f"/api/v1/callbacks/{callback.pk}/").json()["customer_phone"] == PHONE


def test_customer_lookups_are_hotline_and_hq_tools_with_whole_numbers(station):
    """Look-ups outside a ticket show whole numbers; their rule must never reach a role without the phone rule."""
    assert roles.RULES["customers.lookup"] <= roles.RULES["customers.phone_whole"]
    _device()
    client = _client(roles.HOTLINE, station)
    assert client.get("/api/v1/customers/?phone=1391234").json()["results"][0]["phone"] == PHONE
    for role in (roles.FINANCE, roles.INSPECTOR, roles.COORDINATOR):
        assert _client(role, station).get("/api/v1/customers/?phone=1391234").status_code == 403


def test_phone_shown_is_the_one_rule(station):
    from tests.factories import make_user
    from tickets.selectors import phone_shown

    finance, hq = make_user(roles.FINANCE), make_user(roles.HQ)
    assert phone_shown(user=finance, phone=PHONE, ticket_open=True) == PHONE
    assert phone_shown(user=finance, phone=PHONE, ticket_open=False) == MASKED
    assert phone_shown(user=hq, phone=PHONE, ticket_open=False) == PHONE
    assert phone_shown(user=hq, phone=PHONE, ticket_open=True, document=True) == MASKED
    assert phone_shown(user=None, phone=PHONE, ticket_open=False) == MASKED


@pytest.mark.parametrize("role", [roles.HQ, roles.TECHNICIAN])
def test_repair_report_pdf_always_masks(role, station):
    ticket = completed_ticket(station=station, device=_device())
    response = _client(role, station).get(f"/tickets/{ticket.pk}/report.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)
    assert MASKED in text and PHONE not in text
