"""Applicant submits the public form; HQ checks, visits, scores and approves; the station is in the directory."""

import io

import pytest
from PIL import Image

from repairnet import roles
from repairnet.models import Region
from stations.models import Application, Station
from tests.factories import PASSWORD, make_user
from tests.uploads import pdf_bytes

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCORES = {"experience": "18", "staff": "17", "site": "18", "equipment": "13", "management": "12", "market": "8"}


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buf, format="PNG")
    return buf.getvalue()


def test_applicant_submits_then_hq_scores_and_approves(page, live_server):
    station = apply_and_approve(page, live_server, make_user(roles.HQ))
    page.goto(f"{live_server.url}/stations/?tier=centre")
    assert page.locator("#station-table").get_by_text(station.code).is_visible()
    assert page.locator("#station-table").get_by_text("郑州金水星辉家电维修有限公司").is_visible()


def apply_and_approve(page, live_server, hq) -> Station:
    """The public application of a centre in 郑州市金水区, reviewed and approved by ``hq`` in the browser."""
    region = Region.objects.get(code="410105")

    # applicant: from the login page link to the public form
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("#apply-link")
    page.wait_for_url("**/stations/apply/")
    fields = {
        "company_name": "郑州金水星辉家电维修有限公司",
        "licence_number": "91410105MA12345678",
        "legal_representative": "刘大伟",
        "contact_name": "刘大伟",
        "contact_phone": "13812345678",
        "address": "郑州市金水区花园路88号",
        "years_experience": "6",
        "brands_serviced": "移动、小灵通",
        "staff_list": "刘大伟 协调员\n王强 工程师\n李明 工程师",
        "coordinators": "1",
        "engineers": "2",
        "clerks": "1",
        "reception_area": "15",
        "repair_area": "12",
        "storage_area": "10",
    }
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.select_option("#id_region", str(region.pk))
    page.select_option("#id_tier_wanted", "centre")
    for box in ("has_repair_tools", "has_computer", "has_instruments", "has_service_phone", "declares_no_counterfeit"):
        page.check(f"#id_{box}")
    page.set_input_files(
        "#id_business_licence",
        files=[{"name": "licence.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )
    page.set_input_files(
        "#id_financial_report", files=[{"name": "report.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.click("#submit-application")
    page.wait_for_url("**/stations/apply/done/")
    reference = page.locator("#application-reference").inner_text().strip()
    app = Application.objects.get(reference=reference)

    # the applicant checks the status with reference + phone
    page.goto(f"{live_server.url}/stations/apply/status/?reference={reference}&phone=13812345678")
    assert page.locator("#status-label").inner_text() == "已提交"

    # HQ reviews
    login(page, live_server, hq.username, PASSWORD)
    page.goto(f"{live_server.url}/stations/applications/")
    page.get_by_role("link", name=reference).click()
    page.click("#btn-check-documents")
    page.fill("#id_visit-visited_by", "张志强")
    page.fill("#id_visit-notes", "场地整洁")
    page.click("#btn-visit")
    for code, points in SCORES.items():
        page.fill(f"#id_score-points_{code}", points)
    page.click("#btn-score")
    assert page.locator("#total-score").inner_text() == "86.0"
    assert page.locator("#recommended-tier").inner_text() == "授权维修服务中心"
    page.fill("#id_approve-deposit_reference", "BJ-E2E-0001")
    page.click("#btn-approve")
    page.wait_for_url("**/stations/*/")
    station = Station.objects.get(application=app)
    assert station.status == "active" and station.tier == "centre"
    return station
