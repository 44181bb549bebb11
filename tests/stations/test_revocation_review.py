"""SPEC 1.5: a fabricated or duplicate ticket opens a revocation review (取消资格评审) when its record is approved,
once per record; HQ revokes or suspends the station through its state machine, or dismisses with a reason."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import AuditEvent
from repairnet.selectors import audit_list_for_object
from repairnet.services import InvalidTransition
from stations import services
from stations.models import RevocationReview, SanctionRule, Station
from tests import clock
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def raise_fabricated(station, hq, ref="ticket:1"):
    return services.sanction_raise(
        station=station, rule_code="fabricated_ticket", actor=hq, note="重复报单", evidence_ref="T2026", source_ref=ref
    )


@pytest.fixture
def review(station, hq):
    sanction = raise_fabricated(station, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=True, note="核实为重复工单")
    return RevocationReview.objects.get(sanction=sanction)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- opening ----------------------------------------------------------------------------------------


def test_only_the_fabricated_ticket_rule_opens_a_review():
    assert list(SanctionRule.objects.filter(opens_revocation_review=True).values_list("code", flat=True)) == [
        "fabricated_ticket"
    ]


def test_approving_the_record_opens_one_review_with_an_audit_row(station, hq):
    sanction = raise_fabricated(station, hq)
    assert not RevocationReview.objects.exists()  # raised is not enough
    services.sanction_decide(sanction=sanction, actor=hq, approve=True, note="核实")
    review = RevocationReview.objects.get()
    assert (review.station, review.sanction, review.status) == (station, sanction, "open")
    assert f"#{sanction.pk}" in review.reason and "重复报单" in review.reason
    event = audit_list_for_object(obj=review).get()
    assert (event.verb, event.to_state, event.actor, event.data) == (
        "opened",
        "open",
        hq,
        {"sanction": sanction.pk, "station": station.code},
    )
    station.refresh_from_db()
    assert station.status == Station.Status.ACTIVE  # nothing happens to the station until HQ decides


def test_approving_twice_or_retrying_the_open_makes_one_review(station, hq):
    sanction = raise_fabricated(station, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    with pytest.raises(InvalidTransition):
        services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    first = RevocationReview.objects.get()
    events = AuditEvent.objects.count()
    assert services.revocation_review_open(sanction=sanction, actor=hq) == first
    assert services.revocation_review_open(sanction=sanction, actor=roles.SYSTEM) == first
    assert RevocationReview.objects.count() == 1 and AuditEvent.objects.count() == events


def test_the_review_is_unique_per_record_in_the_database(review):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RevocationReview.objects.create(station=review.station, sanction=review.sanction, reason="again")


def test_the_daily_job_approving_an_unappealed_record_opens_the_review(station, hq):
    sanction = raise_fabricated(station, hq)
    assert services.sanctions_confirm_unappealed(on=clock.today() + datetime.timedelta(days=30)) == 1
    review = RevocationReview.objects.get(sanction=sanction)
    assert review.status == "open" and audit_list_for_object(obj=review).get().actor is None


def test_cancelled_records_and_other_rules_open_nothing(station, hq):
    cancelled = raise_fabricated(station, hq)
    services.sanction_decide(sanction=cancelled, actor=hq, approve=False, note="系统重复提交")
    other = services.sanction_raise(station=station, rule_code="complaint_upheld", actor=hq)
    services.sanction_decide(sanction=other, actor=hq, approve=True)
    assert not RevocationReview.objects.exists()
    with pytest.raises(ValidationError, match="does not open a revocation review"):
        services.revocation_review_open(sanction=other, actor=hq)
    with pytest.raises(ValidationError, match="Only an approved record"):
        services.revocation_review_open(sanction=raise_fabricated(station, hq, ref="ticket:2"), actor=hq)


@pytest.mark.parametrize("role", [roles.FINANCE, roles.INSPECTOR, roles.HOTLINE, roles.COORDINATOR])
def test_opening_is_refused_to_anyone_but_hq(station, hq, role):
    sanction = raise_fabricated(station, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=False, note="x")
    with pytest.raises(PermissionDenied):
        services.revocation_review_open(sanction=sanction, actor=make_user(role, station))


# --- deciding ---------------------------------------------------------------------------------------


def test_revoking_suspends_then_revokes_the_station_with_who_when_why(review, station, hq):
    services.revocation_review_decide(review=review, actor=hq, decision="revoke", note="情节严重")
    review.refresh_from_db()
    station.refresh_from_db()
    assert (review.status, review.decided_by, review.decision_note) == ("revoked", hq, "情节严重")
    assert review.decided_at is not None and station.status == Station.Status.REVOKED
    moves = list(
        audit_list_for_object(obj=station)
        .filter(verb__in=["suspend", "revoke"])
        .values_list("verb", "from_state", "to_state", "actor")
    )
    assert moves == [("suspend", "active", "suspended", hq.pk), ("revoke", "suspended", "revoked", hq.pk)]
    for event in audit_list_for_object(obj=station).filter(verb__in=["suspend", "revoke"]):
        assert f"#{review.pk}" in event.note and "情节严重" in event.note
    decided = audit_list_for_object(obj=review).get(verb="revoke")
    assert (decided.from_state, decided.to_state, decided.actor, decided.data["station_status"]) == (
        "open",
        "revoked",
        hq,
        "revoked",
    )


def test_suspending_leaves_the_station_suspended(review, station, hq):
    services.revocation_review_decide(review=review, actor=hq, decision="suspend")
    station.refresh_from_db()
    review.refresh_from_db()
    assert (review.status, station.status) == ("suspended", Station.Status.SUSPENDED)
    assert audit_list_for_object(obj=station).filter(verb="suspend").count() == 1


def test_a_suspended_station_is_revoked_directly_and_stays_suspended_on_suspend(station, hq):
    services.station_suspend(station=station, actor=hq, note="投诉多")
    first = raise_fabricated(station, hq, ref="ticket:1")
    second = raise_fabricated(station, hq, ref="ticket:2")
    for s in (first, second):
        services.sanction_decide(sanction=s, actor=hq, approve=True)
    services.revocation_review_decide(review=first.revocation_review, actor=hq, decision="suspend")
    station.refresh_from_db()
    assert station.status == "suspended" and audit_list_for_object(obj=station).filter(verb="suspend").count() == 1
    services.revocation_review_decide(review=second.revocation_review, actor=hq, decision="revoke")
    station.refresh_from_db()
    assert station.status == "revoked"


def test_dismissing_needs_a_reason_and_leaves_the_station(review, station, hq):
    with pytest.raises(ValidationError) as exc:
        services.revocation_review_decide(review=review, actor=hq, decision="dismiss", note="  ")
    assert exc.value.message_dict == {"note": ["Please give a reason."]}
    review.refresh_from_db()
    assert review.status == "open"
    services.revocation_review_decide(review=review, actor=hq, decision="dismiss", note="初犯，已整改")
    review.refresh_from_db()
    station.refresh_from_db()
    assert (review.status, review.decision_note, station.status) == ("dismissed", "初犯，已整改", "active")


def test_a_decided_review_cannot_be_decided_again(review, hq):
    services.revocation_review_decide(review=review, actor=hq, decision="dismiss", note="初犯")
    with pytest.raises(InvalidTransition):
        services.revocation_review_decide(review=review, actor=hq, decision="revoke")


def test_an_unknown_decision_is_a_field_error(review, hq):
    with pytest.raises(ValidationError) as exc:
        services.revocation_review_decide(review=review, actor=hq, decision="delete")
    assert exc.value.message_dict == {"decision": ["Choose to revoke, suspend or dismiss."]}


def test_a_revoked_station_can_only_be_dismissed(review, station, hq):
    services.station_suspend(station=station, actor=hq, note="暂停")
    services.station_revoke(station=station, actor=hq, note="取消授权")
    with pytest.raises(ValidationError, match="only dismissing the review is left"):
        services.revocation_review_decide(review=review, actor=hq, decision="suspend")
    review.refresh_from_db()
    assert review.status == "open"


@pytest.mark.parametrize("role", [roles.FINANCE, roles.INSPECTOR, roles.HOTLINE, roles.COORDINATOR, roles.TECHNICIAN])
def test_deciding_is_refused_to_anyone_but_hq(review, station, role):
    with pytest.raises(PermissionDenied):
        services.revocation_review_decide(review=review, actor=make_user(role, station), decision="revoke")
    review.refresh_from_db()
    station.refresh_from_db()
    assert (review.status, station.status) == ("open", "active")


# --- pages ------------------------------------------------------------------------------------------


def test_hq_decides_on_the_page(review, station, hq, client):
    client.force_login(hq)
    listing = client.get(reverse("stations:revocation-reviews"))
    assert listing.status_code == 200 and station.code in listing.content.decode()
    url = reverse("stations:revocation-review-detail", args=[review.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'id="revocation-decide-form"' in page.content.decode()
    response = client.post(url, {"decision": "revoke", "note": "情节严重"})
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.status == "revoked"


def test_the_page_shows_bad_input_on_the_form(review, hq, client):
    client.force_login(hq)
    url = reverse("stations:revocation-review-detail", args=[review.pk])
    missing = client.post(url, {"decision": "dismiss", "note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 200 and "Please give a reason." in missing.content.decode()
    unknown = client.post(url, {"decision": "explode"}, HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 200 and "Select a valid choice." in unknown.content.decode()
    review.refresh_from_db()
    assert review.status == "open"


def test_the_station_and_sanction_pages_link_the_review(review, station, hq, client):
    client.force_login(hq)
    link = reverse("stations:revocation-review-detail", args=[review.pk])
    assert link in client.get(reverse("stations:station-detail", args=[station.pk])).content.decode()
    assert link in client.get(reverse("stations:sanctions")).content.decode()


def test_station_staff_see_only_their_own_reviews_and_never_decide(review, station, other_station, client_for):
    own = client_for(roles.COORDINATOR, station)
    url = reverse("stations:revocation-review-detail", args=[review.pk])
    page = own.get(url)
    assert page.status_code == 200 and 'id="revocation-decide-form"' not in page.content.decode()
    assert own.post(url, {"decision": "dismiss", "note": "自己撤销"}).status_code == 403
    other = client_for(roles.COORDINATOR, other_station)
    assert other.get(url).status_code == 404
    assert station.code not in other.get(reverse("stations:revocation-reviews")).content.decode()
    assert client_for(roles.TECHNICIAN, station).get(url).status_code == 403
    assert client_for(roles.FINANCE).get(reverse("stations:revocation-reviews")).status_code == 403
    review.refresh_from_db()
    assert review.status == "open"


def test_the_list_page_and_api_have_constant_query_counts(station, hq, client, django_assert_max_num_queries):
    def add(n):
        for k in range(n):
            ref = f"ticket:{RevocationReview.objects.count() + k + 100}"
            services.sanction_decide(sanction=raise_fabricated(station, hq, ref=ref), actor=hq, approve=True)

    client.force_login(hq)
    add(1)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("stations:revocation-reviews")).status_code == 200
    with django_assert_max_num_queries(8) as small_api:
        assert api(hq).get("/api/v1/revocation-reviews/").status_code == 200
    add(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("stations:revocation-reviews")).status_code == 200
    with django_assert_max_num_queries(len(small_api.captured_queries)):
        assert len(api(hq).get("/api/v1/revocation-reviews/").json()["results"]) == 7


# --- API --------------------------------------------------------------------------------------------


def test_api_lists_details_and_decides(review, station, hq):
    client = api(hq)
    listing = client.get("/api/v1/revocation-reviews/?status=open")
    assert listing.status_code == 200 and [r["id"] for r in listing.json()["results"]] == [review.pk]
    detail = client.get(f"/api/v1/revocation-reviews/{review.pk}/").json()
    assert (detail["station_code"], detail["rule_code"], detail["status"]) == (
        station.code,
        "fabricated_ticket",
        "open",
    )
    response = client.post(f"/api/v1/revocation-reviews/{review.pk}/decide/", {"decision": "suspend"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    station.refresh_from_db()
    assert station.status == "suspended"


def test_api_bad_input_is_a_clear_400(review, hq):
    client = api(hq)
    url = f"/api/v1/revocation-reviews/{review.pk}/decide/"
    unknown = client.post(url, {"decision": "explode"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 400 and "decision" in unknown.json()["errors"]
    missing = client.post(url, {"decision": "dismiss"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 400
    assert missing.json() == {"detail": "Please give a reason.", "errors": {"note": ["Please give a reason."]}}
    services.revocation_review_decide(review=review, actor=hq, decision="dismiss", note="初犯")
    again = client.post(url, {"decision": "revoke"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400 and "Cannot change from" in again.json()["detail"]


def test_api_refuses_station_staff_and_scopes_them(review, station, other_station):
    own = api(make_user(roles.COORDINATOR, station))
    assert own.get(f"/api/v1/revocation-reviews/{review.pk}/").status_code == 200
    assert (
        own.post(f"/api/v1/revocation-reviews/{review.pk}/decide/", {"decision": "dismiss", "note": "x"}).status_code
        == 403
    )
    other = api(make_user(roles.COORDINATOR, other_station))
    assert other.get("/api/v1/revocation-reviews/").json()["results"] == []
    assert other.get(f"/api/v1/revocation-reviews/{review.pk}/").status_code == 404
    for role in (roles.TECHNICIAN, roles.FINANCE, roles.INSPECTOR):
        client = api(make_user(role, station if role == roles.TECHNICIAN else None))
        assert client.get("/api/v1/revocation-reviews/").status_code == 403
        assert client.post(f"/api/v1/revocation-reviews/{review.pk}/decide/", {"decision": "revoke"}).status_code == 403
    review.refresh_from_db()
    assert review.status == "open"


def test_the_admin_shows_reviews_read_only(review, client):
    admin = make_user(roles.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:stations_revocationreview_changelist")).status_code == 200
    assert client.get(reverse("admin:stations_revocationreview_change", args=[review.pk])).status_code == 200
    assert client.get(reverse("admin:stations_revocationreview_add")).status_code == 403
    assert client.post(reverse("admin:stations_revocationreview_delete", args=[review.pk])).status_code == 403
