"""From a public application to an active station that receives its first ticket, in a real browser."""

import datetime
import re

import pytest

from repairnet import roles
from tests import clock
from tests.factories import PASSWORD, make_user, region
from tests.tickets.factories import CustomerFactory, DeviceFactory, DeviceModelFactory
from tickets.models import Ticket

from .conftest import login
from .test_stations_application import apply_and_approve

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_application_to_active_station_receiving_its_first_ticket(page, live_server):
    station = apply_and_approve(page, live_server, make_user(roles.HQ))
    page.context.clear_cookies()

    # A customer in the new station's district calls the hotline; the new station is suggested first.
    customer = CustomerFactory(phone="13700001111", name="赵六", region=region("410105"))
    DeviceFactory(
        customer=customer, model=DeviceModelFactory(), serial="HD2506000123",
        purchase_date=clock.today() - datetime.timedelta(days=90), has_invoice=True,
    )  # fmt: skip
    agent = make_user(roles.HOTLINE)
    login(page, live_server, agent.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/hotline/")
    page.keyboard.type("13700001111")
    page.wait_for_function("() => document.getElementById('id_customer_name').value === '赵六'")
    for _ in range(5):
        page.keyboard.press("Tab")
    page.keyboard.type("HD2506000123")
    page.wait_for_function("() => document.getElementById('id_device_model').value !== ''")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    suggestion = page.locator("form:has(.dispatch-suggested)").first
    assert station.code in suggestion.inner_text()  # the only station authorised for 金水区
    suggestion.locator(".dispatch-suggested").click()
    page.wait_for_selector("#ticket-status:has-text('已派单')")

    ticket = Ticket.objects.get(device__serial="HD2506000123")
    assert ticket.station_id == station.pk and ticket.status == Ticket.Status.DISPATCHED
    # HQ sees it among the new station's open tickets.
    page.context.clear_cookies()
    login(page, live_server, make_user(roles.HQ).username, PASSWORD)
    page.goto(f"{live_server.url}/stations/{station.pk}/")
    assert ticket.number in page.content()
