"""Issue 14 §4: the station coordinator rejects a dispatched ticket through the API (200, not 500) and through the
page route; either way the ticket goes back to HQ unassigned, with the station's rejection and its reason kept."""

import pytest
from django.urls import reverse

from repairnet import roles
from repairnet.selectors import audit_list_for_object
from tests.factories import make_user
from tickets import services
from tickets.models import Ticket, TicketRejection

from .test_api import api, log_call_payload

pytestmark = pytest.mark.django_db


def _dispatched_to(station):
    agent = make_user(roles.HOTLINE)
    tid = api(agent).post("/api/v1/tickets/", log_call_payload(), content_type="application/json").json()["id"]
    services.ticket_dispatch(ticket_id=tid, station_id=station.pk, actor=agent)
    assert Ticket.objects.get(pk=tid).status == Ticket.Status.DISPATCHED
    return tid


def _assert_rejected_back_to_hq(tid, station, coordinator, reason):
    ticket = Ticket.objects.get(pk=tid)
    assert ticket.status == Ticket.Status.RECEIVED and ticket.station_id is None
    rejection = TicketRejection.objects.get(ticket=ticket)
    assert (rejection.station_id, rejection.actor_id, rejection.reason) == (station.pk, coordinator.pk, reason)
    assert [e.verb for e in audit_list_for_object(obj=ticket)].count("reject") == 1


def test_coordinator_rejects_through_the_api_and_gets_the_ticket_back_not_a_500(station):
    tid = _dispatched_to(station)
    coordinator = make_user(roles.COORDINATOR, station)
    client = api(coordinator)
    response = client.post(
        f"/api/v1/tickets/{tid}/reject/", {"reason": "不在服务范围"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == tid and body["status"] == "received" and body["station"] is None
    _assert_rejected_back_to_hq(tid, station, coordinator, "不在服务范围")
    # Out of the station's scope now: the coordinator no longer sees it, and cannot reject it twice.
    assert client.get(f"/api/v1/tickets/{tid}/").status_code == 404
    again = client.post(f"/api/v1/tickets/{tid}/reject/", {"reason": "再拒"}, content_type="application/json")
    assert again.status_code == 404 and TicketRejection.objects.filter(ticket_id=tid).count() == 1


def test_reject_through_the_api_needs_a_reason(station):
    tid = _dispatched_to(station)
    client = api(make_user(roles.COORDINATOR, station))
    response = client.post(f"/api/v1/tickets/{tid}/reject/", {"reason": " "}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    ticket = Ticket.objects.get(pk=tid)
    assert ticket.status == Ticket.Status.DISPATCHED and ticket.station_id == station.pk
    assert not TicketRejection.objects.exists()


def test_coordinator_rejects_through_the_page_route(station):
    tid = _dispatched_to(station)
    coordinator = make_user(roles.COORDINATOR, station)
    client = api(coordinator)
    response = client.post(reverse("tickets:action", args=[tid, "reject"]), {"reason": "人手不足"}, follow=True)
    # The ticket left the station's scope: the coordinator lands on the ticket list, not on a 404 of its page.
    assert response.redirect_chain == [(reverse("tickets:list"), 302)] and response.status_code == 200
    number = Ticket.objects.get(pk=tid).number
    assert [str(m) for m in response.context["messages"]] == [f"{number}：受理"]
    _assert_rejected_back_to_hq(tid, station, coordinator, "人手不足")


def test_reject_through_the_page_without_a_reason_keeps_the_ticket_at_the_station(station):
    tid = _dispatched_to(station)
    client = api(make_user(roles.COORDINATOR, station))
    response = client.post(reverse("tickets:action", args=[tid, "reject"]), {"reason": ""})
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[tid])
    ticket = Ticket.objects.get(pk=tid)
    assert ticket.status == Ticket.Status.DISPATCHED and ticket.station_id == station.pk
    assert not TicketRejection.objects.exists()
