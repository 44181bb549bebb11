"""Issue 15: only the station coordinator (or HQ) assigns or reassigns technicians (SPEC 1: 站点协调员 派工).

A technician accepts only for himself; the coordinator or HQ names one of the station's certified technicians
when accepting, and may move an accepted ticket that has not started to another one, with a reason. The rule
lives in the services; pages and the API only follow it.
"""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from repairnet import roles
from repairnet.models import AuditEvent
from tests.factories import StationFactory, make_user
from tickets import services
from tickets.models import Ticket

from .factories import TicketFactory, certified_technician

pytestmark = pytest.mark.django_db
S = Ticket.Status


@pytest.fixture
def dispatched(station):
    return TicketFactory(station=station, status=S.DISPATCHED)


@pytest.fixture
def colleague(station):
    return certified_technician(station)


@pytest.fixture
def coordinator(station):
    return make_user(roles.COORDINATOR, station)


def _unchanged(ticket, *, status, technician=None, events: int):
    ticket.refresh_from_db()
    assert ticket.status == status and ticket.technician_id == (technician.pk if technician else None)
    assert AuditEvent.objects.filter(object_id=str(ticket.pk)).count() == events


def _events(ticket) -> int:
    return AuditEvent.objects.filter(object_id=str(ticket.pk)).count()


def _accepted(ticket, technician, by):
    return services.ticket_accept(ticket_id=ticket.pk, actor=by, technician=technician)


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- services: accept ---------------------------------------------------------------------------------------


def test_technician_naming_another_technician_is_refused_and_nothing_changes(dispatched, tech, colleague):
    before = _events(dispatched)
    with pytest.raises(PermissionDenied, match="Only the station coordinator or HQ"):
        services.ticket_accept(ticket_id=dispatched.pk, actor=tech, technician=colleague)
    _unchanged(dispatched, status=S.DISPATCHED, events=before)


def test_technician_accepts_for_himself_named_or_not(station, tech):
    first, second = (
        TicketFactory(station=station, status=S.DISPATCHED),
        TicketFactory(station=station, status=S.DISPATCHED),
    )
    assert services.ticket_accept(ticket_id=first.pk, actor=tech).technician == tech
    assert services.ticket_accept(ticket_id=second.pk, actor=tech, technician=tech).technician == tech


def test_coordinator_accepts_for_a_certified_technician_and_the_audit_names_him(dispatched, coordinator, tech):
    ticket = _accepted(dispatched, tech, coordinator)
    assert ticket.status == S.ACCEPTED and ticket.technician == tech
    event = AuditEvent.objects.get(object_id=str(ticket.pk), verb="accept")
    assert event.actor == coordinator and event.data == {"technician": tech.pk}


def test_hq_accepts_for_a_certified_technician_of_the_station(dispatched, tech):
    hq = make_user(roles.HQ)
    assert _accepted(dispatched, tech, hq).technician == tech


def test_coordinator_or_hq_must_name_the_technician(dispatched, coordinator):
    for actor in (coordinator, make_user(roles.HQ)):
        with pytest.raises(ValidationError, match="Choose the technician"):
            services.ticket_accept(ticket_id=dispatched.pk, actor=actor)
    _unchanged(dispatched, status=S.DISPATCHED, events=0)


def test_coordinator_cannot_name_an_uncertified_technician(dispatched, coordinator, station):
    with pytest.raises(ValidationError, match="certificate"):
        _accepted(dispatched, make_user(roles.TECHNICIAN, station), coordinator)
    _unchanged(dispatched, status=S.DISPATCHED, events=0)


def test_cross_station_assignment_is_refused(dispatched, coordinator, station):
    other = StationFactory()
    # a certified technician of another station cannot be named …
    with pytest.raises(ValidationError, match="belong to the station"):
        _accepted(dispatched, certified_technician(other), coordinator)
    # … nor can another station's coordinator accept at all, even for this station's technician
    with pytest.raises(PermissionDenied):
        _accepted(dispatched, certified_technician(station), make_user(roles.COORDINATOR, other))
    # nor can a hotline agent (who is not the coordinator) name anyone
    with pytest.raises(PermissionDenied):
        _accepted(dispatched, certified_technician(station), make_user(roles.HOTLINE))
    _unchanged(dispatched, status=S.DISPATCHED, events=0)


