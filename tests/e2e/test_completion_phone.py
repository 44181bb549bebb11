"""The technician's completion on a 375 px phone (issue 16): at most 6 taps, counted in the page.

Every pointerdown and keydown the page receives is counted (kept in sessionStorage across the pages of
the journey), so a drawn stroke is one tap and typed text counts by the key. The signature survives a
resize or an orientation change in the middle of signing, and the ticket still completes.
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from repairnet import roles
from spares import services as spares_services
from spares.models import Item, ItemPrice, StockBalance
from tests import clock
from tests.factories import PASSWORD, StationFactory, make_user, region
from tests.tickets.factories import DeviceModelFactory, certified_technician
from tickets import services
from tickets.models import Ticket

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def zh(text: str, **values) -> str:
    """The page's Chinese for a msgid (the English until the catalogue has it), as the page renders it."""
    with translation.override("zh-hans"):
        return translation.gettext(text) % values if values else translation.gettext(text)


SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "completion.png"

COUNT_TAPS = """
(() => {
  const bump = (kind) => {
    const seen = JSON.parse(sessionStorage.getItem("__taps") || '{"taps":0,"keys":0}');
    seen[kind] += 1;
    sessionStorage.setItem("__taps", JSON.stringify(seen));
  };
  window.addEventListener("pointerdown", () => bump("taps"), true);
  window.addEventListener("keydown", () => bump("keys"), true);
})();
"""


def _station_with_tuners():
    station = StationFactory(regions=[region("410102")])
    tech = certified_technician(station)
    hq = make_user(roles.HQ)
    tuner = Item.objects.create(code="P-TUNER", name="高频头", kind=Item.Kind.PART, compatible_models="HD-100")
    ItemPrice.objects.create(
        item=tuner, effective_from=datetime.date(2020, 1, 1), unit_cost=Decimal("22.00"), retail_price=Decimal("60")
    )
    spares_services.deposit_record(station=station, kind="paid", amount=Decimal("10000.00"), actor=hq)
    spares_services.hq_stock_receive(item=tuner, quantity=10, actor=hq)
    shipment = spares_services.shipment_create(station=station, lines=[{"item_id": tuner.pk, "quantity": 3}], actor=hq)
    spares_services.shipment_receive(shipment=shipment, actor=make_user(roles.COORDINATOR, station))
    return station, tech, tuner


def _in_repair(station, tech, *, serial: str, bought_days_ago: int = 30) -> Ticket:
    agent = make_user(roles.HOTLINE)
    ticket = services.ticket_create(
        actor=agent, phone="13611114444", customer_name="周九", region=region("410102"), serial=serial,
        device_model=DeviceModelFactory(), purchase_date=clock.today() - datetime.timedelta(days=bought_days_ago),
        has_invoice=True, fault_category="no_signal",
    )  # fmt: skip
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    services.ticket_accept(ticket_id=ticket.pk, actor=tech)
    services.ticket_arrive(ticket_id=ticket.pk, actor=tech)
    return Ticket.objects.get(pk=ticket.pk)


def _sign(page, start=(20, 40), end=(160, 80)) -> None:
    page.locator("#signature-pad").scroll_into_view_if_needed()  # a scroll, not a tap (none on one screen)
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0], box["y"] + end[1], steps=8)
    page.mouse.up()


def _counted(page) -> dict:
    return page.evaluate("JSON.parse(sessionStorage.getItem('__taps') || '{\"taps\":0,\"keys\":0}')")


def _ink(page) -> int:
    """Dark pixels on the signature canvas (0 when it was wiped)."""
    return page.evaluate(
        """() => {
          const c = document.getElementById("signature-pad");
          const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
          return n;
        }"""
    )


