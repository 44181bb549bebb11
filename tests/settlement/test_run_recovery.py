"""A settlement run whose worker dies, or that the broker never took, is recovered or marked failed."""

import contextlib
import datetime
import time

import pytest
from django.conf import settings as django_settings

from repairnet.celery import app as celery_app
from settlement.models import SettlementRun
from settlement.services import settlement_run_execute, settlement_run_start, settlement_runs_recover
from settlement.tasks import settlement_runs_recover_task
from tests import clock
from tests.conftest import celery_eager

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: a broker that is down


@contextlib.contextmanager
def broker_at(url: str):
    """Publish to ``url`` (not eagerly): the app's connection and producer pools are rebuilt for it."""
    previous = celery_app.conf.broker_url

    def point(to):
        celery_app.conf.update(CELERY_BROKER_URL=to)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_eager(False)
    point(url)
    try:
        yield
    finally:
        point(previous)
        celery_eager(True)


def _lease():
    return datetime.timedelta(seconds=django_settings.REPAIRNET["RUN_LEASE_SECONDS"])


def _worker_died(run: SettlementRun, *, attempts: int = 1, progress: int = 40) -> None:
    """What a killed worker leaves: running, its lease renewed one lease and a second ago."""
    SettlementRun.objects.filter(pk=run.pk).update(
        status=SettlementRun.Status.RUNNING,
        attempts=attempts,
        progress=progress,
        started_at=clock.now() - _lease(),
        heartbeat_at=clock.now() - _lease() - datetime.timedelta(seconds=1),
        dispatched_at=clock.now() - _lease(),
    )


def test_a_run_whose_worker_died_is_queued_again_and_finished(month, simple_month, finance):
    run = SettlementRun.objects.create(month=month, requested_by=finance)
    _worker_died(run)
    counts = settlement_runs_recover_task.delay().get()  # eager: the sweep dispatches and the run is done
    run.refresh_from_db()
    assert counts == {"requeued": 1, "failed": 0, "dispatched": 1}
    assert run.status == SettlementRun.Status.DONE and run.attempts == 2 and run.drafts_count == 2


def test_a_live_worker_keeps_its_run(month, simple_month, finance):
    run = SettlementRun.objects.create(month=month, requested_by=finance)
    SettlementRun.objects.filter(pk=run.pk).update(
        status=SettlementRun.Status.RUNNING, attempts=1, heartbeat_at=clock.now(), dispatched_at=clock.now()
    )
    assert settlement_runs_recover() == {"requeued": 0, "failed": 0, "dispatched": 0}
    assert settlement_run_execute(run_id=run.pk).status == SettlementRun.Status.RUNNING  # a redelivery waits
    assert settlement_run_start(month=month, actor=finance).pk == run.pk  # asking again shows the live run


def test_a_redelivered_task_takes_over_an_expired_lease(month, simple_month, finance):
    run = SettlementRun.objects.create(month=month, requested_by=finance)
    _worker_died(run)
    run = settlement_run_execute(run_id=run.pk)  # acks_late: the broker hands the killed task to another worker
    assert run.status == SettlementRun.Status.DONE and run.attempts == 2


def test_a_run_that_keeps_losing_its_worker_is_marked_failed_and_offered_again(month, simple_month, finance, client):
    run = SettlementRun.objects.create(month=month, requested_by=finance)
    _worker_died(run, attempts=django_settings.REPAIRNET["RUN_MAX_ATTEMPTS"])
    assert settlement_runs_recover()["failed"] == 1
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.FAILED and run.finished_at is not None
    client.force_login(finance)
    page = client.get(f"/settlement/months/{month:%Y-%m}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "再次运行" in page and "次后仍未完成" in page
    again = settlement_run_start(month=month, actor=finance)
    assert again.pk != run.pk and again.status == SettlementRun.Status.DONE


def test_asking_for_a_month_whose_run_is_stuck_recovers_it(month, simple_month, finance):
    run = SettlementRun.objects.create(month=month, requested_by=finance)
    _worker_died(run)
    again = settlement_run_start(month=month, actor=finance)
    assert again.pk == run.pk and again.status == SettlementRun.Status.DONE


def test_manage_command_finishes_a_stuck_month(month, simple_month, finance):
    from django.core.management import call_command

    run = SettlementRun.objects.create(month=month, requested_by=finance)
    _worker_died(run)
    call_command("settlement_run", month=f"{month:%Y-%m}")
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.DONE


def test_broker_settings_answer_within_two_seconds():
    """Connect timeout plus the publish retries stay under the 2 s the page has (bench/broker_down.py times it)."""
    policy = django_settings.CELERY_TASK_PUBLISH_RETRY_POLICY
    attempts = policy["max_retries"] + 1
    waits = sum(
        min(policy["interval_start"] + i * policy["interval_step"], policy["interval_max"]) for i in range(1, attempts)
    )
    connect = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"]
    assert attempts * connect + waits <= 2


def test_with_the_broker_down_finance_is_told_the_run_has_not_started(month, simple_month, finance, client):
    client.force_login(finance)
    with broker_at(CLOSED_PORT):
        response = client.post(f"/settlement/months/{month:%Y-%m}/run/", HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
        api = client.post("/api/v1/settlement/runs/", {"month": f"{month:%Y-%m}"}, content_type="application/json")
    page = response.content.decode()
    assert response.status_code == 200 and "任务队列" in page and "尚未开始" in page and "已开始" not in page
    run = SettlementRun.objects.get()
    assert run.waiting_for_queue and run.status == SettlementRun.Status.QUEUED
    assert api.status_code == 202 and api.json()["id"] == run.pk and api.json()["waiting_for_queue"] is True
    assert "detail" in api.json()
    status = client.get(f"/settlement/runs/{run.pk}/status/").json()
    assert status["waiting_for_queue"] is True and status["done"] is False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_run_recorded_while_the_broker_was_down_is_dispatched_once_it_is_back(month, simple_month, finance):
    """Real Redis: nothing reaches it while it is 'down'; the sweep hands the run over once it answers."""
    import redis
    from celery.contrib.testing.worker import start_worker

    with broker_at(CLOSED_PORT):
        run = settlement_run_start(month=month, actor=finance)
    assert run.waiting_for_queue
    with broker_at(django_settings.CELERY_BROKER_URL):
        queue = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
        queue.delete("heavy", "default")
        assert settlement_runs_recover() == {"requeued": 0, "failed": 0, "dispatched": 1}
        assert (queue.llen("heavy"), queue.llen("default")) == (1, 0)  # runs go to the heavy queue's workers
        worker = start_worker(
            celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=["default", "heavy"]
        )
        with worker:
            for _ in range(300):
                run.refresh_from_db()
                if run.status == SettlementRun.Status.DONE:
                    break
                time.sleep(0.1)
    assert run.status == SettlementRun.Status.DONE and run.attempts == 1 and run.dispatched_at is not None
