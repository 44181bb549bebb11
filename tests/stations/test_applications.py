import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from repairnet import roles
from repairnet.models import User
from repairnet.services import InvalidTransition
from stations import exports, services
from stations.models import Application, Station, TierChange
from tests.factories import make_user

from .helpers import FULL_SCORES, application_data, deposit_received, pdf_upload, png_upload, post_data

pytestmark = pytest.mark.django_db


def submit(**overrides):
    data = application_data(**overrides)
    return services.application_submit(data=data, business_licence=pdf_upload(), financial_report=png_upload())


def screened(hq, **overrides):
    app = submit(**overrides)
    services.application_check_documents(application=app, actor=hq, note="complete")
    services.application_record_visit(
        application=app,
        actor=hq,
        visited_on=app.created_at.date(),
        visited_by="张志强",
        notes="ok",
        photos=[png_upload()],
    )
    return services.application_score(application=app, actor=hq, points=FULL_SCORES)


def pdf_text(path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "".join(page.extract_text() for page in reader.pages)


def test_application_walks_from_submission_to_active_station():
    hq = make_user(roles.HQ)
    app = screened(hq)
    assert app.status == Application.Status.SCREENED
    assert app.total_score == Decimal("86")
    assert app.recommended_tier == "centre"
    app = services.application_approve(application=app, actor=hq, tier="centre", note="good fit")
    app.refresh_from_db()
    station = app.station
    assert app.status == Application.Status.APPROVED
    assert station.status == Station.Status.ACTIVE and station.tier == "centre"
    assert station.code == "HA0001"
    assert list(station.regions.values_list("code", flat=True)) == ["410105"]
    coordinator = User.objects.get(station=station)
    assert coordinator.groups.filter(name=roles.COORDINATOR).exists()
    assert TierChange.objects.filter(station=station, to_tier="centre").exists()
    # every step recorded with who/when/why
    from repairnet.selectors import audit_list_for_object

    assert [e.verb for e in audit_list_for_object(obj=app)] == [
        "submitted",
        "documents_checked",
        "site_visited",
        "screened",
        "approved",
    ]


def test_hard_requirements_refuse_a_centre_with_one_engineer():
    hq = make_user(roles.HQ)
    app = screened(hq, engineers=1)
    assert app.recommended_tier == "station"
    with pytest.raises(ValidationError, match="hard requirements"):
        services.application_approve(application=app, actor=hq, tier="centre")
    app.refresh_from_db()
    assert app.status == Application.Status.SCREENED and not Station.objects.exists()


def test_missing_declaration_makes_every_tier_ineligible():
    hq = make_user(roles.HQ)
    app = screened(hq, declares_no_counterfeit=False)
    assert app.recommended_tier == ""
    with pytest.raises(ValidationError, match="No-counterfeit"):
        services.application_approve(application=app, actor=hq, tier="accessory_point")


def test_low_score_refuses_the_tier():
    hq = make_user(roles.HQ)
    app = screened(hq)
    app = services.application_score(
        application=app, actor=hq, points={**FULL_SCORES, "experience": 5, "staff": 5}
    )  # 61
    assert app.recommended_tier == "accessory_point"
    with pytest.raises(ValidationError, match="below this level"):
        services.application_approve(application=app, actor=hq, tier="station")


@pytest.mark.parametrize("stage", ["submitted", "documents_checked", "site_visited", "screened"])
def test_rejection_from_each_state(stage):
    hq = make_user(roles.HQ)
    app = submit()
    if stage != "submitted":
        services.application_check_documents(application=app, actor=hq)
    if stage in ("site_visited", "screened"):
        services.application_record_visit(
            application=app, actor=hq, visited_on=app.created_at.date(), visited_by="张", notes="x"
        )
    if stage == "screened":
        services.application_score(application=app, actor=hq, points=FULL_SCORES)
    with pytest.raises(ValidationError, match="reason"):
        services.application_reject(application=app, actor=hq, reason="")
    app = services.application_reject(application=app, actor=hq, reason="licence expired")
    assert app.status == Application.Status.REJECTED


def test_illegal_transition_is_refused_with_a_message():
    hq = make_user(roles.HQ)
    app = submit()
    with pytest.raises(InvalidTransition, match="Cannot change from"):
        services.application_record_visit(
            application=app, actor=hq, visited_on=app.created_at.date(), visited_by="张", notes=""
        )
    with pytest.raises(ValidationError, match="Only a screened"):
        services.application_approve(application=app, actor=hq, tier="station")
    rejected = services.application_reject(application=app, actor=hq, reason="no")
    with pytest.raises(InvalidTransition):
        services.application_withdraw_by_applicant(reference=rejected.reference, phone=rejected.contact_phone)


def test_scores_out_of_range_are_refused():
    hq = make_user(roles.HQ)
    app = screened(hq)
    with pytest.raises(ValidationError) as info:
        services.application_score(application=app, actor=hq, points={**FULL_SCORES, "market": 11})
    assert "market" in info.value.message_dict


def test_approval_links_an_existing_coordinator_and_hands_off_deposit(monkeypatch):
    hq = make_user(roles.HQ)
    calls = []
    import stations.services.applications as svc

    monkeypatch.setattr(svc, "_deposit_handoff", lambda **kw: calls.append(kw) or True)
    existing = make_user(roles.HOTLINE, username="liu-coord")
    app = screened(hq)
    app = services.application_approve(
        application=app, actor=hq, tier="station", coordinator_username="liu-coord", code="ZZ777"
    )
    existing.refresh_from_db()
    assert existing.station == app.station and app.station.code == "ZZ777"
    assert calls and calls[0]["amount"] == Decimal("5000.00") and calls[0]["station"] == app.station


def test_review_report_and_certificate_pdfs_contain_the_chinese_name():
    hq = make_user(roles.HQ)
    app = services.application_approve(application=screened(hq), actor=hq, tier="centre")
    text = pdf_text(exports.application_review_pdf(application=app))
    assert "郑州金水星辉家电维修有限公司" in text and "综合评审报告" in text
    text = pdf_text(exports.station_certificate_pdf(station=app.station))
    assert "郑州金水星辉家电维修有限公司" in text and "授权证书" in text


# --- pages ------------------------------------------------------------------------------------------


def test_public_form_submits_and_status_page_shows_only_own_application(client):
    response = client.post(reverse("stations:apply"), post_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    app = Application.objects.get()
    done = client.get(reverse("stations:apply-done"))
    assert app.reference in done.content.decode()
    status = client.get(reverse("stations:application-status"), {"reference": app.reference, "phone": "13812345678"})
    assert app.company_name in status.content.decode()
    other = submit(company_name="另一家公司", contact_phone="13900000000")
    wrong = client.get(reverse("stations:application-status"), {"reference": other.reference, "phone": "13812345678"})
    assert "另一家公司" not in wrong.content.decode()
    assert "No application matches" in wrong.content.decode() or "没有" in wrong.content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: pdf_upload("virus.exe"), "Only these file types"),
        (lambda: pdf_upload("fake.png"), "not a valid PNG"),
        (lambda: pdf_upload("big.pdf", size=11 * 1024 * 1024), "too large"),
    ],
)
def test_wrong_or_large_uploads_are_refused_with_a_message(client, upload, message):
    response = client.post(reverse("stations:apply"), post_data(business_licence=upload()), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert not Application.objects.exists()
    client.cookies.load({"django_language": "en"})
    response = client.post(reverse("stations:apply"), post_data(business_licence=upload()))
    assert message in response.content.decode()


def test_documents_are_private_to_hq(client_for):
    app = submit()
    url = reverse("stations:application-document", args=[app.pk, "business_licence"])
    assert client_for(roles.HQ).get(url).status_code == 200
    assert client_for(roles.COORDINATOR).get(url).status_code == 403
    assert app.business_licence.name.startswith("stations/applications/")


def test_hq_pages_walk_the_review(client_for):
    hq = client_for(roles.HQ)
    app = submit()
    assert hq.get(reverse("stations:applications")).status_code == 200
    hq.post(reverse("stations:application-action", args=[app.pk, "check-documents"]), {"doc-note": "ok"})
    hq.post(
        reverse("stations:application-action", args=[app.pk, "visit"]),
        {
            "visit-visited_on": app.created_at.date().isoformat(),
            "visit-visited_by": "张",
            "visit-notes": "fine",
            "visit-photos": png_upload(),
        },
    )
    hq.post(
        reverse("stations:application-action", args=[app.pk, "score"]),
        {f"score-points_{k}": v for k, v in FULL_SCORES.items()},
    )
    app.refresh_from_db()
    assert app.status == "screened" and app.photos.count() == 1
    detail = hq.get(reverse("stations:application-detail", args=[app.pk]))
    assert detail.status_code == 200
    response = hq.post(
        reverse("stations:application-action", args=[app.pk, "approve"]),
        {
            "approve-tier": "centre",
            "approve-agreement_date": app.created_at.date().isoformat(),
            "approve-scope_accessory_sales": "on",
            "approve-scope_simple_repair": "on",
            **deposit_received(prefix="approve-"),
        },
    )
    app.refresh_from_db()
    assert app.status == "approved", response.content.decode()[:3000]
    assert response.status_code == 302
    report = hq.get(reverse("stations:application-report", args=[app.pk]))
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    assert hq.get(reverse("stations:station-certificate", args=[app.station.pk])).status_code == 200


def test_hq_page_refuses_illegal_action_with_message(client_for):
    hq = client_for(roles.HQ)
    app = submit()
    response = hq.post(
        reverse("stations:application-action", args=[app.pk, "approve"]),
        {"approve-tier": "centre", "approve-agreement_date": "2026-01-01", **deposit_received(prefix="approve-")},
        follow=True,
    )
    assert response.status_code == 200
    app.refresh_from_db()
    assert app.status == "submitted"
    assert len(list(response.context["messages"])) == 1


def test_approval_records_the_tier_deposit_in_the_spares_ledger():
    from spares.selectors import deposit_balance

    hq = make_user(roles.HQ)
    app = services.application_approve(application=screened(hq), actor=hq, tier="centre")
    assert deposit_balance(station=app.station) == Decimal("10000.00")
