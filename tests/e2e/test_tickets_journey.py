"""Browser journeys of the tickets area: hotline logs by keyboard and dispatches; a technician on a
375 px phone accepts and completes with a drawn signature; the agent makes the callback; ticket closed."""

import datetime
import re

import pytest

from repairnet import roles
from tests import clock
from tests.factories import PASSWORD, StationFactory, make_user, region
from tests.tickets.factories import CustomerFactory, DeviceFactory, certified_technician
from tickets import services
from tickets.models import SlaPolicy, Ticket

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sla_policies():
    for (priority, leg), minutes in {
        ("urgent", "accept"): 30, ("urgent", "onsite"): 240, ("urgent", "complete"): 1440,
        ("normal", "accept"): 120, ("normal", "onsite"): 1440, ("normal", "complete"): 2880,
    }.items():  # fmt: skip
        SlaPolicy.objects.get_or_create(priority=priority, leg=leg, defaults={"minutes": minutes})


def test_agent_logs_call_by_keyboard_and_dispatches(page, live_server, sla_policies):
    station = StationFactory(name="郑州中原维修站")
    customer = CustomerFactory(phone="13598765432", name="孙八", region=region("410102"))
    DeviceFactory(customer=customer, serial="HD2505000042")
    agent = make_user(roles.HOTLINE)
    login(page, live_server, agent.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/hotline/")
    page.keyboard.type("13598765432")  # the phone field has focus on load
    page.wait_for_function("() => document.getElementById('id_customer_name').value === '孙八'")
    for _ in range(5):  # name, district, address, carrier account → serial
        page.keyboard.press("Tab")
    page.keyboard.type("HD2505000042")
    page.wait_for_function("() => document.getElementById('id_device_model').value !== ''")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert ticket.customer_id == customer.pk and ticket.status == "received"
    button = page.locator(".dispatch-suggested").first
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#ticket-status:has-text('已派单')")
    ticket.refresh_from_db()
    assert ticket.station_id == station.pk and ticket.accept_due_at is not None


def test_technician_on_phone_accepts_completes_then_agent_calls_back(browser, phone_page, live_server, sla_policies):
    station = StationFactory()
    tech = certified_technician(station)
    agent = make_user(roles.HOTLINE)
    ticket = services.ticket_create(
        actor=agent, phone="13611112222", customer_name="周九", region=region("410102"), serial="HD2505000777",
        device_model=_model(), purchase_date=clock.today() - datetime.timedelta(days=30), has_invoice=True,
        fault_category="no_power",
    )  # fmt: skip
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)

    page = phone_page
    login(page, live_server, tech.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/queue/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator(".accept-one-tap").first.tap()
    page.get_by_role("button", name="已到达现场").first.tap()
    page.get_by_role("link", name="完工并签字确认").first.tap()
    page.wait_for_url(re.compile(r"/complete/$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.fill("#id_fault_found", "电源适配器损坏")
    page.fill("#id_work_done", "更换电源适配器")
    page.locator("#signature-pad").scroll_into_view_if_needed()  # below the fold on a phone
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 90, steps=8)
    page.mouse.move(box["x"] + 220, box["y"] + 30, steps=8)
    page.mouse.up()
    page.locator("#complete-submit").tap()
    page.wait_for_selector("#ticket-status:has-text('已完工')")
    ticket.refresh_from_db()
    assert ticket.status == "completed" and ticket.signoff_image.name.endswith(".png")

    services.callbacks_sweep()
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(desk, live_server, agent.username, PASSWORD)
    desk.goto(f"{live_server.url}/tickets/callbacks/")
    desk.get_by_role("link", name="回访").last.click()
    desk.check("#id_reached_0")
    desk.select_option("#id_repaired", "1")
    desk.select_option("#id_satisfaction", "5")
    desk.locator("#callback-submit").click()
    desk.wait_for_url("**/tickets/callbacks/")
    desk.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert desk.locator("#ticket-status").inner_text() == "已关闭"
    desk.context.close()


def _model():
    from tests.tickets.factories import DeviceModelFactory

    return DeviceModelFactory()
