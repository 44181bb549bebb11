import pytest
from rest_framework.test import APIClient

from repairnet import roles
from stations import services
from stations.models import Application, Certificate, Sanction, Station
from tests import clock
from tests.factories import StationFactory, make_user

from .factories import certified_technician
from .helpers import FULL_SCORES, application_data, deposit_received, pdf_upload, png_upload

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_public_application_create_then_hq_review_to_active_station():
    payload = application_data()
    payload.update(business_licence=pdf_upload(), financial_report=png_upload("r.png"))
    response = api().post("/api/v1/applications/", payload, format="multipart")
    assert response.status_code == 201, response.json()
    app_id = response.json()["id"]
    assert response.json()["reference"].startswith("SQ")
    assert api().get("/api/v1/applications/").status_code in (401, 403)
    hq = api(make_user(roles.HQ))
    today = clock.today().isoformat()
    assert hq.post(f"/api/v1/applications/{app_id}/check-documents/", {"note": "ok"}, format="json").status_code == 200
    r = hq.post(
        f"/api/v1/applications/{app_id}/visit/", {"visited_on": today, "visited_by": "张", "notes": "x"}, format="json"
    )
    assert r.status_code == 200, r.json()
    r = hq.post(f"/api/v1/applications/{app_id}/score/", {"points": FULL_SCORES}, format="json")
    assert r.json()["recommended_tier"] == "centre"
    r = hq.post(
        f"/api/v1/applications/{app_id}/approve/",
        {"tier": "centre", "note": "ok", **deposit_received()},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "approved" and r.json()["coordinator_password"]
    station = Station.objects.get(pk=r.json()["station"])
    listing = hq.get("/api/v1/stations/", {"tier": "centre"}).json()
    assert [s["code"] for s in listing["results"]] == [station.code]


def test_api_illegal_transition_and_bad_upload_are_json_400():
    payload = application_data()
    payload.update(business_licence=pdf_upload("x.exe"), financial_report=png_upload("r.png"))
    response = api().post("/api/v1/applications/", payload, format="multipart")
    assert response.status_code == 400 and "business_licence" in response.json()["errors"]
    app = services.application_submit(
        data=application_data(), business_licence=pdf_upload(), financial_report=png_upload()
    )
    r = api(make_user(roles.HQ)).post(
        f"/api/v1/applications/{app.pk}/approve/", {"tier": "centre", **deposit_received()}, format="json"
    )
    assert r.status_code == 400 and r.json()["detail"] == "只有已评分的申请才能批准。"
    assert Application.objects.get(pk=app.pk).status == "submitted"


def test_station_state_actions_need_reason_and_hq():
    station = StationFactory()
    hq = api(make_user(roles.HQ))
    assert hq.post(f"/api/v1/stations/{station.pk}/suspend/", {}, format="json").status_code == 400
    assert (
        api(make_user(roles.COORDINATOR, station))
        .post(f"/api/v1/stations/{station.pk}/suspend/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    r = hq.post(f"/api/v1/stations/{station.pk}/suspend/", {"reason": "complaints"}, format="json")
    assert r.json()["status"] == "suspended"
    assert hq.post(f"/api/v1/stations/{station.pk}/exit/", {"reason": "x"}, format="json").status_code == 400
    assert (
        hq.post(f"/api/v1/stations/{station.pk}/revoke/", {"reason": "fraud"}, format="json").json()["status"]
        == "revoked"
    )


def test_coordinator_sees_and_edits_only_own_station_staff():
    mine, other = StationFactory(), StationFactory()
    coord = make_user(roles.COORDINATOR, mine)
    my_tech = certified_technician(mine)
    their_tech = certified_technician(other)
    client = api(coord)
    ids = {row["id"] for row in client.get("/api/v1/staff/").json()["results"]}
    assert my_tech.pk in ids and their_tech.pk not in ids
    assert client.get(f"/api/v1/staff/{their_tech.pk}/").status_code == 404
    r = client.post(
        "/api/v1/staff/",
        {"username": "newtech", "last_name": "赵", "first_name": "六", "position": "repair_technician"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["station"] == mine.pk
    r = client.post(
        "/api/v1/staff/",
        {"station": other.pk, "username": "intruder", "last_name": "x", "first_name": "y", "position": "service_clerk"},
        format="json",
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/staff/{their_tech.pk}/update/",
        {"last_name": "改", "first_name": "名", "position": "service_clerk"},
        format="json",
    )
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/staff/{my_tech.pk}/update/",
        {"last_name": "改", "first_name": "名", "position": "repair_technician"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["last_name"] == "改"
    certs = client.get("/api/v1/certificates/").json()["results"]
    assert {c["user"] for c in certs} == {my_tech.pk}


def test_certificates_api_issue_renew_revoke():
    tech = make_user(roles.TECHNICIAN)
    hq = api(make_user(roles.HQ))
    today = clock.today().isoformat()

    def issue(theory_score):
        exam = {"kind": "repair_technician", "trained_on": today, "exam_on": today, "practical_score": "90"}
        return hq.post("/api/v1/certificates/", {**exam, "user": tech.pk, "theory_score": theory_score}, format="json")

    r = issue("50")
    assert r.status_code == 400
    r = issue("80")
    assert r.status_code == 201
    cert_id = r.json()["id"]
    assert hq.post(f"/api/v1/certificates/{cert_id}/renew/", {}, format="json").status_code == 200
    assert (
        hq.post(f"/api/v1/certificates/{cert_id}/revoke/", {"reason": "left"}, format="json").json()["status"]
        == "revoked"
    )
    assert api(make_user(roles.TECHNICIAN)).post("/api/v1/certificates/", {}, format="json").status_code == 403


def test_sanctions_api_raise_appeal_decide():
    station = StationFactory()
    hq = api(make_user(roles.HQ))
    r = hq.post(
        "/api/v1/sanctions/", {"station": station.pk, "rule_code": "complaint_upheld", "note": "T1"}, format="json"
    )
    assert r.status_code == 201 and r.json()["amount"] == "-50.00"
    sid = r.json()["id"]
    other_coord = api(make_user(roles.COORDINATOR, StationFactory()))
    assert other_coord.post(f"/api/v1/sanctions/{sid}/appeal/", {"text": "x"}, format="json").status_code == 404
    coord = api(make_user(roles.COORDINATOR, station))
    assert (
        coord.post(f"/api/v1/sanctions/{sid}/appeal/", {"text": "not us"}, format="json").json()["status"] == "appealed"
    )
    assert coord.post(f"/api/v1/sanctions/{sid}/decide/", {"approve": True}, format="json").status_code == 403
    assert (
        hq.post(f"/api/v1/sanctions/{sid}/decide/", {"approve": True, "note": "upheld"}, format="json").json()["status"]
        == "approved"
    )
    assert Sanction.objects.get(pk=sid).status == "approved"


def test_assessment_api_run_and_decide():
    station = StationFactory(tier="station")
    certified_technician(station)
    hq = api(make_user(roles.HQ))
    rows = hq.post("/api/v1/assessments/run/", {"year": 2026, "quarter": 3}, format="json").json()
    assert [r["station"] for r in rows] == [station.pk]
    assert rows[0]["total"] == "75.0" and rows[0]["suggestion"] == "none"


def test_list_apis_have_constant_query_counts(django_assert_max_num_queries, django_assert_num_queries):
    def add(n, quarter):
        """n stations, each with a certified technician, a coordinator, a sanction and an application;
        then the quarter's assessments (one per station)."""
        for i in range(n):
            services.application_submit(
                data=application_data(company_name=f"公司{quarter}-{i}"),
                business_licence=pdf_upload(),
                financial_report=png_upload(),
            )
            s = StationFactory(tier="centre" if i % 2 else "station")
            certified_technician(s)
            make_user(roles.COORDINATOR, s)
            services.sanction_raise(station=s, rule_code="complaint_upheld", actor=roles.SYSTEM)
        services.assessment_run(year=2026, quarter=quarter, actor=roles.SYSTEM)

    urls = (
        "/api/v1/stations/",
        "/api/v1/staff/",
        "/api/v1/certificates/",
        "/api/v1/sanctions/",
        "/api/v1/applications/",
        "/api/v1/assessments/",
    )
    hq = make_user(roles.HQ)
    client = api(hq)
    add(1, quarter=2)
    client.get(urls[0])  # warm caches (the user's roles)
    few = []
    for url in urls:
        with django_assert_max_num_queries(8) as small:
            assert client.get(url).status_code == 200
        few.append(len(small.captured_queries))
    add(7, quarter=3)
    for url, expected in zip(urls, few, strict=True):
        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200 and response.json()["count"] >= 8, url
    assert Certificate.objects.count() == 8
