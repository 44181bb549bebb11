"""Finance runs a month in the browser, downloads the workbook and a PDF; the coordinator confirms."""

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from repairnet import roles
from settlement.services import previous_month
from tests.factories import PASSWORD, StationFactory, make_user
from tests.settlement.conftest import at, certified

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_finance_runs_month_downloads_workbook_and_pdf_and_station_confirms(page, live_server, tmp_path):
    from tests.tickets.factories import completed_ticket

    month = previous_month()
    station = StationFactory(name="郑州中原家电维修服务中心", is_remote=True)
    tech = certified(station)
    for day in (3, 4):
        completed_ticket(station=station, technician=tech, completed_at=at(month, day), callback_outcome="confirmed")
    finance = make_user(roles.FINANCE)
    coordinator = make_user(roles.COORDINATOR, station)

    login(page, live_server, finance.username, PASSWORD)
    page.locator("#nav-settlement").click()
    page.wait_for_url(f"**/settlement/months/{month:%Y-%m}/")
    page.locator("#run-month").click()
    page.wait_for_selector("#statements-table >> text=郑州中原家电维修服务中心")
    page.wait_for_function("() => document.querySelector('#run-progress').dataset.done === 'true'")
    assert page.locator("#month-net").inner_text() == "¥80.00"

    with page.expect_download() as info:
        page.locator("#download-workbook").click()
    xlsx = tmp_path / "month.xlsx"
    info.value.save_as(xlsx)
    assert load_workbook(xlsx).sheetnames[0] == "汇总"

    page.get_by_role("link", name="郑州中原家电维修服务中心").first.click()
    page.wait_for_selector("#statement-net")
    with page.expect_download() as info:
        page.locator("#download-pdf").click()
    pdf = tmp_path / "statement.pdf"
    info.value.save_as(pdf)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "郑州中原家电维修服务中心" in text and "¥80.00" in text

    page.locator("#action-issue").click()
    page.wait_for_selector("#statement-status >> text=已下发")
    page.locator("#user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")

    login(page, live_server, coordinator.username, PASSWORD)
    page.locator("#nav-settlement").click()
    page.get_by_role("link", name=f"{month:%Y-%m}").click()
    page.locator("#action-confirm").click()
    page.wait_for_selector("#statement-status >> text=已确认")


def test_coordinator_disputes_on_a_phone(phone_page, live_server):
    from settlement.models import Statement
    from settlement.services import settlement_month_build, statement_issue
    from tests.tickets.factories import completed_ticket

    month = previous_month()
    station = StationFactory(name="成都锦江数码维修服务站")
    completed_ticket(
        station=station, technician=certified(station), completed_at=at(month, 5), callback_outcome="confirmed"
    )
    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    statement_issue(statement_id=statement.pk, actor=make_user(roles.FINANCE))
    coordinator = make_user(roles.COORDINATOR, station)

    login(phone_page, live_server, coordinator.username, PASSWORD)
    phone_page.goto(f"{live_server.url}/settlement/statements/{statement.pk}/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone_page.locator("#id_reason").get_attribute("required") is not None  # a reason is needed
    phone_page.fill("#id_reason", "漏算了一张上门工单")
    phone_page.locator("#action-dispute").click()
    phone_page.wait_for_selector("#statement-status >> text=有异议")
    assert "漏算了一张上门工单" in phone_page.content()