def test_completion_from_the_queue_takes_at_most_six_taps(phone_page, live_server):
    station, tech, tuner = _station_with_tuners()
    ticket = _in_repair(station, tech, serial="HD2505000901")
    page = phone_page
    login(page, live_server, tech.username, PASSWORD)
    page.context.add_init_script(COUNT_TAPS)
    page.goto(f"{live_server.url}/tickets/queue/")
    page.evaluate("sessionStorage.removeItem('__taps')")
    assert page.locator(".queue-phone a[href^='tel:']").count() == 1  # call the customer in one tap

    page.locator(".queue-item").get_by_role("link", name="完工并签字确认").tap()  # 1
    page.wait_for_url(re.compile(r"/complete/$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#id_part_quantity").input_value() == "1"
    assert page.locator("#id_photo_before").get_attribute("capture") == "environment"
    page.locator(".phrase-row[data-target=id_fault_found] .phrase").first.tap()  # 2
    page.locator(".part-chip", has_text="高频头").tap()  # 3: the part, quantity 1, and the work done
    assert page.locator("#id_work_done").input_value() == zh("Replaced the %(part)s", part="高频头")
    _sign(page)  # 4
    page.locator("#complete-submit").tap()  # 5
    page.wait_for_selector("#ticket-status:has-text('已完工')")

    counted = _counted(page)
    assert counted["taps"] + counted["keys"] <= 6, counted
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.COMPLETED
    assert ticket.fault_found == zh("Tuner faulty, no signal received")
    assert ticket.work_done == zh("Replaced the %(part)s", part="高频头")
    assert ticket.parts_used[0]["item_id"] == tuner.pk and ticket.parts_used[0]["quantity"] == 1
    assert ticket.signoff_image.name.endswith(".png")
    assert StockBalance.objects.get(location__station=station, location__kind="station", item=tuner).on_hand == 2


def test_out_of_warranty_completion_asks_consent_for_the_part_in_six_taps(phone_page, live_server):
    station, tech, tuner = _station_with_tuners()
    ticket = _in_repair(station, tech, serial="HD2505000902", bought_days_ago=800)
    assert not ticket.in_warranty
    page = phone_page
    login(page, live_server, tech.username, PASSWORD)
    page.context.add_init_script(COUNT_TAPS)
    page.goto(f"{live_server.url}/tickets/queue/")
    page.evaluate("sessionStorage.removeItem('__taps')")

    page.locator(".queue-item").get_by_role("link", name="完工并签字确认").tap()  # 1
    page.wait_for_url(re.compile(r"/complete/$"))
    assert page.locator("#charge-consent").is_hidden()  # nothing charged yet: nothing to agree to
    page.locator(".phrase-row[data-target=id_fault_found] .phrase").first.tap()  # 2
    page.locator(".part-chip", has_text="高频头").tap()  # 3: the part's retail price is the charge
    assert page.locator("#id_charge_amount").input_value() == "60.00"
    assert page.locator("#charge-consent").is_visible()  # charged, so the customer's consent is asked
    page.locator("#id_charge_consent").tap()  # 4
    _sign(page)  # 5
    page.locator("#complete-submit").tap()  # 6
    page.wait_for_selector("#ticket-status:has-text('已完工')")

    counted = _counted(page)
    assert counted["taps"] + counted["keys"] <= 6, counted
    ticket.refresh_from_db()
    assert ticket.charge_amount == Decimal("60.00") and ticket.charge_consent and ticket.charge_consent_at


def test_no_fault_found_is_one_tap_and_says_why_no_part_is_offered(phone_page, live_server):
    station = StationFactory(regions=[region("410102")])
    tech = certified_technician(station)
    ticket = _in_repair(station, tech, serial="HD2505000903")
    page = phone_page
    login(page, live_server, tech.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/complete/")
    reason = zh("Your station holds no parts in stock, so none can be offered; the coordinator orders them.")
    assert page.locator("#no-part-reason").inner_text().strip() == reason
    page.locator("#id_no_fault_found").tap()
    assert page.locator("#id_fault_found").input_value() == zh("No fault found, the device works normally")
    assert page.locator("#id_work_done").input_value() != ""
    _sign(page)
    page.locator("#complete-submit").tap()
    page.wait_for_selector("#ticket-status:has-text('已完工')")
    ticket.refresh_from_db()
    assert ticket.no_fault_found


@pytest.mark.parametrize(
    "viewports",
    [
        [{"width": 375, "height": 740}],  # the address bar hides: only the height changes
        [{"width": 812, "height": 375}, {"width": 375, "height": 812}],  # turned to landscape and back
        [{"width": 414, "height": 896}],  # a wider window
    ],
    ids=["address-bar", "orientation", "wider"],
)
def test_signature_survives_a_resize_mid_signature_and_submits(phone_page, live_server, viewports):
    station, tech, _tuner = _station_with_tuners()
    ticket = _in_repair(station, tech, serial="HD2505000904")
    page = phone_page
    login(page, live_server, tech.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/complete/")
    page.locator(".phrase-row[data-target=id_fault_found] .phrase").first.tap()
    page.locator(".phrase-row[data-target=id_work_done] .phrase").first.tap()
    _sign(page)  # the first stroke of the signature
    before = _ink(page)
    assert before > 0
    for viewport in viewports:
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)
    assert _ink(page) > 0, "the resize wiped the signature"
    assert page.evaluate("document.querySelector('[name=signature]').value").startswith("data:image/png")
    _sign(page, start=(180, 30), end=(240, 90))  # the rest of the signature after the resize
    page.locator("#complete-submit").tap()
    page.wait_for_selector("#ticket-status:has-text('已完工')")
    assert "需要客户签字确认" not in page.content()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.COMPLETED and ticket.signoff_image.name.endswith(".png")


def test_screenshot_of_the_completion_page_at_375_px(phone_page, live_server):
    station, tech, _tuner = _station_with_tuners()
    ticket = _in_repair(station, tech, serial="HD2505000905")
    page = phone_page
    login(page, live_server, tech.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/complete/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 812, height  # was 1,520 px: now the whole form is on one 375 × 812 screen
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
