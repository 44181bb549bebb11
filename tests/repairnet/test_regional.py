"""The regional manager (区域经理): confined to the stations of their provinces or cities (repairnet.roles)."""

import pytest

from repairnet import roles
from repairnet.models import Region
from stations.models import Station
from tests.factories import StationFactory, make_user, region
from tests.tickets.factories import TicketFactory, completed_ticket
from tickets.models import Callback, Ticket

pytestmark = pytest.mark.django_db

SICHUAN, CHENGDU, JINJIANG, QINGYANG = "510000", "510100", "510104", "510105"


def regional(*codes: str):
    user = make_user(roles.REGIONAL)
    user.managed_regions.set([region(code) for code in codes])
    return user


def sichuan_station(**kwargs) -> Station:
    """A station authorised for two districts of 成都 (so two rows of its regions fall inside 四川)."""
    return StationFactory(regions=[region(JINJIANG), region(QINGYANG)], **kwargs)


def test_within_gives_a_province_its_cities_and_districts_and_nothing_else():
    codes = set(Region.objects.within([region(SICHUAN)]).values_list("code", flat=True))
    assert codes == set(Region.objects.filter(code__startswith="51").values_list("code", flat=True))
    assert {SICHUAN, CHENGDU, JINJIANG} <= codes and len(codes) > 3
    assert not any(code.startswith("41") for code in codes)
    city = set(Region.objects.within(Region.objects.filter(code=CHENGDU)).values_list("code", flat=True))
    assert CHENGDU in city and JINJIANG in city and SICHUAN not in city
    assert all(code.startswith("5101") for code in city)
    assert not Region.objects.within([]).exists()


def test_scope_queryset_confines_stations_and_tickets_to_the_region_without_duplicates():
    inside, outside = sichuan_station(), StationFactory()  # the factory's default region: 郑州市中原区
    mine, theirs = TicketFactory(station=inside), TicketFactory(station=outside)
    user = regional(SICHUAN)
    assert roles.is_regional(user) and not roles.is_station_staff(user)
    stations = roles.scope_queryset(user, Station.objects.all(), "pk")
    assert "EXISTS" in str(stations.query).upper()
    assert list(stations) == [inside]  # once, although both its regions are in 四川
    tickets = roles.scope_queryset(user, Ticket.objects.all())
    assert list(tickets) == [mine] and theirs not in tickets
    assert tickets.count() == 1
    assert list(roles.scope_queryset(regional(CHENGDU), Ticket.objects.all())) == [mine]


def test_can_refuses_an_object_of_a_station_outside_the_region():
    inside, outside = sichuan_station(), StationFactory()
    user = regional(SICHUAN)
    assert roles.can(user, "tickets.view", TicketFactory(station=inside))
    assert not roles.can(user, "tickets.view", TicketFactory(station=outside))
    assert roles.can(user, "stations.view", inside)
    assert not roles.can(user, "stations.view", outside)
    assert not roles.can(user, "tickets.create")  # the rules still hold: a regional manager logs no calls


def test_a_ticket_without_a_station_is_seen_by_its_customers_district():
    local = TicketFactory(station=None, device__customer__region=region(JINJIANG))
    henan = TicketFactory(station=None)  # customer in 郑州市中原区
    user = regional(SICHUAN)
    assert list(roles.scope_queryset(user, Ticket.objects.filter(station__isnull=True))) == [local]
    assert roles.can(user, "tickets.dispatch", local)
    assert not roles.can(user, "tickets.dispatch", henan)


def test_a_regional_manager_without_regions_sees_nothing():
    station = sichuan_station()
    ticket = TicketFactory(station=station)
    TicketFactory(station=None, device__customer__region=region(JINJIANG))
    user = regional()
    assert not roles.scope_queryset(user, Ticket.objects.all()).exists()
    assert not roles.scope_queryset(user, Station.objects.all(), "pk").exists()
    assert not roles.can(user, "tickets.view", ticket)
    assert not roles.can(user, "stations.view", station)


def test_hq_dashboard_shows_the_regions_figures_in_constant_queries(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    inside, outside = sichuan_station(name="成都锦江维修站"), StationFactory(name="郑州中原维修站")
    completed_ticket(station=inside, callback_outcome=Callback.Outcome.CONFIRMED)
    for _ in range(3):
        completed_ticket(station=outside, callback_outcome=Callback.Outcome.CONFIRMED)
    client.force_login(regional(SICHUAN))
    client.get("/tickets/dashboard/")  # warm caches (session)
    response = client.get("/tickets/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert inside.name in page and outside.name not in page
    assert response.context["f"]["completed"] == 1
    with django_assert_max_num_queries(16) as one:  # one station in the region
        client.get("/tickets/dashboard/")
    few = len(one.captured_queries)
    more = [sichuan_station(name=f"成都维修站{i}") for i in range(4)]  # five stations in 四川
    for station in more:
        completed_ticket(station=station, callback_outcome=Callback.Outcome.CONFIRMED)
    with django_assert_num_queries(few):
        response = client.get("/tickets/dashboard/")
    page = response.content.decode()
    assert all(s.name in page for s in [inside, *more]) and outside.name not in page
    assert response.context["f"]["completed"] == 5
