"""One dispatch rule (stations.selectors.dispatchable_stations): the ticket page's suggestions and override
list, the API's suggestions, and the dispatch action on both agree on which stations may get a ticket."""

import pytest
from django.test import Client
from django.urls import reverse

from repairnet import roles
from stations.models import Station, Tier
from stations.selectors import station_is_dispatchable
from tests.factories import StationFactory, make_user
from tickets.models import Ticket

from .factories import TicketFactory


@pytest.fixture
def stations(db):
    """Four stations covering the customer's district (410102); only the first may be dispatched to."""
    return {
        "ok": StationFactory(tier=Tier.STATION),
        "suspended": StationFactory(status=Station.Status.SUSPENDED),
        "accessory_point": StationFactory(tier=Tier.ACCESSORY_POINT),
        "no_repair_scope": StationFactory(scope_simple_repair=False),
    }


def _login(role):
    client = Client()
    client.force_login(make_user(role))
    return client


def test_page_api_and_service_agree_on_dispatchable_stations(stations):
    ticket = TicketFactory()
    agent = _login(roles.HOTLINE)
    codes = {name: s.code for name, s in stations.items()}

    page = agent.get(f"/tickets/{ticket.pk}/")
    suggested_on_page = {s["station"].code for s in page.context["suggestions"]}
    override_list = {s.code for s in page.context["all_stations"]}
    api_suggested = {r["code"] for r in agent.get(f"/api/v1/tickets/{ticket.pk}/dispatch-suggestions/").json()}
    assert suggested_on_page == api_suggested == {codes["ok"]}
    assert codes["ok"] in override_list and not override_list & {codes[n] for n in codes if n != "ok"}
    assert {n for n, s in stations.items() if station_is_dispatchable(station=s)} == {"ok"}

    for name, station in stations.items():
        if name == "ok":
            continue
        response = agent.post(reverse("tickets:action", args=[ticket.pk, "dispatch"]), {"station": station.pk})
        assert response.status_code == 302
        api = agent.post(
            f"/api/v1/tickets/{ticket.pk}/dispatch/", {"station": station.pk}, content_type="application/json"
        )
        assert api.status_code == 400, (name, api.content)
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.RECEIVED and ticket.station_id is None, name

    api = agent.post(
        f"/api/v1/tickets/{ticket.pk}/dispatch/", {"station": stations["ok"].pk}, content_type="application/json"
    )
    assert api.status_code == 200 and api.json()["status"] == "dispatched"
