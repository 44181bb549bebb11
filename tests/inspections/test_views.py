import io

import pytest
from django.urls import reverse
from PIL import Image

from inspections import services
from inspections.models import Inspection, ItemScore, Rectification
from repairnet import roles
from tests import clock
from tests.factories import StationFactory, make_user

from .conftest import fill, submit_filled

pytestmark = pytest.mark.django_db


def jpeg(size=(3000, 2000), color=(200, 30, 30)) -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "photo.jpg"
    return buf


def login(client, user):
    client.force_login(user)
    return client


def test_hq_schedules_from_planning_page(client, station, inspector, hq):
    login(client, hq)
    response = client.post(
        reverse("inspections:schedule"),
        {"station": station.pk, "inspector": inspector.pk, "scheduled_for": "2099-01-05"},
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("inspections:detail", args=[inspection.pk])
    assert client.get(reverse("inspections:list")).status_code == 200


def test_schedule_bad_date_shows_message(client, station, inspector, hq):
    login(client, hq)
    response = client.post(
        reverse("inspections:schedule"),
        {"station": station.pk, "inspector": inspector.pk, "scheduled_for": "2000-01-05"},
        follow=True,
    )
    assert Inspection.objects.count() == 0
    assert "日期不能早于今天" in response.content.decode()


def test_inspector_sees_upcoming_and_fill_page(client, schedule, inspector):
    inspection = schedule()
    login(client, inspector)
    page = client.get(reverse("inspections:list")).content.decode()
    assert reverse("inspections:fill", args=[inspection.pk]) in page
    response = client.get(reverse("inspections:fill", args=[inspection.pk]))
    assert response.status_code == 200
    assert "本月日报按时提交" in response.content.decode()


def test_item_autosave_and_photo_resized(client, schedule, inspector, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection = schedule()
    line = inspection.scores.get(item_code="image.clean")
    login(client, inspector)
    url = reverse("inspections:item-save", args=[inspection.pk, line.pk])
    response = client.post(url, {"score": "3", "comment": "地面有杂物"})
    assert response.status_code == 200
    assert response.json()["score"] == 3
    response = client.post(url, {"photo": jpeg()})
    assert response.status_code == 200, response.content
    line.refresh_from_db()
    assert (line.score, line.comment) == (3, "地面有杂物")  # the photo-only post kept score and comment
    with Image.open(line.photo.path) as img:
        assert max(img.size) == settings.PHOTO_MAX_EDGE
    assert str(tmp_path) in line.photo.path  # private storage, served only through the view
    photo = client.get(response.json()["photo_url"])
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"


def test_item_autosave_rejects_bad_input(client, schedule, inspector, settings):
    inspection = schedule()
    line = inspection.scores.get(item_code="image.clean")
    login(client, inspector)
    url = reverse("inspections:item-save", args=[inspection.pk, line.pk])
    assert client.post(url, {"score": "99"}).status_code == 400
    assert client.post(url, {"score": "x"}).status_code == 400
    not_image = io.BytesIO(b"not an image")
    not_image.name = "x.jpg"
    response = client.post(url, {"photo": not_image})
    assert response.status_code == 400
    settings.PHOTO_MAX_BYTES = 100
    assert client.post(url, {"photo": jpeg((50, 50))}).status_code == 400
    line.refresh_from_db()
    assert line.score is None and not line.photo


def test_other_inspector_cannot_fill(client, schedule):
    inspection = schedule()
    line = inspection.scores.first()
    login(client, make_user(roles.INSPECTOR))
    assert client.get(reverse("inspections:fill", args=[inspection.pk])).status_code == 403
    response = client.post(reverse("inspections:item-save", args=[inspection.pk, line.pk]), {"score": "1"})
    assert response.status_code == 403


def test_submit_page_flow(client, schedule, inspector):
    inspection = schedule()
    login(client, inspector)
    response = client.post(reverse("inspections:submit", args=[inspection.pk]), follow=True)
    assert "还有 17 项未评分" in response.content.decode()
    fill(inspection, inspector, {"records.daily": 0})
    response = client.post(reverse("inspections:submit", args=[inspection.pk]), {"summary": "总体良好"})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert (inspection.status, inspection.total, inspection.grade) == ("submitted", 95, "A")


def test_station_sees_own_submitted_only(client, schedule, inspector, station):
    draft = schedule()
    done = schedule()
    submit_filled(done, inspector)
    other = schedule(st=StationFactory())
    submit_filled(other, inspector)
    for role in (roles.COORDINATOR, roles.TECHNICIAN):
        c = login(client, make_user(role, station))
        page = c.get(reverse("inspections:list")).content.decode()
        assert reverse("inspections:detail", args=[done.pk]) in page
        assert reverse("inspections:detail", args=[draft.pk]) not in page
        assert reverse("inspections:detail", args=[other.pk]) not in page
        assert c.get(reverse("inspections:detail", args=[done.pk])).status_code == 200
        assert c.get(reverse("inspections:detail", args=[draft.pk])).status_code == 404
        assert c.get(reverse("inspections:detail", args=[other.pk])).status_code == 404
        assert c.get(reverse("inspections:report-pdf", args=[draft.pk])).status_code == 404
        assert c.get(reverse("inspections:fill", args=[draft.pk])).status_code == 403
        assert c.get(reverse("inspections:overview")).status_code == 403


def test_draft_photo_not_visible_to_station(client, schedule, inspector, station, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    draft = schedule()
    line = draft.scores.first()
    services.item_score_save(score_id=line.pk, actor=inspector, photo=jpeg((100, 100)))
    login(client, make_user(roles.COORDINATOR, station))
    assert client.get(reverse("inspections:item-photo", args=[line.pk])).status_code == 404


def test_rectification_pages_answer_confirm_reject(client, schedule, inspector, station, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection = schedule()
    fill(inspection, inspector, {"image.prices": 1})
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    rect = Rectification.objects.get()
    coordinator = make_user(roles.COORDINATOR, station)
    c = login(client, coordinator)
    assert "收费价目表公示" in c.get(reverse("inspections:rectifications")).content.decode()
    response = c.post(reverse("inspections:rectification-answer", args=[rect.pk]), {"answer": ""})
    assert response.status_code == 200
    response = c.post(
        reverse("inspections:rectification-answer", args=[rect.pk]),
        {"answer": "已张贴价目表", "evidence": jpeg((400, 300))},
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "answered" and rect.evidence
    assert c.post(reverse("inspections:rectification-confirm", args=[rect.pk])).status_code == 403
    c = login(client, inspector)
    response = c.post(reverse("inspections:rectification-reject", args=[rect.pk]), {"reason": ""})
    assert response.status_code == 200
    c.post(reverse("inspections:rectification-reject", args=[rect.pk]), {"reason": "价目表不完整"})
    rect.refresh_from_db()
    assert rect.status == "open"
    c = login(client, coordinator)
    c.post(reverse("inspections:rectification-answer", args=[rect.pk]), {"answer": "补全价目表"})
    c = login(client, inspector)
    c.post(reverse("inspections:rectification-confirm", args=[rect.pk]), {"note": "OK"})
    rect.refresh_from_db()
    assert rect.status == "confirmed"
    other = login(client, make_user(roles.COORDINATOR))
    assert other.get(reverse("inspections:rectification-detail", args=[rect.pk])).status_code == 404


def test_overview_and_lists_constant_queries(
    client, inspector, hq, django_assert_max_num_queries, django_assert_num_queries
):
    def add(n):
        """n stations, each inspected twice: once failing the ticket-records item, once passing it."""
        for _ in range(n):
            st = StationFactory()
            for score in (0, 5):
                insp = services.inspection_schedule(station=st, inspector=inspector, scheduled_for=_today(), actor=hq)
                fill(insp, inspector, {"records.tickets": score})
                services.inspection_submit(inspection_id=insp.pk, actor=inspector)

    pages = [reverse("inspections:overview"), reverse("inspections:list"), reverse("inspections:rectifications")]
    add(1)
    login(client, hq)
    client.get(pages[0])  # warm caches (content types, session)
    few = []
    for url in pages:
        with django_assert_max_num_queries(20) as small:
            response = client.get(url)
        few.append(len(small.captured_queries))
        assert response.status_code == 200
        if url == pages[0]:
            assert "最近20张工单维修记录完整、填写规范" in response.content.decode()
    add(5)
    for url, expected in zip(pages, few, strict=True):
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


def _today():
    return clock.today()


def test_anonymous_redirected_to_login(client, schedule):
    inspection = schedule()
    response = client.get(reverse("inspections:detail", args=[inspection.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert ItemScore.objects.filter(inspection=inspection).count() == 17
