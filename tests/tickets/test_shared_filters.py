"""The ticket-area lists filter through one FilterSet each (tickets.filters): a query string gives the same rows
on the page and in the API, for HQ and for station staff; an invalid value is a 400 in the API and an empty page
with a message on the page, never a silently different list."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from repairnet import roles
from tests.factories import StationFactory, make_user
from tickets.models import Callback, Complaint, DailyReport, Ticket

from .factories import CustomerFactory, DeviceFactory, TicketFactory

S = Ticket.Status


def _client(role, station=None):
    client = Client()
    client.force_login(make_user(role, station))
    return client


def _api_ids(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


def _page_ids(client, url, rows=lambda context: context["page_obj"]):
    response = client.get(url)
    assert response.status_code == 200
    return {row.pk for row in rows(response.context)}


def _assert_invalid(client, page_url, api_url, rows=lambda context: context["page_obj"]):
    assert client.get(api_url).status_code == 400
    response = client.get(page_url)
    assert response.status_code == 200
    assert not list(rows(response.context))
    assert any("无效" in str(m) for m in response.context["messages"])


@pytest.fixture
def world(db):
    a, b = StationFactory(), StationFactory()
    named = CustomerFactory(name="王建国", phone="13912345678")
    tickets = [
        TicketFactory(status=S.RECEIVED),
        TicketFactory(status=S.DISPATCHED, station=a, priority=Ticket.Priority.URGENT),
        TicketFactory(status=S.DISPATCHED, station=b, in_warranty=False),
        TicketFactory(status=S.CLOSED, station=a, device=DeviceFactory(customer=named, serial="HD2502777001")),
        TicketFactory(status=S.CLOSED, station=b, is_repeat_repair=True),
    ]
    return {"a": a, "b": b, "tickets": tickets}


TICKET_QUERIES = [
    "",
    "status=dispatched",
    "status=closed&in_warranty=true",
    "in_warranty=false",
    "is_repeat_repair=true",
    "priority=urgent",
    "q=HD2502777",
    "q=王建国",
    "q=1391234",
    "q=T2099",
    "q=nothing-matches",
]


def _ticket_page_rows(context):
    return context["page"]["tickets"]


@pytest.mark.parametrize("query", TICKET_QUERIES)
def test_ticket_list_page_and_api_give_the_same_rows(world, query):
    for client in (_client(roles.HQ), _client(roles.COORDINATOR, world["a"])):
        page = _page_ids(client, f"/tickets/?{query}", _ticket_page_rows)
        assert page == _api_ids(client, f"/api/v1/tickets/?{query}"), query


def test_ticket_filters_distinguish_rows(world):
    hq = _client(roles.HQ)
    every = _api_ids(hq, "/api/v1/tickets/")
    assert len(every) == 5
    counts = {q: len(_api_ids(hq, f"/api/v1/tickets/?{q}")) for q in TICKET_QUERIES[1:]}
    assert counts == {
        "status=dispatched": 2,
        "status=closed&in_warranty=true": 2,
        "in_warranty=false": 1,
        "is_repeat_repair=true": 1,
        "priority=urgent": 1,
        "q=HD2502777": 1,
        "q=王建国": 1,
        "q=1391234": 1,
        "q=T2099": 5,
        "q=nothing-matches": 0,
    }
    station_staff = _client(roles.COORDINATOR, world["a"])
    assert _api_ids(station_staff, "/api/v1/tickets/") == {t.pk for t in world["tickets"] if t.station == world["a"]}
    # The station filter is the API's; the page honours it too, and the same way.
    url = f"?station={world['b'].pk}"
    assert _page_ids(hq, f"/tickets/{url}", _ticket_page_rows) == _api_ids(hq, f"/api/v1/tickets/{url}")
    assert len(_api_ids(hq, f"/api/v1/tickets/{url}")) == 2


@pytest.mark.parametrize("query", ["status=nonsense", "priority=nonsense", "station=999999"])
def test_an_invalid_ticket_filter_is_refused_on_both(world, query):
    _assert_invalid(_client(roles.HQ), f"/tickets/?{query}", f"/api/v1/tickets/?{query}", _ticket_page_rows)


def test_callbacks_complaints_and_daily_reports_share_their_filters(world):
    now = timezone.now()
    closed = [t for t in world["tickets"] if t.status == S.CLOSED]
    open_callback = Callback.objects.create(ticket=world["tickets"][1], due_at=now)
    Callback.objects.create(
        ticket=closed[0], due_at=now, status=Callback.Status.DONE, outcome=Callback.Outcome.CONFIRMED
    )
    Callback.objects.create(
        ticket=closed[1], due_at=now, status=Callback.Status.DONE, outcome=Callback.Outcome.UNREACHABLE
    )
    hq = _client(roles.HQ)
    for query in ("status=open", "status=done", "status=done&outcome=confirmed", "status=done&outcome=unreachable"):
        assert _page_ids(hq, f"/tickets/callbacks/?{query}") == _api_ids(hq, f"/api/v1/callbacks/?{query}")
    # The page opens on the open callbacks; the API's same query string says so.
    assert _page_ids(hq, "/tickets/callbacks/") == {open_callback.pk}
    _assert_invalid(hq, "/tickets/callbacks/?status=nonsense", "/api/v1/callbacks/?status=nonsense")

    due = now + datetime.timedelta(days=1)
    for ticket, status, verdict in (
        (closed[0], Complaint.Status.OPEN, ""),
        (closed[1], Complaint.Status.RESOLVED, Complaint.Verdict.UPHELD),
        (world["tickets"][1], Complaint.Status.RESOLVED, Complaint.Verdict.NOT_UPHELD),
    ):
        Complaint.objects.create(
            ticket=ticket,
            station=ticket.station,
            category=Complaint.Category.OTHER,
            description="投诉",
            status=status,
            verdict=verdict,
            ack_due_at=due,
            resolve_due_at=due,
        )
    station_staff = _client(roles.COORDINATOR, world["a"])
    for client in (hq, station_staff):
        for query in ("", "status=resolved", "verdict=upheld", f"station={world['b'].pk}"):
            page, api = (
                _page_ids(client, f"/tickets/complaints/?{query}"),
                _api_ids(client, f"/api/v1/complaints/?{query}"),
            )
            assert page == api, query
    assert len(_api_ids(hq, "/api/v1/complaints/?status=resolved")) == 2
    assert len(_api_ids(station_staff, "/api/v1/complaints/")) == 2
    _assert_invalid(hq, "/tickets/complaints/?verdict=nonsense", "/api/v1/complaints/?verdict=nonsense")

    day = timezone.localdate()
    for station, when, late in (
        (world["a"], day, False),
        (world["b"], day, True),
        (world["a"], day - datetime.timedelta(days=1), False),
    ):
        DailyReport.objects.create(station=station, day=when, deadline=now, is_late=late)
    for client in (hq, station_staff):
        for query in (
            f"day={day.isoformat()}",
            f"day={day.isoformat()}&is_late=true",
            f"day={(day - datetime.timedelta(days=1)).isoformat()}&station={world['a'].pk}",
        ):
            page, api = (
                _page_ids(client, f"/tickets/daily-reports/?{query}"),
                _api_ids(client, f"/api/v1/daily-reports/?{query}"),
            )
            assert page == api, query
    assert len(_api_ids(hq, f"/api/v1/daily-reports/?day={day.isoformat()}")) == 2
    _assert_invalid(hq, "/tickets/daily-reports/?day=2026-13-45", "/api/v1/daily-reports/?day=2026-13-45")
