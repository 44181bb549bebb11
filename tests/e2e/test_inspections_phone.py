"""Phone journey at 375 px: the inspector fills a checklist (a reload and a lost connection lose nothing),
submits; the station coordinator answers the rectification; the inspector confirms it."""

import pytest
from PIL import Image

from inspections import services
from inspections.models import Inspection, ItemScore, Rectification
from repairnet import roles
from tests import clock
from tests.factories import PASSWORD, StationFactory, make_user

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _score(page, line: ItemScore, value: int):
    page.locator(f"label[for='score-{line.pk}-{value}']").click()
    state = page.locator(f"#item-{line.pk} .insp-state")
    state.filter(has_text="已保存").wait_for()


def _logout(page):
    page.context.clear_cookies()


def test_inspector_fills_reloads_submits_coordinator_answers_inspector_confirms(
    phone_page, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    page = phone_page
    station = StationFactory(name="郑州二七授权维修站")
    inspector = make_user(roles.INSPECTOR)
    coordinator = make_user(roles.COORDINATOR, station)
    inspection = services.inspection_schedule(
        station=station, inspector=inspector, scheduled_for=clock.today(), actor=make_user(roles.HQ)
    )
    lines = list(inspection.scores.order_by("section_position", "position"))

    login(page, live_server, inspector.username, PASSWORD)
    page.goto(f"{live_server.url}/inspections/")
    page.locator(f"[data-inspection='{inspection.pk}']").click()
    page.wait_for_url(f"**/inspections/{inspection.pk}/fill/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone

    # First half: full marks, except the first item (7 of 10) with a comment and a photo.
    _score(page, lines[0], 7)
    page.locator(f"#item-{lines[0].pk} .insp-comment").fill("有3张工单缺少客户签字")
    page.locator(f"#item-{lines[0].pk} .insp-comment").blur()
    page.locator(f"#item-{lines[0].pk} .insp-state").filter(has_text="已保存").wait_for()
    photo = tmp_path / "shelf.jpg"
    Image.new("RGB", (2000, 1500), (120, 90, 60)).save(photo)
    page.locator(f"#item-{lines[0].pk} .insp-photo").set_input_files(str(photo))
    page.locator(f"#item-{lines[0].pk} .insp-thumb-sm:not(.d-none)").wait_for()
    for line in lines[1:8]:
        _score(page, line, line.max_score)

    # Reload mid-way: everything is still there.
    page.reload()
    assert page.locator(f"#score-{lines[0].pk}-7").is_checked()
    assert page.locator(f"#item-{lines[0].pk} .insp-comment").input_value() == "有3张工单缺少客户签字"
    assert page.locator("#insp-progress").inner_text() == "8/17"

    # Lose the connection: the tap is kept on the phone and sent when the browser is back online.
    page.context.set_offline(True)
    page.locator(f"label[for='score-{lines[8].pk}-{lines[8].max_score}']").click()
    page.locator(f"#item-{lines[8].pk} .insp-state").filter(has_text="无网络").wait_for()
    assert ItemScore.objects.get(pk=lines[8].pk).score is None
    page.context.set_offline(False)
    page.locator(f"#item-{lines[8].pk} .insp-state").filter(has_text="已保存").wait_for()
    assert ItemScore.objects.get(pk=lines[8].pk).score == lines[8].max_score

    # The request fails (flaky network) and the phone is reloaded: the tap is replayed from the phone.
    page.route("**/items/**", lambda route: route.abort())
    page.locator(f"label[for='score-{lines[9].pk}-{lines[9].max_score}']").click()
    page.locator(f"#item-{lines[9].pk} .insp-state").filter(has_text="无网络").wait_for()
    page.unroute("**/items/**")
    page.reload()
    page.locator(f"#item-{lines[9].pk} .insp-state").filter(has_text="已保存").wait_for()
    assert page.locator(f"#score-{lines[9].pk}-{lines[9].max_score}").is_checked()
    assert ItemScore.objects.get(pk=lines[9].pk).score == lines[9].max_score

    for line in lines[10:]:
        _score(page, line, line.max_score)
    page.locator("#id_summary").fill("工单记录需完善")
    page.locator("#submit-inspection").click()
    page.wait_for_url(f"**/inspections/{inspection.pk}/")
    assert page.locator("#inspection-total").inner_text() == "97"
    assert page.locator("#inspection-grade").inner_text() == "A"
    inspection.refresh_from_db()
    assert (inspection.status, inspection.total, inspection.grade) == (Inspection.Status.SUBMITTED, 97, "A")
    rect = Rectification.objects.get(inspection=inspection)
    assert rect.item_score_id == lines[0].pk

    # The coordinator answers on the phone.
    _logout(page)
    login(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/inspections/rectifications/")
    page.locator(f"[data-rectification='{rect.pk}']").click()
    page.locator("#id_answer").fill("已补齐客户签字并培训前台")
    page.locator("#id_evidence").set_input_files(str(photo))
    page.locator("#answer-form button[type=submit]").click()
    page.locator("#rect-status").filter(has_text="已回复").wait_for()

    # The inspector confirms.
    _logout(page)
    login(page, live_server, inspector.username, PASSWORD)
    page.goto(f"{live_server.url}/inspections/rectifications/{rect.pk}/")
    assert "已补齐客户签字并培训前台" in page.locator("#rect-answer").inner_text()
    page.locator("#confirm-form button[type=submit]").click()
    page.locator("#rect-status").filter(has_text="已确认").wait_for()
    rect.refresh_from_db()
    assert rect.status == Rectification.Status.CONFIRMED
    assert rect.evidence


def test_photo_taken_offline_waits_on_the_phone_and_arrives_once_with_its_score_and_comment(
    phone_page, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    page = phone_page
    inspector = make_user(roles.INSPECTOR)
    inspection = services.inspection_schedule(
        station=StationFactory(), inspector=inspector, scheduled_for=clock.today(), actor=make_user(roles.HQ)
    )
    line = inspection.scores.order_by("section_position", "position").first()
    photo_url = f"/api/v1/inspections/{inspection.pk}/scores/{line.pk}/"
    answered = []  # photo uploads the server answered
    page.on("requestfinished", lambda r: answered.append(r) if r.url.endswith(photo_url) else None)

    login(page, live_server, inspector.username, PASSWORD)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/fill/")
    queue = page.locator("#insp-upload-queue")
    assert queue.get_attribute("data-count") == "0" and not queue.is_visible()

    page.context.set_offline(True)
    page.locator(f"label[for='score-{line.pk}-5']").click()
    page.locator(f"#item-{line.pk} .insp-comment").fill("灭火器过期")
    shot = tmp_path / "extinguisher.jpg"
    Image.new("RGB", (1200, 900), (200, 30, 30)).save(shot)
    page.locator(f"#item-{line.pk} .insp-photo").set_input_files(str(shot))
    page.locator("#insp-upload-queue[data-count='1']").wait_for()  # shown
    page.locator(f"#item-{line.pk} .insp-state[data-state='offline']").wait_for()
    line.refresh_from_db()
    assert not line.photo and line.score is None

    page.context.set_offline(False)  # Chromium's own `online` event sends the queue
    page.locator(f"#item-{line.pk} .insp-thumb-sm:not(.d-none)").wait_for()
    page.locator("#insp-upload-queue[data-count='0']").wait_for(state="attached")
    assert not queue.is_visible()
    line.refresh_from_db()
    assert (line.score, line.comment) == (5, "灭火器过期")
    assert line.photo
    stored = line.photo.name

    # A reload sends nothing again: the queue on the phone is empty.
    page.reload()
    page.locator("#insp-upload-queue[data-count='0']").wait_for(state="attached")
    page.wait_for_timeout(500)
    line.refresh_from_db()
    assert line.photo.name == stored
    assert [r.url for r in answered if r.response().status == 200] == [f"{live_server.url}{photo_url}"]
    files = list((tmp_path / "inspections" / "photos" / str(inspection.pk)).iterdir())
    assert [f.name for f in files] == [stored.rsplit("/", 1)[1]]
    with Image.open(files[0]) as img:
        assert img.format == "JPEG"