def test_a_non_technician_cannot_be_named(dispatched, coordinator, station):
    with pytest.raises(ValidationError, match="belong to the station"):
        _accepted(dispatched, make_user(roles.COORDINATOR, station), coordinator)


# --- services: reassign -------------------------------------------------------------------------------------


@pytest.fixture
def accepted(dispatched, tech):
    return services.ticket_accept(ticket_id=dispatched.pk, actor=tech)


def test_coordinator_reassigns_an_accepted_ticket_with_reason_and_audit(accepted, coordinator, tech, colleague):
    ticket = services.ticket_reassign(
        ticket_id=accepted.pk, actor=coordinator, technician=colleague, reason="王师傅请假"
    )
    ticket.refresh_from_db()
    assert ticket.technician == colleague and ticket.status == S.ACCEPTED
    event = AuditEvent.objects.get(object_id=str(ticket.pk), verb="reassign")
    assert event.actor == coordinator and event.note == "王师傅请假"
    assert event.data["from"] == tech.pk and event.data["to"] == colleague.pk


def test_hq_reassigns_too(accepted, colleague):
    ticket = services.ticket_reassign(
        ticket_id=accepted.pk, actor=make_user(roles.HQ), technician=colleague, reason="x"
    )
    assert ticket.technician == colleague


def test_technician_cannot_reassign_and_nothing_changes(accepted, tech, colleague):
    before = _events(accepted)
    for actor in (tech, colleague):
        with pytest.raises(PermissionDenied):
            services.ticket_reassign(ticket_id=accepted.pk, actor=actor, technician=colleague, reason="我来")
    _unchanged(accepted, status=S.ACCEPTED, technician=tech, events=before)


def test_reassign_refused_across_stations(accepted, station, tech):
    other = StationFactory()
    before = _events(accepted)
    with pytest.raises(PermissionDenied):
        services.ticket_reassign(
            ticket_id=accepted.pk,
            actor=make_user(roles.COORDINATOR, other),
            technician=certified_technician(station),
            reason="x",
        )
    with pytest.raises(ValidationError, match="belong to the station"):
        services.ticket_reassign(
            ticket_id=accepted.pk,
            actor=make_user(roles.COORDINATOR, station),
            technician=certified_technician(other),
            reason="x",
        )
    _unchanged(accepted, status=S.ACCEPTED, technician=tech, events=before)


def test_reassign_needs_a_reason_a_new_certified_technician_and_no_work_started(
    accepted, coordinator, tech, colleague, station
):
    def reassign(technician, reason="请假"):
        return services.ticket_reassign(ticket_id=accepted.pk, actor=coordinator, technician=technician, reason=reason)

    with pytest.raises(ValidationError, match="Please give a reason"):
        reassign(colleague, reason="  ")
    with pytest.raises(ValidationError, match="already assigned"):
        reassign(tech)
    with pytest.raises(ValidationError, match="certificate"):
        reassign(make_user(roles.TECHNICIAN, station))
    services.ticket_arrive(ticket_id=accepted.pk, actor=tech)
    with pytest.raises(ValidationError, match="has not started"):
        reassign(colleague)
    accepted.refresh_from_db()
    assert accepted.technician == tech and not AuditEvent.objects.filter(verb="reassign").exists()


# --- pages ---------------------------------------------------------------------------------------------------


def test_technician_page_has_no_chooser_and_a_forged_choice_is_refused(dispatched, tech, colleague):
    page = client(tech).get(f"/tickets/{dispatched.pk}/").content.decode()
    assert 'id="accept-btn"' in page and 'id="accept-technician"' not in page
    response = client(tech).post(f"/tickets/{dispatched.pk}/do/accept/", {"technician": colleague.pk})
    assert response.status_code == 403
    _unchanged(dispatched, status=S.DISPATCHED, events=0)


