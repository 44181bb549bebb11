"""SPEC 2.2 intake rules: the serial's manufacture month must be real and not in the future; a phone sent with a
chosen customer is checked; a future purchase date is refused for a known serial too; a second ticket for a
serial with an open one needs a reason (the API answers 409 with the open ticket)."""

import pytest
from django.urls import reverse

from repairnet import roles
from repairnet.selectors import audit_list_for_object
from tests import clock
from tests.factories import make_user
from tickets.models import Customer, Device, Ticket

from .factories import hotline_form_data
from .test_api import api, log_call_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return api(make_user(roles.HOTLINE))


def _post(agent, **kw):
    return agent.post("/api/v1/tickets/", log_call_payload(**kw), content_type="application/json")


@pytest.mark.parametrize(
    "serial, message",
    [("HD9901123456", "晚于当前月份"), ("HD2513123456", "生产月份不存在")],
)
def test_serial_with_a_future_or_impossible_manufacture_month_is_refused(agent, serial, message):
    with clock.travel(clock.now().replace(year=2026), tick=False):
        response = _post(agent, serial=serial, purchase_date=None, has_invoice=False)
    assert response.status_code == 400 and message in response.json()["errors"]["serial"][0]
    assert not Ticket.objects.exists()


def test_phone_sent_with_a_customer_id_is_validated(agent):
    first = _post(agent).json()
    customer_id = Ticket.objects.get(pk=first["id"]).customer_id
    response = _post(agent, customer_id=customer_id, phone="12012345678", serial="HD2502000999")
    assert response.status_code == 400 and "phone" in response.json()["errors"]
    assert Ticket.objects.count() == 1


def test_future_purchase_date_is_refused_for_a_known_serial_too(agent):
    created = _post(agent)
    Ticket.objects.filter(pk=created.json()["id"]).update(status=Ticket.Status.CLOSED)
    tomorrow = clock.today().toordinal() + 1
    import datetime

    response = _post(agent, purchase_date=str(datetime.date.fromordinal(tomorrow)))
    assert response.status_code == 400 and "purchase_date" in response.json()["errors"]
    assert Ticket.objects.count() == 1


def test_second_ticket_for_an_open_serial_returns_it_and_needs_a_reason(agent):
    first = _post(agent).json()
    again = _post(agent)
    assert again.status_code == 409
    body = again.json()
    assert body["open_ticket"]["number"] == first["number"] and first["number"] in body["detail"]
    assert Ticket.objects.count() == 1
    forced = _post(agent, duplicate_reason="客户报第二台同号设备，核实后另开")
    assert forced.status_code == 201
    ticket = Ticket.objects.get(pk=forced.json()["id"])
    created = [e for e in audit_list_for_object(obj=ticket) if e.verb == "created"][0]
    assert created.note == "客户报第二台同号设备，核实后另开"


def test_hotline_page_asks_for_the_reason_when_the_serial_is_open(client_for):
    agent_page = client_for(roles.HOTLINE)
    payload = {**log_call_payload(), "priority": "normal", "service_mode": "onsite"}
    first = agent_page.post(reverse("tickets:hotline"), payload)
    assert first.status_code == 302, first.context["form"].errors
    refused = agent_page.post(reverse("tickets:hotline"), payload)
    assert refused.status_code == 200 and 'name="duplicate_reason"' in refused.content.decode()
    assert Ticket.objects.count() == 1
    forced = agent_page.post(reverse("tickets:hotline"), {**payload, "duplicate_reason": "另一台"})
    assert forced.status_code == 302 and Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "serial, message",
    [
        ("HD9901123456", "序列号 HD9901123456 的生产月份（2099-01）晚于当前月份。"),
        ("HD2513123456", "序列号 HD2513123456 中的生产月份不存在。"),
    ],
)
def test_hotline_page_refuses_a_future_or_impossible_manufacture_month(client_for, serial, message):
    agent_page = client_for(roles.HOTLINE)
    with clock.travel(clock.now().replace(year=2026), tick=False):
        response = agent_page.post(reverse("tickets:hotline"), hotline_form_data(serial=serial))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {"serial": [message]}
    assert message in response.content.decode()
    assert not Ticket.objects.exists() and not Device.objects.exists() and not Customer.objects.exists()
