import datetime

import pytest

from repairnet.celery import app as celery_app
from repairnet.models import JobRun
from repairnet.tasks import job_runs_prune_task
from tests import clock
from tests.conftest import celery_eager

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_real_worker_runs_task_through_redis_broker():
    """A real Celery worker thread consumes from Redis and runs the task against the test database."""
    from celery.contrib.testing.worker import start_worker

    old = JobRun.objects.create(name="old")
    JobRun.objects.filter(pk=old.pk).update(started_at=clock.now() - datetime.timedelta(days=400))
    celery_eager(False)
    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            result = job_runs_prune_task.delay()
            assert result.get(timeout=30) == {"deleted": 1}
    finally:
        celery_eager(True)
    assert not JobRun.objects.filter(pk=old.pk).exists()
    assert JobRun.objects.get(name="job_runs_prune").ok is True
