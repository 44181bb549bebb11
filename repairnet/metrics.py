"""Prometheus metrics at /metrics: request latency (django-prometheus middleware), Celery queue lengths and task
outcomes.

Request metrics live in each gunicorn worker's memory; with several workers PROMETHEUS_MULTIPROC_DIR must name an
empty folder shared by the workers of one node (gunicorn.conf.py empties it at start and drops a dead worker's
files), and a scrape adds them up. Queue lengths are read from the broker at scrape time, and task outcomes are
counted in the shared cache by whichever worker ran the task, so every web node reports the same network-wide
figures for those two (aggregate them with max(), not sum()).

/metrics is refused unless the request carries ``Authorization: Bearer <METRICS_TOKEN>`` or comes straight from
an address in METRICS_ALLOWED_NETWORKS (REMOTE_ADDR: the scraper talks to gunicorn, not through the proxy).
"""

import hmac
import ipaddress
import logging
import os

import prometheus_client
from celery.signals import task_failure, task_retry, task_success
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

log = logging.getLogger("repairnet.metrics")

OUTCOMES = ("success", "failure", "retry")
# kombu's Redis transport keeps a queue's priority levels 3, 6 and 9 in lists named "<queue>\x06\x16<level>"
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def queue_names() -> list[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE, *routed})


def _outcome_key(task: str, outcome: str) -> str:
    return f"metrics:celery_task:{outcome}:{task}"


def task_outcome_count(task_name: str | None, outcome: str) -> None:
    """Count one outcome of one task in the shared cache; a cache that is down loses the count, not the task."""
    if not task_name:
        return
    key = _outcome_key(task_name, outcome)
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:
        log.warning("task outcome of %s not counted", task_name, exc_info=True)


@task_success.connect
def _on_success(sender=None, **kwargs):
    task_outcome_count(getattr(sender, "name", None), "success")


@task_failure.connect
def _on_failure(sender=None, **kwargs):
    task_outcome_count(getattr(sender, "name", None), "failure")


@task_retry.connect
def _on_retry(sender=None, **kwargs):
    task_outcome_count(getattr(sender, "name", None), "retry")


class CeleryCollector:
    """Read at scrape time: the length of each queue in the Redis broker and the task outcome counters."""

    def collect(self):
        from .celery import app

        lengths = GaugeMetricFamily(
            "repairnet_celery_queue_length", "Tasks waiting in the broker, per queue.", labels=["queue"]
        )
        broker_up = GaugeMetricFamily("repairnet_celery_broker_up", "1 when the broker answered this scrape.")
        if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
            import redis

            try:
                client = redis.Redis.from_url(
                    settings.CELERY_BROKER_URL, socket_timeout=0.5, socket_connect_timeout=0.5
                )
                with client.pipeline(transaction=False) as pipe:
                    for queue in queue_names():
                        for suffix in PRIORITY_SUFFIXES:
                            pipe.llen(queue + suffix)
                    counts = pipe.execute()
                step = len(PRIORITY_SUFFIXES)
                for index, queue in enumerate(queue_names()):
                    lengths.add_metric([queue], sum(counts[index * step : (index + 1) * step]))
                broker_up.add_metric([], 1)
            except redis.RedisError:
                log.warning("broker unreachable for the queue-length metric", exc_info=True)
                broker_up.add_metric([], 0)
            yield lengths
            yield broker_up

        outcomes = CounterMetricFamily(
            "repairnet_celery_tasks", "Task runs that ended, by task and outcome.", labels=["task", "outcome"]
        )
        tasks = sorted(name for name in app.tasks if not name.startswith("celery."))
        keys = {(task, outcome): _outcome_key(task, outcome) for task in tasks for outcome in OUTCOMES}
        try:
            found = cache.get_many(list(keys.values()))
        except Exception:
            log.warning("task outcome counters unreadable", exc_info=True)
            found = {}
        for (task, outcome), key in keys.items():
            if key in found:
                outcomes.add_metric([task, outcome], found[key])
        yield outcomes


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request):
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    celery_registry = CollectorRegistry(auto_describe=False)
    celery_registry.register(CeleryCollector())
    body = prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(celery_registry)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
