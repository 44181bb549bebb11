"""Issue 15: every upload path opens the file with pypdf / Pillow: a broken file gets a Chinese form error or a
JSON 400 and nothing is stored; real files pass. Paths: station application documents (page, API), site-visit
photos, inspection item photos (page, API), rectification evidence, ticket photos and the customer's signature."""

import base64

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from inspections import services as inspections_services
from inspections.models import Rectification
from repairnet import roles
from stations.models import Application, SiteVisitPhoto
from tests.factories import make_user
from tests.inspections.conftest import fill, inspector, schedule  # noqa: F401 - fixtures
from tests.stations.helpers import application_data, post_data
from tests.tickets.factories import TicketFactory, certified_technician
from tests.uploads import fake_pdf, image_bytes, real_pdf, real_png, truncated_jpeg
from tickets import services as tickets_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
FAKE_PDF = "文件内容不是有效的 PDF 文件。"
TRUNCATED = "图片已损坏或不完整，请重新拍摄或导出。"


@pytest.fixture
def hq():
    return make_user(roles.HQ)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- station applications ------------------------------------------------------------------------------------


def test_application_page_refuses_a_fake_pdf_and_a_truncated_jpeg_in_chinese(client):
    response = client.post(
        reverse("stations:apply"),
        post_data(business_licence=fake_pdf(), financial_report=truncated_jpeg("report.jpg")),
        **ZH,
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["business_licence"] == [FAKE_PDF] and errors["financial_report"] == [TRUNCATED]
    assert not Application.objects.exists()


def test_application_page_accepts_a_real_pdf_and_png(client):
    response = client.post(
        reverse("stations:apply"), post_data(business_licence=real_pdf(), financial_report=real_png("report.png"))
    )
    assert response.status_code == 302 and Application.objects.count() == 1


def test_application_api_answers_400_for_a_fake_pdf():
    payload = application_data()
    payload.update(business_licence=fake_pdf(), financial_report=real_png("r.png"))
    response = APIClient().post("/api/v1/applications/", payload, format="multipart", **ZH)
    assert response.status_code == 400
    assert response.json()["errors"]["business_licence"] == [FAKE_PDF]
    assert not Application.objects.exists()
    payload.update(business_licence=real_pdf(), financial_report=real_png("r.png"))
    assert APIClient().post("/api/v1/applications/", payload, format="multipart").status_code == 201


def test_site_visit_photo_must_decode(hq, client):
    from stations import services as stations_services

    app = stations_services.application_submit(
        data=application_data(), business_licence=real_pdf(), financial_report=real_png()
    )
    app = stations_services.application_check_documents(application=app, actor=hq, note="ok")
    client.force_login(hq)
    url = reverse("stations:application-action", args=[app.pk, "visit"])
    visit = {"visit-visited_on": app.created_at.date().isoformat(), "visit-visited_by": "张", "visit-notes": "ok"}
    response = client.post(url, {**visit, "visit-photos": truncated_jpeg("site.jpg")}, **ZH)
    assert TRUNCATED in response.content.decode()
    app.refresh_from_db()
    assert app.status == Application.Status.DOCUMENTS_CHECKED and not SiteVisitPhoto.objects.exists()
    client.post(url, {**visit, "visit-photos": real_png("site.png")})
    assert SiteVisitPhoto.objects.filter(application=app).count() == 1


# --- inspections ---------------------------------------------------------------------------------------------


def test_inspection_item_photo_must_decode_on_page_and_api(schedule, inspector):  # noqa: F811
    inspection = schedule()
    line = inspection.scores.get(item_code="image.clean")
    page = Client()
    page.force_login(inspector)
    url = reverse("inspections:item-save", args=[inspection.pk, line.pk])
    response = page.post(url, {"photo": truncated_jpeg()}, **ZH)
    assert response.status_code == 400 and response.json()["detail"] == TRUNCATED
    api = APIClient()
    api.force_authenticate(inspector)
    response = api.post(f"/api/v1/inspections/{inspection.pk}/scores/{line.pk}/", {"photo": truncated_jpeg()}, **ZH)
    assert response.status_code == 400 and TRUNCATED in str(response.json())
    line.refresh_from_db()
    assert not line.photo
    assert page.post(url, {"photo": real_png()}).status_code == 200
    line.refresh_from_db()
    assert line.photo


def test_rectification_evidence_must_decode(schedule, inspector, station):  # noqa: F811
    inspection = schedule()
    fill(inspection, inspector, {"image.prices": 1})
    inspections_services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    rect = Rectification.objects.get()
    coordinator = Client()
    coordinator.force_login(make_user(roles.COORDINATOR, station))
    url = reverse("inspections:rectification-answer", args=[rect.pk])
    response = coordinator.post(url, {"answer": "已张贴价目表", "evidence": truncated_jpeg()}, **ZH)
    assert response.status_code == 200 and TRUNCATED in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == Rectification.Status.OPEN and not rect.evidence


# --- tickets -------------------------------------------------------------------------------------------------


@pytest.fixture
def in_repair(station):
    tech = certified_technician(station)
    ticket = TicketFactory(station=station, status=Ticket.Status.DISPATCHED)
    tickets_services.ticket_accept(ticket_id=ticket.pk, actor=tech)
    tickets_services.ticket_arrive(ticket_id=ticket.pk, actor=tech)
    return ticket, tech


def test_ticket_photos_must_decode_and_match_their_name(in_repair):
    ticket, tech = in_repair
    client = Client()
    client.force_login(tech)
    report = {"fault_found": "主板虚焊", "work_done": "补焊", "signoff_name": "客户"}
    url = reverse("tickets:complete", args=[ticket.pk])
    response = client.post(url, {**report, "photo_before": truncated_jpeg("before.jpg")}, **ZH)
    assert response.status_code == 200 and response.context["form"].errors["photo_before"] == [TRUNCATED]
    renamed = real_png("after.html")  # a real image under a name the file view would serve as a web page
    response = client.post(url, {**report, "photo_after": renamed}, **ZH)
    assert response.status_code == 200 and response.context["form"].errors["photo_after"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_REPAIR and not ticket.photo_before and not ticket.photo_after
    assert client.post(url, {**report, "photo_before": real_png("before.png")}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.COMPLETED and ticket.photo_before


def test_a_damaged_signature_is_refused(in_repair):
    ticket, tech = in_repair
    png = image_bytes("PNG", (120, 40))
    damaged = "data:image/png;base64," + base64.b64encode(png[: len(png) - 20]).decode()
    with pytest.raises(ValidationError, match="签名图片已损坏"):
        tickets_services.ticket_complete(
            ticket_id=ticket.pk, actor=tech, fault_found="x", work_done="y", signature_data_url=damaged
        )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_REPAIR and not ticket.signoff_image
    good = "data:image/png;base64," + base64.b64encode(png).decode()
    ticket = tickets_services.ticket_complete(
        ticket_id=ticket.pk, actor=tech, fault_found="x", work_done="y", signature_data_url=good
    )
    assert ticket.signoff_image
