"""Issue 15: a ``next`` is followed only when it is a path on this site (``repairnet.redirects``)."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from repairnet import roles
from repairnet.redirects import next_url
from stations import services as stations_services
from tests.factories import StationFactory, make_user
from tests.tickets.factories import TicketFactory, certified_technician
from tickets.models import Ticket

OFF_SITE = [
    "https://evil.example/",
    "//evil.example",
    "//evil.example/stations/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "http://testserver.evil.example/",
    "queue",  # relative: would resolve against the action's URL
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_or_relative_next_falls_back_to_the_default(target):
    for request in (RequestFactory().post("/x/", {"next": target}), RequestFactory().get("/x/", {"next": target})):
        assert next_url(request, "/default/") == "/default/"


@pytest.mark.parametrize("target", ["/stations/certificates/", "/tickets/queue/?mine=1", "/"])
def test_local_path_is_followed(target):
    assert next_url(RequestFactory().post("/x/", {"next": target}), "/default/") == target


@pytest.fixture
def hq_client(client):
    client.force_login(make_user(roles.HQ))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example"])
def test_certificate_renewal_ignores_an_off_site_next(hq_client, station, target):
    cert = certified_technician(station).certificates.get()
    response = hq_client.post(reverse("stations:certificate-action", args=[cert.pk, "renew"]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("stations:staff-detail", args=[cert.user_id])
    cert.refresh_from_db()
    assert cert.renewed_on is not None  # the renewal itself went through


@pytest.mark.django_db
def test_certificate_renewal_follows_a_local_next(hq_client, station):
    cert = certified_technician(station).certificates.get()
    local = reverse("stations:certificates") + "?show=expiring"
    response = hq_client.post(reverse("stations:certificate-action", args=[cert.pk, "renew"]), {"next": local})
    assert response["Location"] == local


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "followed"),
    [("https://evil.example/", False), ("//evil.example", False), ("/stations/assessments/?year=2026", True)],
)
def test_assessment_decision_next(hq_client, target, followed):
    StationFactory()
    assessment = stations_services.assessment_run(year=2026, quarter=2, actor=roles.SYSTEM)[0]
    # a suggestion waiting for HQ (the neutral scores of a station without tickets suggest nothing)
    type(assessment).objects.filter(pk=assessment.pk).update(suggestion="revocation", status="pending")
    url = reverse("stations:assessment-decide", args=[assessment.pk])
    response = hq_client.post(url, {"decision": "reject", "note": "证据不足", "next": target})
    # the decision is made, and the page goes back only to a local path
    assert response.status_code == 302
    assert response["Location"] == (target if followed else reverse("stations:assessments"))
    assessment.refresh_from_db()
    assert (assessment.status, assessment.decision_note) == ("rejected", "证据不足")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "expected"),
    [("https://evil.example/", None), ("//evil.example", None), ("/tickets/queue/?mine=1", "/tickets/queue/?mine=1")],
)
def test_ticket_action_next(client, station, target, expected):
    tech = certified_technician(station)
    ticket = TicketFactory(station=station, status=Ticket.Status.DISPATCHED)
    client.force_login(tech)
    response = client.post(reverse("tickets:action", args=[ticket.pk, "accept"]), {"next": target})
    assert response["Location"] == (expected or reverse("tickets:detail", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ACCEPTED


@pytest.mark.django_db
def test_queue_buttons_come_back_to_the_queue(client, station):
    tech = certified_technician(station)
    TicketFactory(station=station, status=Ticket.Status.DISPATCHED)
    client.force_login(tech)
    page = client.get("/tickets/queue/?mine=1").content.decode()
    assert 'name="next" value="/tickets/queue/?mine=1"' in page
