from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from inspections import services
from inspections.models import Inspection, Rectification
from repairnet import roles
from tests import clock
from tests.factories import StationFactory, make_user

from .conftest import fill, submit_filled

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_templates_read_only(inspector):
    c = api(inspector)
    data = c.get("/api/v1/inspections/templates/").json()
    template = data["results"][0]
    assert template["version"] == 1
    assert sum(i["max_score"] for s in template["sections"] for i in s["items"]) == 100
    assert c.post("/api/v1/inspections/templates/", {}).status_code == 405
    assert api(make_user(roles.COORDINATOR)).get("/api/v1/inspections/templates/").status_code == 403


def test_schedule_fill_submit_via_api(station, inspector, hq):
    response = api(hq).post(
        "/api/v1/inspections/", {"station": station.pk, "inspector": inspector.pk, "scheduled_for": "2099-03-01"}
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    c = api(inspector)
    scores = c.get(f"/api/v1/inspections/{pk}/scores/").json()
    assert len(scores) == 17
    for line in scores:
        value = line["max_score"] - (2 if line["item_code"] == "service.staff" else 0)
        r = c.post(f"/api/v1/inspections/{pk}/scores/{line['id']}/", {"score": value, "comment": "ok"})
        assert r.status_code == 200, r.content
    bad = c.post(f"/api/v1/inspections/{pk}/scores/{scores[0]['id']}/", {"score": 50})
    assert bad.status_code == 400
    assert bad.json()["detail"]
    response = c.post(f"/api/v1/inspections/{pk}/submit/", {"summary": "良好"})
    assert response.status_code == 200, response.content
    assert (response.json()["total"], response.json()["grade"]) == (98, "A")
    assert c.post(f"/api/v1/inspections/{pk}/submit/").status_code == 400
    rects = c.get("/api/v1/rectifications/").json()["results"]
    assert [r["item_text"] for r in rects] == ["维修人员持证上岗、佩戴工牌"]


def test_station_never_sees_drafts_or_other_stations(station, inspector, schedule):
    draft = schedule()
    done = schedule()
    submit_filled(done, inspector)
    other = schedule(st=StationFactory())
    submit_filled(other, inspector)
    c = api(make_user(roles.COORDINATOR, station))
    ids = [row["id"] for row in c.get("/api/v1/inspections/").json()["results"]]
    assert ids == [done.pk]
    assert c.get(f"/api/v1/inspections/{draft.pk}/").status_code == 404
    assert c.get(f"/api/v1/inspections/{draft.pk}/scores/").status_code == 404
    assert c.get(f"/api/v1/inspections/{other.pk}/").status_code == 404
    assert c.get(f"/api/v1/inspections/{done.pk}/").json()["total"] == 100
    assert c.post(f"/api/v1/inspections/{draft.pk}/submit/").status_code == 403
    assert c.post("/api/v1/inspections/", {}).status_code == 403


def test_rectification_actions_via_api(station, inspector, schedule):
    inspection = schedule()
    fill(inspection, inspector, {"image.signage": 0})
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    rect = Rectification.objects.get()
    coordinator = api(make_user(roles.COORDINATOR, station))
    outsider = api(make_user(roles.COORDINATOR))
    assert outsider.post(f"/api/v1/rectifications/{rect.pk}/answer/", {"answer": "x"}).status_code == 404
    response = coordinator.post(f"/api/v1/rectifications/{rect.pk}/answer/", {"answer": ""})
    assert response.status_code == 400 and "answer" in response.json()["errors"]
    assert (
        coordinator.post(f"/api/v1/rectifications/{rect.pk}/answer/", {"answer": "已更换门头"}).json()["status"]
        == "answered"
    )
    assert coordinator.post(f"/api/v1/rectifications/{rect.pk}/confirm/").status_code == 403
    insp = api(inspector)
    assert insp.post(f"/api/v1/rectifications/{rect.pk}/reject/", {"reason": "未见照片"}).json()["status"] == "open"
    assert insp.post(f"/api/v1/rectifications/{rect.pk}/confirm/").status_code == 400
    coordinator.post(f"/api/v1/rectifications/{rect.pk}/answer/", {"answer": "补拍照片"})
    assert insp.post(f"/api/v1/rectifications/{rect.pk}/confirm/").json()["status"] == "confirmed"


def test_list_api_constant_queries(hq, inspector, django_assert_max_num_queries, django_assert_num_queries):
    def add(n):
        """n submitted inspections of new stations, each failing one item (one rectification each)."""
        for _ in range(n):
            insp = services.inspection_schedule(
                station=StationFactory(), inspector=inspector, scheduled_for=clock.today(), actor=hq
            )
            fill(insp, inspector, {"image.clean": 0})
            services.inspection_submit(inspection_id=insp.pk, actor=inspector)

    add(1)
    c = api(hq)
    c.get("/api/v1/inspections/")  # warm caches (the user's roles)
    with django_assert_max_num_queries(8) as small:
        assert len(c.get("/api/v1/inspections/").json()["results"]) == 1
    few_inspections = len(small.captured_queries)
    with django_assert_max_num_queries(8) as small:
        assert len(c.get("/api/v1/rectifications/").json()["results"]) == 1
    few_rectifications = len(small.captured_queries)
    add(7)
    with django_assert_num_queries(few_inspections):
        assert len(c.get("/api/v1/inspections/").json()["results"]) == 8
    with django_assert_num_queries(few_rectifications):
        assert len(c.get("/api/v1/rectifications/").json()["results"]) == 8
    assert Inspection.objects.count() == 8


def _jpeg(name="shelf.jpg"):
    out = BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_photo_upload_resent_with_same_idempotency_key_stores_one_photo(inspector, schedule, tmp_path, settings):
    """The phone resends a queued photo whose answer it never got: the second send is the replay, not a second photo."""
    settings.MEDIA_ROOT = tmp_path
    inspection = schedule()
    line = inspection.scores.first()
    c = APIClient()
    c.force_login(inspector)  # the page's session, as the phone sends it
    url = f"/api/v1/inspections/{inspection.pk}/scores/{line.pk}/"

    def send(key):
        body = {"photo": _jpeg(), "score": line.max_score - 1, "comment": "货架标签缺失"}
        return c.post(url, body, format="multipart", HTTP_IDEMPOTENCY_KEY=key)

    first = send("photo-key-1")
    assert first.status_code == 200, first.content
    line.refresh_from_db()
    stored = line.photo.name
    second = send("photo-key-1")
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    line.refresh_from_db()
    assert (line.photo.name, line.score, line.comment) == (stored, line.max_score - 1, "货架标签缺失")
    photos = list((tmp_path / "inspections" / "photos" / str(inspection.pk)).iterdir())
    assert [p.name for p in photos] == [stored.rsplit("/", 1)[1]]
    with Image.open(photos[0]) as img:  # the stored file is the re-encoded photo
        assert img.format == "JPEG"

    # Another key is another upload: it replaces the photo (so the check above can tell the two apart).
    third = send("photo-key-2")
    assert third.status_code == 200 and not third.has_header("Idempotent-Replayed")
    line.refresh_from_db()
    assert line.photo.name != stored
