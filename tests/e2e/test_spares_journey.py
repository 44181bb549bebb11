"""Browser journey of the spares area: HQ ships parts, the station receives them, a technician fits one
on a ticket at completion, and the station's stock page shows the new on-hand."""

import datetime
from decimal import Decimal

import pytest

from repairnet import roles
from spares import services as spares_services
from spares.models import Item, ItemPrice, Obligation, Shipment
from tests import clock
from tests.factories import PASSWORD, StationFactory, make_user, region
from tests.tickets.factories import DeviceModelFactory, certified_technician
from tickets import services as ticket_services
from tickets.models import SlaPolicy

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hq_ships_station_receives_technician_uses_part(browser, page, live_server):
    for (priority, leg), minutes in {
        ("urgent", "accept"): 30, ("urgent", "onsite"): 240, ("urgent", "complete"): 1440,
        ("normal", "accept"): 120, ("normal", "onsite"): 1440, ("normal", "complete"): 2880,
    }.items():  # fmt: skip
        SlaPolicy.objects.get_or_create(priority=priority, leg=leg, defaults={"minutes": minutes})
    station = StationFactory(name="郑州中原维修站")
    hq = make_user(roles.HQ)
    coordinator = make_user(roles.COORDINATOR, station)
    tech = certified_technician(station)
    part = Item.objects.create(code="P-PSU", name="电源板", kind=Item.Kind.PART, compatible_models="HD-100")
    ItemPrice.objects.create(
        item=part, effective_from=datetime.date(2020, 1, 1), unit_cost=Decimal("35.00"), retail_price=Decimal("80")
    )
    spares_services.deposit_record(station=station, kind="paid", amount=Decimal("5000.00"), actor=hq)
    spares_services.hq_stock_receive(item=part, quantity=50, actor=hq)

    # HQ ships 6 power boards
    login(page, live_server, hq.username, PASSWORD)
    page.goto(f"{live_server.url}/spares/shipments/new/")
    page.select_option("#id_station", str(station.pk))
    page.select_option("#id_line-0-item", str(part.pk))
    page.fill("#id_line-0-quantity", "6")
    page.locator("#ship").click()
    page.wait_for_selector("#shipment-status:has-text('在途')")
    shipment = Shipment.objects.get()
    page.context.clear_cookies()

    # the coordinator confirms 6 received
    login(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/spares/shipments/{shipment.pk}/")
    page.locator("#confirm-receipt").click()
    page.wait_for_url(f"**/spares/stations/{station.pk}/")
    assert page.locator("tr[data-item='P-PSU'] .on-hand").inner_text() == "6"
    page.context.clear_cookies()

    # a technician fits one at completion of an in-warranty ticket
    agent = make_user(roles.HOTLINE)
    ticket = ticket_services.ticket_create(
        actor=agent, phone="13611113333", customer_name="周九", region=region("410102"), serial="HD2505000888",
        device_model=DeviceModelFactory(), purchase_date=clock.today() - datetime.timedelta(days=30),
        has_invoice=True, fault_category="no_power",
    )  # fmt: skip
    ticket_services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    ticket_services.ticket_accept(ticket_id=ticket.pk, actor=tech)
    ticket_services.ticket_arrive(ticket_id=ticket.pk, actor=tech)
    login(page, live_server, tech.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/complete/")
    page.fill("#id_fault_found", "电源板烧毁")
    page.fill("#id_work_done", "更换电源板")
    page.select_option("#id_part_item", str(part.pk))
    page.fill("#id_part_quantity", "1")
    page.fill("#id_signoff_name", "周九")
    page.locator("#complete-submit").click()
    page.wait_for_selector("#ticket-status:has-text('已完工')")
    assert Obligation.objects.get(ticket_id=ticket.pk).quantity == 1

    page.goto(f"{live_server.url}/spares/")
    page.wait_for_url(f"**/spares/stations/{station.pk}/")
    assert page.locator("tr[data-item='P-PSU'] .on-hand").inner_text() == "5"