def test_coordinator_page_offers_only_certified_technicians_and_accepts_for_one(dispatched, coordinator, tech, station):
    uncertified = make_user(roles.TECHNICIAN, station)
    page = client(coordinator).get(f"/tickets/{dispatched.pk}/").content.decode()
    assert 'id="accept-technician"' in page
    assert f'value="{tech.pk}"' in page and f'value="{uncertified.pk}"' not in page
    response = client(coordinator).post(f"/tickets/{dispatched.pk}/do/accept/", {"technician": tech.pk})
    assert response.status_code == 302
    dispatched.refresh_from_db()
    assert dispatched.status == S.ACCEPTED and dispatched.technician == tech


def test_reassign_form_for_the_coordinator_only_and_it_works(accepted, coordinator, tech, colleague):
    assert 'id="reassign-form"' not in client(tech).get(f"/tickets/{accepted.pk}/").content.decode()
    page = client(coordinator).get(f"/tickets/{accepted.pk}/").content.decode()
    assert 'id="reassign-form"' in page and f'value="{colleague.pk}"' in page
    forged = client(tech).post(f"/tickets/{accepted.pk}/do/reassign/", {"technician": colleague.pk, "reason": "x"})
    assert forged.status_code == 403
    response = client(coordinator).post(
        f"/tickets/{accepted.pk}/do/reassign/", {"technician": colleague.pk, "reason": "请假"}, follow=True
    )
    accepted.refresh_from_db()
    assert accepted.technician == colleague
    assert "请假" in response.content.decode()  # the history shows why


def test_reassign_page_without_reason_shows_the_message_and_changes_nothing(accepted, coordinator, tech, colleague):
    response = client(coordinator).post(
        f"/tickets/{accepted.pk}/do/reassign/",
        {"technician": colleague.pk, "reason": ""},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200 and "请填写原因" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.technician == tech


# --- API -----------------------------------------------------------------------------------------------------


def _post(user, url, body):
    return client(user).post(url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_api_technician_naming_another_gets_403_in_chinese_and_nothing_changes(dispatched, tech, colleague):
    response = _post(tech, f"/api/v1/tickets/{dispatched.pk}/accept/", {"technician": colleague.pk})
    assert response.status_code == 403
    assert response.json()["detail"] == "只有站点协调员或总部可以为工单指派维修工程师。"
    _unchanged(dispatched, status=S.DISPATCHED, events=0)


def test_api_coordinator_accepts_for_a_technician(dispatched, coordinator, tech):
    response = _post(coordinator, f"/api/v1/tickets/{dispatched.pk}/accept/", {"technician": tech.pk})
    assert response.status_code == 200, response.content
    assert response.json()["technician"] == tech.pk and response.json()["status"] == "accepted"


def test_api_cross_station_and_unknown_technicians_are_refused(dispatched, coordinator):
    other_tech = certified_technician(StationFactory())
    response = _post(coordinator, f"/api/v1/tickets/{dispatched.pk}/accept/", {"technician": other_tech.pk})
    assert response.status_code == 400 and response.json()["errors"]["technician"]
    response = _post(coordinator, f"/api/v1/tickets/{dispatched.pk}/accept/", {"technician": 10**12})
    assert response.status_code == 400 and response.json()["errors"]["technician"] == ["未知的维修工程师。"]
    _unchanged(dispatched, status=S.DISPATCHED, events=0)


def test_api_reassign(accepted, coordinator, tech, colleague, station):
    url = f"/api/v1/tickets/{accepted.pk}/reassign/"
    refused = _post(tech, url, {"technician": colleague.pk, "reason": "我来"})
    assert refused.status_code == 403 and refused.json()["detail"] == "您没有执行该操作的权限。"  # tickets.assign
    other_coordinator = make_user(roles.COORDINATOR, StationFactory())
    assert _post(other_coordinator, url, {"technician": colleague.pk, "reason": "x"}).status_code == 404
    missing = _post(coordinator, url, {"technician": colleague.pk})
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    accepted.refresh_from_db()
    assert accepted.technician == tech
    done = _post(coordinator, url, {"technician": colleague.pk, "reason": "请假"})
    assert done.status_code == 200 and done.json()["technician"] == colleague.pk
