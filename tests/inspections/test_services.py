import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inspections import services
from inspections.models import ChecklistItem, Inspection, Rectification
from inspections.tasks import rectification_mark_overdue_task
from repairnet import roles
from repairnet.models import AuditEvent, JobRun
from tests import clock
from tests.factories import make_user

from .conftest import days_ago, fill, submit_filled

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("total", "grade"), [(100, "A"), (90, "A"), (89, "B"), (80, "B"), (79, "C"), (60, "C"), (59, "D"), (0, "D")]
)
def test_grade_for_thresholds(total, grade):
    assert services.grade_for(total) == grade


def test_default_template_totals_100_in_four_sections():
    from inspections.selectors import template_current

    template = template_current()
    assert template.version == 1
    assert template.total_max_score() == 100
    assert [s.title for s in template.sections.all()] == [
        "维修服务中心/站填写记录报表的管理",
        "维修服务的管理",
        "备机备件的管理",
        "店面形象",
    ]
    texts = set(ChecklistItem.objects.filter(section__template=template).values_list("text", flat=True))
    assert {"本月日报按时提交", "故障件隔离并标识", "授权证书悬挂于显眼位置"} <= texts


def test_schedule_copies_checklist_snapshot(schedule):
    inspection = schedule()
    assert inspection.status == Inspection.Status.DRAFT
    assert inspection.template_version == 1
    assert inspection.scores.count() == 17
    assert sum(inspection.scores.values_list("max_score", flat=True)) == 100


def test_schedule_refuses_non_inspector_and_past_date(station, hq):
    with pytest.raises(ValidationError):
        services.inspection_schedule(
            station=station, inspector=make_user(roles.HQ), scheduled_for=clock.today(), actor=hq
        )
    with pytest.raises(ValidationError):
        services.inspection_schedule(
            station=station, inspector=make_user(roles.INSPECTOR), scheduled_for=days_ago(1), actor=hq
        )


def test_submit_computes_exact_total_grade_and_rectifications(schedule, inspector):
    inspection = schedule()
    fill(inspection, inspector, {"records.tickets": 7, "spares.defective": 0, "image.certificate": 2})
    inspection = services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    assert inspection.total == 100 - 3 - 6 - 1 == 90
    assert inspection.grade == "A"
    assert inspection.status == Inspection.Status.SUBMITTED
    rects = Rectification.objects.filter(inspection=inspection).select_related("item_score")
    assert sorted(r.item_score.item_code for r in rects) == ["image.certificate", "records.tickets", "spares.defective"]
    expected_deadline = clock.today() + datetime.timedelta(days=15)
    assert {r.deadline for r in rects} == {expected_deadline}
    assert {r.status for r in rects} == {Rectification.Status.OPEN}


def test_every_below_max_item_has_rectification(schedule, inspector):
    inspection = schedule()
    lines = list(inspection.scores.all())
    fill(inspection, inspector, {line.item_code: line.max_score - 1 for line in lines[::2]})
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    below = inspection.scores.filter(score__lt=models_F("max_score"))
    assert below.count() == len(lines[::2])
    assert all(hasattr(line, "rectification") for line in below)
    assert Rectification.objects.filter(inspection=inspection).count() == below.count()


def models_F(name):
    from django.db.models import F

    return F(name)


def test_submit_refuses_unscored_items(schedule, inspector):
    inspection = schedule()
    first = inspection.scores.first()
    services.item_score_save(score_id=first.pk, actor=inspector, score=1)
    with pytest.raises(ValidationError) as excinfo:
        services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    assert excinfo.value.code == "unscored"
    assert "16" in excinfo.value.messages[0]
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.DRAFT


def test_score_out_of_range_and_other_inspector_refused(schedule, inspector):
    inspection = schedule()
    line = inspection.scores.first()
    with pytest.raises(ValidationError):
        services.item_score_save(score_id=line.pk, actor=inspector, score=line.max_score + 1)
    with pytest.raises(PermissionDenied):
        services.item_score_save(score_id=line.pk, actor=make_user(roles.INSPECTOR), score=1)
    line.refresh_from_db()
    assert line.score is None


def test_submitted_inspection_cannot_change(schedule, inspector):
    inspection = schedule()
    submit_filled(inspection, inspector)
    line = inspection.scores.first()
    with pytest.raises(ValidationError):
        services.item_score_save(score_id=line.pk, actor=inspector, score=0)
    with pytest.raises(ValidationError):
        services.inspection_submit(inspection_id=inspection.pk, actor=inspector)


def test_template_change_leaves_finished_inspection_untouched(schedule, inspector, hq):
    inspection = schedule()
    fill(inspection, inspector, {"records.tickets": 5})
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    before = list(inspection.scores.values_list("item_text", "max_score", "score"))
    # HQ edits the template in place and makes a new version with other weights.
    item = ChecklistItem.objects.get(code="records.tickets", section__template__version=1)
    item.text = "改过的条目"
    item.max_score = 20
    item.save()
    new = services.template_copy(template_id=item.section.template_id, actor=hq)
    ChecklistItem.objects.filter(section__template=new, code="image.clean").update(max_score=1)
    inspection.refresh_from_db()
    assert inspection.total == 95
    assert inspection.grade == "A"
    assert inspection.template_version == 1
    assert list(inspection.scores.values_list("item_text", "max_score", "score")) == before


