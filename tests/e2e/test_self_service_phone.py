"""A customer checks a repair on a 375 px phone and confirms it (issue 18.1): no login, Chinese by default,
nothing overflows, and the confirmation is the ticket's callback (SPEC 2.6)."""

import pytest

from repairnet import roles
from tests.factories import StationFactory, make_user
from tests.tickets.factories import CustomerFactory, DeviceFactory, completed_ticket
from tickets.models import Callback, Ticket

from .test_layout import OVERFLOW

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_customer_checks_the_status_on_a_phone_and_confirms_the_repair(phone_page, live_server):
    station = StationFactory(name="金水维修站", address="郑州市金水区花园路88号", phone="+8637166668888")
    customer = CustomerFactory(name="李秀英", phone="13812345678", address="幸福小区七号楼三〇二室")
    ticket = completed_ticket(
        station=station,
        technician=make_user(roles.TECHNICIAN, station, last_name="赵"),
        device=DeviceFactory(customer=customer),
    )
    page = phone_page
    page.goto(f"{live_server.url}/tickets/status/?number={ticket.number}")  # as the report's QR code opens it
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.input_value("#id_number") == ticket.number
    page.fill("#id_phone_last4", "0000")
    page.click("#self-service-submit")
    assert page.locator(".alert-danger").is_visible()  # the generic answer, the page stays
    page.fill("#id_phone_last4", "5678")
    page.click("#self-service-submit")
    page.wait_for_selector("#self-service-status")
    assert page.evaluate(OVERFLOW) is None
    body = page.inner_text("body")
    assert "金水维修站" in body and "赵" in body
    assert "13812345678" not in body and "138 1234 5678" not in body and "幸福小区" not in body and "李秀英" not in body
    assert page.locator("#self-service-report").is_visible()
    page.select_option("#confirm-satisfaction", "5")
    page.click("#self-service-confirm")
    page.wait_for_selector('#self-service-answered[data-answer="confirmed"]')
    assert page.evaluate(OVERFLOW) is None
    callback = Callback.objects.get(ticket=ticket)
    assert (callback.outcome, callback.channel, callback.satisfaction) == ("confirmed", "self_service", 5)
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CLOSED
