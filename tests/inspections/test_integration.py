"""Inspections ↔ stations: real penalty/reward records and the assessment feed."""

import datetime
from decimal import Decimal

import pytest

from inspections import services
from inspections.models import Rectification
from inspections.selectors import latest_inspection_scores
from inspections.tasks import rectification_mark_overdue_task
from tests import clock
from tests.factories import StationFactory

from .conftest import days_ago, fill, submit_filled

pytestmark = pytest.mark.django_db


def _sanctions(station, code):
    from stations.models import Sanction

    return Sanction.objects.filter(station=station, rule__code=code)


def test_overdue_job_raises_exactly_one_penalty_record(schedule, inspector, station):
    inspection = schedule()
    fill(inspection, inspector, {"image.clean": 1, "image.prices": 0})
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    Rectification.objects.filter(inspection=inspection).update(deadline=days_ago(1))
    for _ in range(4):
        rectification_mark_overdue_task.delay()
    penalties = _sanctions(station, "rectification_overdue")
    assert penalties.count() == 2  # one per overdue item, never more
    assert {p.amount for p in penalties} == {Decimal("-100.00")}
    assert sorted(p.source_ref for p in penalties) == sorted(
        f"rectification:{pk}" for pk in Rectification.objects.values_list("pk", flat=True)
    )
    # Even if the flag were lost, the (rule, source_ref) key keeps it to one record per item.
    Rectification.objects.update(is_overdue=False)
    services.rectification_mark_overdue()
    assert penalties.count() == 2


def test_grade_d_raises_penalty_record_once_and_reinspection(schedule, inspector, station):
    inspection = schedule()
    fill(inspection, inspector, default_full=False)
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    penalty = _sanctions(station, "inspection_grade_d").get()
    assert penalty.amount == Decimal("-300.00")
    assert penalty.source_ref == f"inspection:{inspection.pk}"
    assert inspection.reinspection.scheduled_for <= clock.today() + datetime.timedelta(days=30)


def test_grade_a_raises_reward_record(schedule, inspector, station):
    inspection = schedule()
    submit_filled(inspection, inspector)
    assert _sanctions(station, "inspection_grade_a").get().amount == Decimal("300.00")
    assert not _sanctions(station, "inspection_grade_d").exists()


def test_latest_inspection_scores_feed(schedule, inspector, hq, station):
    other = StationFactory()
    never = StationFactory()
    first = schedule()
    fill(first, inspector, {"records.tickets": 0})
    services.inspection_submit(inspection_id=first.pk, actor=inspector)
    later = services.inspection_schedule(
        station=station, inspector=inspector, scheduled_for=clock.today() + datetime.timedelta(days=3), actor=hq
    )
    fill(later, inspector, {"records.tickets": 5})
    services.inspection_submit(inspection_id=later.pk, actor=inspector)
    services.inspection_schedule(station=other, inspector=inspector, scheduled_for=clock.today(), actor=hq)
    today = clock.today()
    assert latest_inspection_scores(station_ids=[station.pk, other.pk, never.pk], on=today) == {station.pk: Decimal(90)}
    result = latest_inspection_scores(station_ids=[station.pk], on=today + datetime.timedelta(days=5))
    assert result == {station.pk: Decimal(95)}
    assert isinstance(result[station.pk], Decimal)