def test_new_version_used_for_new_inspections_only_when_total_100(schedule, hq):
    from inspections.selectors import template_current

    new = services.template_copy(template_id=template_current().pk, actor=hq)
    new.is_active = True
    new.save()
    assert template_current() == new
    ChecklistItem.objects.filter(section__template=new, code="image.clean").update(max_score=1)
    assert template_current().version == 1  # an invalid version is never used
    assert schedule().template_version == 1


def test_grade_d_raises_penalty_and_schedules_reinspection(schedule, inspector, monkeypatch):
    raised = []
    monkeypatch.setattr(services, "_raise_sanction", lambda *a: raised.append(a))
    inspection = schedule()
    fill(inspection, inspector, default_full=False)
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    inspection.refresh_from_db()
    assert (inspection.total, inspection.grade) == (0, "D")
    assert [(r[1], r[3]) for r in raised] == [("inspection_grade_d", f"inspection:{inspection.pk}")]
    again = inspection.reinspection
    assert again.status == Inspection.Status.DRAFT
    assert again.inspector == inspector
    assert again.scheduled_for == clock.today() + datetime.timedelta(days=30)


def test_grade_a_raises_reward(schedule, inspector, monkeypatch):
    raised = []
    monkeypatch.setattr(services, "_raise_sanction", lambda *a: raised.append(a))
    inspection = schedule()
    submit_filled(inspection, inspector)
    assert [r[1] for r in raised] == ["inspection_grade_a"]


def test_grade_b_raises_nothing(schedule, inspector, monkeypatch):
    raised = []
    monkeypatch.setattr(services, "_raise_sanction", lambda *a: raised.append(a))
    inspection = schedule()
    fill(inspection, inspector, {"records.tickets": 0, "service.staff": 5})
    inspection = services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    assert (inspection.total, inspection.grade) == (87, "B")
    assert raised == []
    assert not Inspection.objects.filter(reinspection_of=inspection).exists()


@pytest.fixture
def rectification(schedule, inspector):
    inspection = schedule()
    fill(inspection, inspector, {"image.clean": 2})
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    return Rectification.objects.get(inspection=inspection)


def test_rectification_answer_confirm(rectification, coordinator, inspector):
    rect = services.rectification_answer(rectification_id=rectification.pk, actor=coordinator, answer="已清理维修台")
    assert rect.status == Rectification.Status.ANSWERED
    assert rect.answered_by == coordinator
    rect = services.rectification_confirm(rectification_id=rect.pk, actor=inspector)
    assert rect.status == Rectification.Status.CONFIRMED
    verbs = list(
        AuditEvent.objects.filter(object_id=str(rect.pk), content_type__model="rectification").values_list(
            "verb", flat=True
        )
    )
    assert verbs == ["answer", "confirm"]


def test_rectification_reject_needs_reason_and_reopens(rectification, coordinator, inspector):
    services.rectification_answer(rectification_id=rectification.pk, actor=coordinator, answer="已整改")
    with pytest.raises(ValidationError):
        services.rectification_reject(rectification_id=rectification.pk, actor=inspector, reason=" ")
    rect = services.rectification_reject(rectification_id=rectification.pk, actor=inspector, reason="照片看不清")
    assert rect.status == Rectification.Status.OPEN
    assert (rect.reject_reason, rect.rejection_count) == ("照片看不清", 1)
    with pytest.raises(ValidationError):
        services.rectification_confirm(rectification_id=rect.pk, actor=inspector)


def test_rectification_answer_other_station_refused(rectification):
    outsider = make_user(roles.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.rectification_answer(rectification_id=rectification.pk, actor=outsider, answer="x")
    with pytest.raises(ValidationError):
        services.rectification_answer(
            rectification_id=rectification.pk, actor=make_user(roles.COORDINATOR, rectification.station), answer=" "
        )


def test_overdue_raises_exactly_one_penalty_however_often_job_runs(rectification, monkeypatch):
    raised = []
    monkeypatch.setattr(services, "_raise_sanction", lambda *a: raised.append(a))
    Rectification.objects.filter(pk=rectification.pk).update(deadline=days_ago(1))
    for _ in range(3):
        rectification_mark_overdue_task.delay()
    rectification.refresh_from_db()
    assert rectification.is_overdue
    assert [(r[1], r[3]) for r in raised] == [("rectification_overdue", f"rectification:{rectification.pk}")]
    assert JobRun.objects.filter(name="rectification_mark_overdue", ok=True).count() == 3


def test_overdue_skips_answered_and_not_yet_due(rectification, coordinator, monkeypatch):
    raised = []
    monkeypatch.setattr(services, "_raise_sanction", lambda *a: raised.append(a))
    assert services.rectification_mark_overdue() == 0  # deadline not passed
    services.rectification_answer(rectification_id=rectification.pk, actor=coordinator, answer="done")
    Rectification.objects.filter(pk=rectification.pk).update(deadline=days_ago(3))
    assert services.rectification_mark_overdue() == 0
    assert raised == []
