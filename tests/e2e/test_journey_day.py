"""A day in the life, across every area, in a real browser:

a call logged by keyboard and dispatched → accepted and completed on a 375 px phone with a part from
the station's stock and a drawn signature → the 24 h callback closes it → finance settles the month and
downloads the workbook and the station's PDF statement, both opened back and checked.
"""

import datetime
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from repairnet import roles
from spares import services as spares_services
from spares.models import Item, ItemPrice, Obligation, StockBalance
from tests import clock
from tests.factories import PASSWORD, StationFactory, make_user, region
from tests.tickets.factories import CustomerFactory, DeviceFactory, DeviceModelFactory, certified_technician
from tickets import services as ticket_services
from tickets.models import Ticket

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STATION_NAME = "郑州中原家电维修服务中心"


def test_call_to_settlement_in_one_day(browser, page, phone_page, live_server, tmp_path):
    # The network as it stands in the morning: one station with a certified technician and stock.
    station = StationFactory(name=STATION_NAME, regions=[region("410102")])
    tech = certified_technician(station)
    hq = make_user(roles.HQ)
    agent = make_user(roles.HOTLINE)
    finance = make_user(roles.FINANCE)
    part = Item.objects.create(code="P-TUNER", name="高频头", kind=Item.Kind.PART, compatible_models="HD-100")
    ItemPrice.objects.create(
        item=part, effective_from=datetime.date(2020, 1, 1), unit_cost=Decimal("22.00"), retail_price=Decimal("60")
    )
    spares_services.deposit_record(station=station, kind="paid", amount=Decimal("10000.00"), actor=hq)
    spares_services.hq_stock_receive(item=part, quantity=10, actor=hq)
    shipment = spares_services.shipment_create(station=station, lines=[{"item_id": part.pk, "quantity": 3}], actor=hq)
    spares_services.shipment_receive(shipment=shipment, actor=make_user(roles.COORDINATOR, station))
    customer = CustomerFactory(phone="13598760001", name="孙八", region=region("410102"))
    DeviceFactory(
        customer=customer, model=DeviceModelFactory(), serial="HD2505000901",
        purchase_date=clock.today() - datetime.timedelta(days=60), has_invoice=True,
    )  # fmt: skip

    # 1. The hotline agent logs the call with the keyboard only and dispatches it.
    login(page, live_server, agent.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/hotline/")
    page.keyboard.type("13598760001")
    page.wait_for_function("() => document.getElementById('id_customer_name').value === '孙八'")
    for _ in range(5):
        page.keyboard.press("Tab")
    page.keyboard.type("HD2505000901")
    page.wait_for_function("() => document.getElementById('id_device_model').value !== ''")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    ticket = Ticket.objects.get(device__serial="HD2505000901")
    assert ticket.in_warranty
    suggestion = page.locator(".dispatch-suggested").first
    suggestion.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#ticket-status:has-text('已派单')")

    # 2. The technician, on a phone, accepts, arrives and completes with a part and a drawn signature.
    phone = phone_page
    login(phone, live_server, tech.username, PASSWORD)
    phone.goto(f"{live_server.url}/tickets/queue/")
    phone.locator(".accept-one-tap").first.tap()
    phone.get_by_role("button", name="已到达现场").first.tap()
    phone.get_by_role("link", name="完工并签字确认").first.tap()
    phone.wait_for_url(re.compile(r"/complete/$"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.fill("#id_fault_found", "高频头损坏，无信号")
    phone.fill("#id_work_done", "更换高频头，信号恢复")
    phone.select_option("#id_part_item", str(part.pk))
    phone.fill("#id_part_quantity", "1")
    phone.locator("#signature-pad").scroll_into_view_if_needed()
    box = phone.locator("#signature-pad").bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + 40)
    phone.mouse.down()
    phone.mouse.move(box["x"] + 150, box["y"] + 80, steps=8)
    phone.mouse.up()
    phone.locator("#complete-submit").tap()
    phone.wait_for_selector("#ticket-status:has-text('已完工')")
    stock = StockBalance.objects.get(location__station=station, location__kind="station", item=part)
    assert stock.on_hand == 2
    assert Obligation.objects.get(ticket_id=ticket.pk).quantity == 1

    # 3. The callback sweep queues the call; the agent reaches the customer, who confirms the repair.
    ticket_services.callbacks_sweep()
    page.goto(f"{live_server.url}/tickets/callbacks/")
    page.get_by_role("link", name="回访").last.click()
    page.check("#id_reached_0")
    page.select_option("#id_repaired", "1")
    page.select_option("#id_satisfaction", "5")
    page.locator("#callback-submit").click()
    page.wait_for_url("**/tickets/callbacks/")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED

    # 4. Finance settles this month and downloads the workbook and the station's PDF statement.
    month = clock.today().replace(day=1)
    finance_page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(finance_page, live_server, finance.username, PASSWORD)
    finance_page.goto(f"{live_server.url}/settlement/months/{month:%Y-%m}/")
    finance_page.locator("#run-month").click()
    finance_page.wait_for_function("() => document.querySelector('#run-progress').dataset.done === 'true'")
    finance_page.wait_for_selector(f"#statements-table >> text={STATION_NAME}")
    assert finance_page.locator("#month-net").inner_text() == "¥30.00"  # one in-warranty on-site repair

    with finance_page.expect_download() as info:
        finance_page.locator("#download-workbook").click()
    xlsx = tmp_path / "month.xlsx"
    info.value.save_as(xlsx)
    book = load_workbook(xlsx)
    lines = book[book.sheetnames[1]]
    assert any(ticket.number in [str(c) for c in row] for row in lines.iter_rows(values_only=True))

    finance_page.get_by_role("link", name=STATION_NAME).first.click()
    finance_page.wait_for_selector("#statement-net")
    with finance_page.expect_download() as info:
        finance_page.locator("#download-pdf").click()
    pdf = tmp_path / "statement.pdf"
    info.value.save_as(pdf)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert STATION_NAME in text and "¥30.00" in text and ticket.number in text
    finance_page.context.close()
