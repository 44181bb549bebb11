"""Every page at 375 px, for every role: nothing overflows horizontally; HQ's navbar on one line at 1366 px; the
global search opened with "/".

The pages are walked from the URL conf with the objects of the permission matrix (tests/security: one station's
stock, tickets, callback, complaint, statement, inspection with its rectification…, plus network-wide ones): every
named URL that answers the role with an HTML page is opened in one Chromium, one browser context per role.

``SCREENSHOTS=1`` also saves the README's screenshots in docs/screenshots/.
"""

import os
from pathlib import Path

import pytest
from django.test import Client

from repairnet import roles
from tests.factories import make_user
from tests.inspections.conftest import hq, inspector, schedule  # noqa: F401 - fixtures of ``world``
from tests.security import test_permission_matrix as matrix
from tests.spares.conftest import accessory, hq_user, machine, part, stocked_station  # noqa: F401 - fixtures
from tests.tickets.factories import CustomerFactory, DeviceFactory, TicketFactory

from .conftest import ARTIFACTS

world = matrix.world  # the permission matrix's objects (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 768}
# Not pages: a form's target, the language switch, the health check.
NOT_PAGES = {"logout", "set_language", "healthz"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# (role, URL name) → the README screenshot of that page at 375 px
README_SHOTS = {
    (roles.HQ, "stations:directory"): "phone-station-directory.png",
    (roles.HQ, "tickets:list"): "phone-ticket-list.png",
    (roles.TECHNICIAN, "tickets:queue"): "phone-station-queue.png",
    (roles.COORDINATOR, "spares:station-stock"): "phone-station-stock.png",
}

OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const classes = (el) => (typeof el.className === "string" ? el.className.trim().split(/\\s+/) : []);
  const name = (el) => [el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""), ...classes(el)].join(".");
  const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > width + 0.5);
  const leaves = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
  return {scrollWidth: document.documentElement.scrollWidth, width,
          elements: leaves.slice(0, 4).map((el) => name(el) + " → " + Math.round(el.getBoundingClientRect().right))};
}"""


def _demo_like_tickets(world):
    """A few more tickets than the matrix's closed one: open ones in several states, long addresses and names."""
    station = world["station"]
    customer = CustomerFactory(name="欧阳娜娜", address="四川省阿坝藏族羌族自治州汶川县威州镇岷江路一段二十八号附三号")
    for status in ("received", "dispatched", "accepted", "in_repair", "awaiting_parts"):
        TicketFactory(
            status=status,
            station=None if status == "received" else station,
            device=DeviceFactory(customer=customer),
            description="开机后无信号，重启无效，指示灯闪烁",
        )


def _pages_for(user, world) -> list[tuple[str, str]]:
    """(URL name, URL) of every page that answers ``user`` with HTML."""
    client = Client()
    if user is not None:
        client.force_login(user)
    pages, seen = [], set()
    for name, pattern in matrix.TARGETS:
        if name in NOT_PAGES:
            continue
        url = matrix._url(world, name, pattern)
        if url in seen or (url.startswith("/api/") and name != "api-docs"):
            continue
        seen.add(url)
        response = client.get(url, HTTP_ACCEPT="text/html")
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append((name, url))
    return pages


def _session(browser, live_server, user, viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_every_page_fits_a_375px_phone_for_every_role(browser, live_server, world):
    _demo_like_tickets(world)
    station = world["station"]
    people = {
        "anonymous": None,
        roles.HOTLINE: make_user(roles.HOTLINE),
        roles.COORDINATOR: make_user(roles.COORDINATOR, station),
        roles.TECHNICIAN: world["staff"],  # the station's certified technician
        roles.HQ: make_user(roles.HQ),
        roles.INSPECTOR: make_user(roles.INSPECTOR),
        roles.FINANCE: make_user(roles.FINANCE),
        roles.ADMIN: make_user(roles.ADMIN, is_staff=True, is_superuser=True),
    }
    save = bool(os.environ.get("SCREENSHOTS"))
    failures, walked = [], 0
    for who, user in people.items():
        pages = _pages_for(user, world)
        assert len(pages) >= (3 if user is None else 8), f"{who}: only {pages}"
        context, page = _session(browser, live_server, user, PHONE)
        csp: list[str] = []
        page.on("console", lambda m, csp=csp: csp.append(m.text) if "Content Security Policy" in m.text else None)
        for name, url in pages:
            page.goto(f"{live_server.url}{url}")
            walked += 1
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                failures.append(f"{who} {url}: {overflow}")
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"overflow-{who}-{name.replace(':', '-')}.png"), full_page=True)
            if csp:
                failures.append(f"{who} {url}: CSP {csp[:2]}")
                csp.clear()
            if save and (who, name) in README_SHOTS:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / README_SHOTS[who, name]))
        context.close()
    print(f"\n375 px walk: {walked} pages for {len(people)} roles")
    assert not failures, "Horizontal overflow at 375 px:\n" + "\n".join(failures)


def test_hq_navbar_is_one_line_at_1366px_and_slash_opens_the_search(browser, live_server):
    ticket = TicketFactory(number="T2099010100042")
    long_name = {"first_name": "测试用户名字特别长的一位同事12345"}  # the user menu must not widen the bar
    admin = make_user(roles.ADMIN, is_staff=True, is_superuser=True, **long_name)
    for user in (make_user(roles.HQ, **long_name), admin):
        context, page = _session(browser, live_server, user, DESKTOP)
        page.goto(f"{live_server.url}/tickets/")
        bar = page.evaluate(
            """() => {
              const items = [...document.querySelectorAll("#nav-main > ul > li, #nav-main > form")];
              const middles = items.map((el) => {
                const r = el.getBoundingClientRect();
                return (r.top + r.bottom) / 2;
              });
              const links = [...document.querySelectorAll("#nav-main .nav-link")];
              return {spread: Math.max(...middles) - Math.min(...middles), items: items.length,
                      navbar: document.querySelector("nav.navbar").offsetHeight,
                      tallest: Math.max(...links.map((a) => a.getBoundingClientRect().height))};
            }"""
        )
        assert bar["spread"] < 8, bar  # every entry, menu and the search box on one line
        assert bar["navbar"] < 70 and bar["tallest"] < 45, bar  # no entry wraps onto a second line
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]

        page.locator("#nav-tickets").click()
        assert page.locator("#nav-callbacks").is_visible()
        if os.environ.get("SCREENSHOTS") and not user.is_superuser:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / "desktop-hq-navbar.png"
            page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1366, "height": 420})
        page.keyboard.press("Escape")

        page.locator("main h1").click()
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "global-search"
        page.keyboard.type(ticket.number)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/tickets/{ticket.pk}/")
        context.close()


def test_the_filter_button_does_not_wrap(browser, live_server):
    for viewport in (PHONE, DESKTOP):
        context, page = _session(browser, live_server, make_user(roles.HQ), viewport)
        page.goto(f"{live_server.url}/tickets/")
        button = page.get_by_role("button", name="筛选")
        height = button.evaluate("b => b.getBoundingClientRect().height")
        assert height < 40, f"{viewport['width']} px: the filter button is {height} px tall"
        context.close()


def test_api_docs_show_a_loading_state_then_the_docs(browser, live_server):
    context, page = _session(browser, live_server, make_user(roles.HQ), DESKTOP)
    response = page.goto(f"{live_server.url}/api/docs/", wait_until="commit")
    assert 'id="api-docs-loading"' in response.text()  # shown until Swagger UI replaces it
    page.wait_for_selector(".swagger-ui .info", timeout=30000)
    assert page.locator("#api-docs-loading").count() == 0
    context.close()
