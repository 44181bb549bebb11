import pytest

from repairnet import roles
from tests.factories import PASSWORD, make_user

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_two_roles_log_in_and_see_their_navigation(page, live_server):
    hq = make_user(roles.HQ)
    tech = make_user(roles.TECHNICIAN)

    login(page, live_server, hq.username, PASSWORD)
    assert page.url == f"{live_server.url}/tickets/dashboard/"  # HQ's home is the service dashboard
    assert page.locator("#nav-links").get_by_text("后台任务").is_visible()

    page.locator("#user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")

    login(page, live_server, tech.username, PASSWORD)
    assert page.url == f"{live_server.url}/tickets/queue/"  # a technician's home is the station queue
    page.goto(f"{live_server.url}/overview/")
    assert page.locator("#home-roles").inner_text().startswith("维修工程师")
    assert page.locator("#nav-links").get_by_text("后台任务").count() == 0
    response = page.goto(f"{live_server.url}/jobs/")
    assert response.status == 403
    assert "无权访问" in page.content()
