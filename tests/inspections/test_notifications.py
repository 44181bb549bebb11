"""Issue 16: the daily rectification job reminds the station's coordinators of items falling due, once per item
and deadline (the job runs again, nothing doubles), and over a month end."""

import datetime

import pytest

from inspections import services
from inspections.models import Rectification
from repairnet import roles
from repairnet.models import Notification
from tests import clock
from tests.factories import StationFactory, make_user

from .conftest import fill

pytestmark = pytest.mark.django_db


def test_rectification_due_soon_reminds_the_coordinators_once(schedule, inspector, station, coordinator, settings):
    outsider = make_user(roles.COORDINATOR, StationFactory())
    inspection = schedule()
    fill(inspection, inspector, {"records.tickets": 7})
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    rect = Rectification.objects.get(inspection=inspection)
    assert services.rectification_mark_overdue() == 0
    assert not Notification.objects.exists()  # 15 days left: not yet
    day_before = rect.deadline - datetime.timedelta(days=1)
    with clock.travel(datetime.datetime.combine(day_before, datetime.time(9)), tick=False):
        services.rectification_mark_overdue()
        services.rectification_mark_overdue()
    notice = Notification.objects.get(kind=Notification.Kind.RECTIFICATION_DUE)
    assert notice.recipient == coordinator and rect.deadline.isoformat() in notice.message
    assert notice.url == f"/inspections/rectifications/{rect.pk}/"
    assert not Notification.objects.filter(recipient=outsider).exists()
    # an answered item is not reminded of
    Notification.objects.all().delete()
    Rectification.objects.filter(pk=rect.pk).update(status=Rectification.Status.ANSWERED)
    assert services.rectifications_due_remind(today=day_before) == 0


def test_reminder_window_spans_a_month_end(schedule, inspector, coordinator):
    inspection = schedule()
    fill(inspection, inspector, {"records.tickets": 7})
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
    Rectification.objects.update(deadline=datetime.date(2027, 1, 1))
    assert services.rectifications_due_remind(today=datetime.date(2026, 12, 30)) == 1
    assert services.rectifications_due_remind(today=datetime.date(2026, 12, 29)) == 0  # 3 days ahead: not yet
    assert Notification.objects.filter(recipient=coordinator).count() == 1
