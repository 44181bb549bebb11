"""Reprioritise (SPEC 2.5): from the ticket page and POST /api/v1/tickets/{id}/reprioritise/, with a reason;
the SLA deadlines are computed again from the new priority's targets."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repairnet import roles
from repairnet.selectors import audit_list_for_object
from tests import clock
from tests.factories import make_user
from tickets.models import Ticket

from .test_api import log_call_payload

pytestmark = pytest.mark.django_db

MONDAY_NINE = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=timezone.get_default_timezone())


def _login(role, station=None):
    client = Client()
    client.force_login(make_user(role, station))
    return client


def _logged(agent) -> Ticket:
    response = agent.post("/api/v1/tickets/", log_call_payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    return Ticket.objects.get(pk=response.json()["id"])


def test_api_reprioritise_recomputes_the_deadlines_and_records_the_reason():
    with clock.travel(MONDAY_NINE, tick=False):
        agent = _login(roles.HOTLINE)
        ticket = _logged(agent)
        assert ticket.priority == Ticket.Priority.NORMAL
        normal_due = ticket.complete_due_at
        response = agent.post(
            f"/api/v1/tickets/{ticket.pk}/reprioritise/",
            {"priority": "urgent", "reason": "客户为医院，设备关键"},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.URGENT
    assert ticket.complete_due_at < normal_due
    # 24 service hours of 08:30–18:00 from Monday 09:00 end on Wednesday 14:00 (9.5 h a day)
    assert timezone.localtime(ticket.complete_due_at) == MONDAY_NINE.replace(day=3, hour=14)
    event = [e for e in audit_list_for_object(obj=ticket) if e.verb == "reprioritise"][0]
    assert event.note == "客户为医院，设备关键" and event.data == {"from": "normal", "to": "urgent"}


def test_api_refuses_a_missing_reason_or_unknown_priority_and_changes_nothing():
    agent = _login(roles.HOTLINE)
    ticket = _logged(agent)
    url = f"/api/v1/tickets/{ticket.pk}/reprioritise/"
    assert agent.post(url, {"priority": "urgent"}, content_type="application/json").status_code == 400
    bad = agent.post(url, {"priority": "whenever", "reason": "x"}, content_type="application/json")
    assert bad.status_code == 400 and "priority" in bad.json()["errors"]
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.NORMAL


def test_page_offers_and_performs_reprioritise_for_the_hotline_only(station):
    agent = _login(roles.HOTLINE)
    ticket = _logged(agent)
    page = agent.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'id="reprioritise-form"' in page
    tech_page = _login(roles.TECHNICIAN, station).get(reverse("tickets:detail", args=[ticket.pk]))
    assert tech_page.status_code == 404 or 'id="reprioritise-form"' not in tech_page.content.decode()
    url = reverse("tickets:action", args=[ticket.pk, "reprioritise"])
    empty = agent.post(url, {"priority": "urgent", "reason": "  "}, follow=True)
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.NORMAL and list(empty.context["messages"])
    agent.post(url, {"priority": "urgent", "reason": "批量故障"})
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.URGENT
    refused = _login(roles.TECHNICIAN, station).post(url, {"priority": "normal", "reason": "x"})
    ticket.refresh_from_db()
    assert refused.status_code in (302, 403, 404) and ticket.priority == Ticket.Priority.URGENT
