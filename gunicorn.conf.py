"""gunicorn settings for production (docker-compose `web`). Values come from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # long exports stream; keep below proxy timeout
graceful_timeout = 30
max_requests = 2000  # recycle workers to bound memory growth
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# One line per request, easy to parse: time, client, request, status, bytes, duration in microseconds.
access_log_format = '%(t)s remote=%(h)s method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s duration_us=%(D)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


# Prometheus (repairnet/metrics.py): each worker keeps its request metrics in files under PROMETHEUS_MULTIPROC_DIR,
# which /metrics adds up. The folder must be this node's own and empty at start (old workers' counts would come
# back), and a dead worker's live gauges are dropped.
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server):
    if _multiproc_dir:
        os.makedirs(_multiproc_dir, exist_ok=True)
        for name in os.listdir(_multiproc_dir):
            if name.endswith(".db"):
                os.unlink(os.path.join(_multiproc_dir, name))


def child_exit(server, worker):
    if _multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
