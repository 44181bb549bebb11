import datetime

import pytest

from repairnet.celery import app as celery_app
from repairnet.models import JobRun
from tests import clock
from tests.conftest import celery_eager
from tickets.models import Callback
from tickets.tasks import callbacks_sweep_task, sla_breaches_record_task

from .factories import completed_ticket

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_callback_and_sla_jobs_run_through_a_real_worker_and_are_idempotent():
    """A real Celery worker consumes the jobs from Redis; running them twice changes nothing more."""
    from celery.contrib.testing.worker import start_worker

    ticket = completed_ticket(open_callback=False, complete_due_at=clock.now() - datetime.timedelta(hours=1))
    celery_eager(False)
    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            assert callbacks_sweep_task.delay().get(timeout=30)["created"] == 1
            assert callbacks_sweep_task.delay().get(timeout=30)["created"] == 0
            assert sla_breaches_record_task.delay().get(timeout=30) == {"recorded": 1}
            assert sla_breaches_record_task.delay().get(timeout=30) == {"recorded": 0}
    finally:
        celery_eager(True)
    assert Callback.objects.filter(ticket=ticket).count() == 1
    assert ticket.breaches.count() == 1
    assert JobRun.objects.filter(name="callbacks_sweep", ok=True).count() == 2
