import datetime

import pytest
from django_celery_beat.models import PeriodicTask

from repairnet.models import JobRun
from spares import services
from spares.models import Obligation
from spares.tasks import obligation_mark_overdue_task
from tests import clock
from tests.tickets.factories import TicketFactory

from .conftest import staff_of

pytestmark = pytest.mark.django_db


def test_daily_schedule_exists_in_the_database():
    task = PeriodicTask.objects.get(task="spares.tasks.obligation_mark_overdue_task")
    assert task.enabled and task.crontab.timezone.key == "Asia/Shanghai"


def test_task_marks_overdue_once_and_records_the_run(stocked_station, part, hq_user):
    ticket = TicketFactory(station=stocked_station, in_warranty=True)
    services.stock_use_for_ticket(
        ticket=ticket, parts=[{"item_id": part.pk, "quantity": 1}], actor=staff_of(ticket.station)
    )
    Obligation.objects.update(due_date=clock.today() - datetime.timedelta(days=1))
    assert obligation_mark_overdue_task.delay().get() == {"overdue": 1}
    assert obligation_mark_overdue_task.delay().get() == {"overdue": 0}
    assert Obligation.objects.get().status == Obligation.Status.OVERDUE
    assert JobRun.objects.filter(name="spares.obligation_mark_overdue", ok=True).count() == 2
