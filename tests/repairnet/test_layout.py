"""Each role's home is its working page; our translations win over Django admin's; the navbar's menus."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from repairnet import roles
from tests.factories import make_user

pytestmark = pytest.mark.django_db

WORKING_PAGES = {
    roles.HOTLINE: "tickets:hotline",
    roles.COORDINATOR: "tickets:queue",
    roles.TECHNICIAN: "tickets:queue",
    roles.HQ: "tickets:dashboard",
    roles.INSPECTOR: "inspections:list",
    roles.FINANCE: "settlement:index",
}


@pytest.mark.parametrize("role", list(WORKING_PAGES))
def test_each_roles_home_is_its_working_page(client_for, role):
    client = client_for(role)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(WORKING_PAGES[role])
    assert client.get(response.url, follow=True).status_code == 200


def test_login_lands_on_the_working_page(client):
    user = make_user(roles.TECHNICIAN)
    response = client.post(reverse("login"), {"username": user.username, "password": "test-pass-123"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("tickets:queue")


def test_administrator_sees_the_overview(client_for):
    page = client_for(roles.ADMIN).get(reverse("home"))
    assert page.status_code == 200
    assert 'id="home-tiles"' in page.content.decode()


def test_overview_lists_every_area_of_the_role(client_for):
    page = client_for(roles.HQ).get(reverse("overview")).content.decode()
    assert 'id="home-tiles"' in page and 'id="stations-dashboard"' in page


def test_our_translations_win_over_django_admins():
    with translation.override("zh-hans"):
        assert gettext("Filter") == "筛选"  # django.contrib.admin: 过滤器
        assert gettext("Go") == "前往"  # django.contrib.admin: 执行


def test_ticket_list_filter_button_says_shai_xuan(client_for):
    with translation.override("zh-hans"):
        page = client_for(roles.HQ).get(reverse("tickets:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">筛选</button>" in page and "过滤器" not in page


def test_admin_pages_use_our_translation_too(client_for):
    admin = make_user(roles.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("admin:stations_station_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "筛选" in page and "过滤器" not in page


def test_hq_navbar_groups_links_into_menus(client_for):
    page = client_for(roles.HQ).get(reverse("tickets:list")).content.decode()
    assert page.count('class="nav-item dropdown"') >= 3  # tickets, stations, inspections (+ the user menu)
    assert 'id="nav-tickets"' in page and 'id="nav-callbacks"' in page
    assert 'class="dropdown-item active" href="/tickets/" id="nav-ticket-list" aria-current="page"' in page


def test_a_menu_of_one_link_is_that_link(client_for):
    page = client_for(roles.FINANCE).get(reverse("settlement:index"), follow=True).content.decode()
    assert '<a class="nav-link active" href="/settlement/" id="nav-settlement" aria-current="page">' in page
