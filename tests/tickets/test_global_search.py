"""The navbar's ticket search (tickets:search): one match opens the ticket, more open the searched list; the
tickets the user may see only, by the ticket list's FilterSet."""

import pytest
from django.urls import reverse

from repairnet import roles
from tests.factories import make_user
from tests.tickets.factories import CustomerFactory, DeviceFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _search(client, q):
    return client.get(reverse("tickets:search"), {"q": q})


@pytest.fixture
def two_stations(station, other_station):
    mine = TicketFactory(number="T2099010100001", station=station, status="dispatched")
    theirs = TicketFactory(number="T2099010100002", station=other_station, status="dispatched")
    return mine, theirs


def test_one_match_opens_the_ticket(client, station, two_stations):
    mine, _theirs = two_stations
    client.force_login(make_user(roles.COORDINATOR, station))
    response = _search(client, mine.number)
    assert response.status_code == 302
    assert response.url == reverse("tickets:detail", args=[mine.pk])


def test_station_staff_cannot_find_another_stations_ticket(client, station, two_stations):
    _mine, theirs = two_stations
    client.force_login(make_user(roles.TECHNICIAN, station))
    for q in (theirs.number, theirs.device.serial, str(theirs.customer.phone)[-11:]):
        response = _search(client, q)
        assert response.status_code == 302
        assert response.url != reverse("tickets:detail", args=[theirs.pk]), q
        listed = client.get(response.url).content.decode()
        assert f">{theirs.number}</a>" not in listed, q


def test_station_staff_find_their_own_ticket_by_serial_and_phone_prefix(client, station, two_stations):
    mine, _theirs = two_stations
    client.force_login(make_user(roles.TECHNICIAN, station))
    assert _search(client, mine.device.serial[:-2]).url == reverse("tickets:detail", args=[mine.pk])
    typed = str(mine.customer.phone).removeprefix("+86")
    assert _search(client, typed[:7]).url == reverse("tickets:detail", args=[mine.pk])


def test_hq_sees_every_station_and_several_matches_open_the_list(client, two_stations):
    mine, theirs = two_stations
    client.force_login(make_user(roles.HQ))
    response = _search(client, "T20990101")
    assert response.status_code == 302
    assert response.url == reverse("tickets:list") + "?q=T20990101"
    listed = client.get(response.url).content.decode()
    assert f">{mine.number}</a>" in listed and f">{theirs.number}</a>" in listed


def test_search_is_a_prefix_search_not_a_substring_one(client, station):
    customer = CustomerFactory(phone="13912345678")
    ticket = TicketFactory(number="T2099010100003", device=DeviceFactory(serial="HD2501777777", customer=customer))
    client.force_login(make_user(roles.HQ))
    assert _search(client, "HD2501777").url == reverse("tickets:detail", args=[ticket.pk])
    assert _search(client, "01777777").url == reverse("tickets:list") + "?q=01777777"  # the middle of a serial


def test_empty_search_opens_the_ticket_list(client):
    client.force_login(make_user(roles.HOTLINE))
    assert _search(client, "  ").url == reverse("tickets:list")


def test_the_navbar_search_box_is_shown_to_who_may_view_tickets(client, station):
    client.force_login(make_user(roles.TECHNICIAN, station))
    page = client.get(reverse("tickets:queue")).content.decode()
    assert 'id="global-search"' in page and f'action="{reverse("tickets:search")}"' in page
