import io

import pytest
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from inspections import exports, services
from inspections.models import Rectification
from repairnet import roles
from tests import clock
from tests.factories import StationFactory, make_user

from .conftest import fill

pytestmark = pytest.mark.django_db


def _jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (2400, 1800), (30, 120, 200)).save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "p.jpg"
    return buf


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages)


def test_report_pdf_holds_chinese_station_total_grade(client, inspector, hq, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    station = StationFactory(name="郑州金水授权维修站")
    insp = services.inspection_schedule(station=station, inspector=inspector, scheduled_for=_today(), actor=hq)
    line = insp.scores.get(item_code="spares.defective")
    services.item_score_save(score_id=line.pk, actor=inspector, photo=_jpeg(), comment="故障件与良品混放")
    fill(insp, inspector, {"spares.defective": 1, "records.tickets": 0})
    services.inspection_submit(inspection_id=insp.pk, actor=inspector)
    client.force_login(make_user(roles.COORDINATOR, station))
    response = client.get(reverse("inspections:report-pdf", args=[insp.pk]))
    assert response.status_code == 200
    text = _text(b"".join(response.streaming_content))
    assert "郑州金水授权维修站" in text
    assert "85" in text
    assert "B" in text
    assert "故障件隔离并标识" in text
    reader = PdfReader(io.BytesIO(exports.inspection_report_pdf(inspection=insp).read_bytes()))
    images = [img for page in reader.pages for img in page.images]
    assert images, "the item photo is embedded"


def test_rectification_form_pdf(client, inspector, hq, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    station = StationFactory(name="成都武侯授权维修中心")
    insp = services.inspection_schedule(station=station, inspector=inspector, scheduled_for=_today(), actor=hq)
    fill(insp, inspector, {"image.certificate": 0})
    services.inspection_submit(inspection_id=insp.pk, actor=inspector)
    rect = Rectification.objects.get()
    coordinator = make_user(roles.COORDINATOR, station)
    services.rectification_answer(rectification_id=rect.pk, actor=coordinator, answer="证书已上墙", evidence=_jpeg())
    services.rectification_confirm(rectification_id=rect.pk, actor=inspector)
    client.force_login(hq)
    response = client.get(reverse("inspections:rectification-pdf", args=[insp.pk]))
    text = _text(b"".join(response.streaming_content))
    assert "现场工作整改确认表" in text
    assert "成都武侯授权维修中心" in text
    assert "授权证书悬挂于显眼位置" in text
    assert "证书已上墙" in text


def _today():
    return clock.today()
