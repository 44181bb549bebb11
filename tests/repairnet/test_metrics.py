"""/metrics: refused without the token or an allowed network; request latency, queue lengths, task outcomes."""

import pytest
import redis
from django.conf import settings as django_settings

from repairnet.celery import app as celery_app
from repairnet.tasks import job_runs_prune_task

pytestmark = pytest.mark.django_db

TOKEN = "scraper-secret-0123456789"


@celery_app.task(name="tests.metrics.always_fails")
def always_fails():
    raise ValueError("boom")


@pytest.fixture
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return settings


def test_metrics_refused_without_token_or_allowed_network(client, metrics_settings):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 403  # not a bearer token
    metrics_settings.METRICS_TOKEN = ""  # no token configured: an empty bearer opens nothing
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403
    metrics_settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]  # the test client is 127.0.0.1
    assert client.get("/metrics").status_code == 403


def test_metrics_with_the_token_or_from_an_allowed_network(client, metrics_settings):
    client.get("/healthz")
    scrape = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scrape.status_code == 200 and scrape["Content-Type"].startswith("text/plain")
    body = scrape.content.decode()
    assert 'django_http_requests_latency_seconds_by_view_method_bucket{le="0.1",method="GET",view="healthz"}' in body
    metrics_settings.METRICS_TOKEN = ""
    metrics_settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200


def _scrape(client) -> str:
    return client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode()


def test_task_outcomes_are_counted_from_celery_signals(client, metrics_settings):
    job_runs_prune_task.delay()
    job_runs_prune_task.delay()
    assert always_fails.apply(throw=False).failed()  # as a worker runs it: the error recorded, not raised
    body = _scrape(client)
    assert 'repairnet_celery_tasks_total{outcome="success",task="repairnet.tasks.job_runs_prune_task"} 2.0' in body
    assert 'repairnet_celery_tasks_total{outcome="failure",task="tests.metrics.always_fails"} 1.0' in body
    assert 'outcome="success",task="tests.metrics.always_fails"' not in body


def test_no_queue_length_without_a_redis_broker(client, metrics_settings):
    metrics_settings.CELERY_BROKER_URL = "memory://"
    assert "repairnet_celery_queue_length" not in _scrape(client)


@pytest.mark.redis
def test_queue_lengths_per_queue_from_the_redis_broker(client, metrics_settings):
    queue = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    queue.delete("default", "heavy", "heavy\x06\x166")
    try:
        queue.rpush("heavy", "a", "b")
        queue.rpush("heavy\x06\x166", "c")  # a task sent with priority 6
        queue.rpush("default", "d")
        body = _scrape(client)
    finally:
        queue.delete("default", "heavy", "heavy\x06\x166")
    assert 'repairnet_celery_queue_length{queue="heavy"} 3.0' in body
    assert 'repairnet_celery_queue_length{queue="default"} 1.0' in body
    assert "repairnet_celery_broker_up 1.0" in body


@pytest.mark.redis
def test_broker_down_is_reported_not_an_error(client, metrics_settings):
    metrics_settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    scrape = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scrape.status_code == 200 and "repairnet_celery_broker_up 0.0" in scrape.content.decode()
