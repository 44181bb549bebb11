"""Time finance's "run this month" click while the job queue is down: the page must answer within 2 s.

The broker URL points at a port nothing listens on (a stopped Redis refuses connections the same way);
the database is a throw-away one:

    createdb -h 127.0.0.1 -U postgres rn_broker_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rn_broker_bench REDIS_URL=redis://127.0.0.1:1/0 \\
        .venv/bin/python bench/broker_down.py [--runs 20]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairnet.settings")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from repairnet import roles  # noqa: E402
from repairnet.models import User  # noqa: E402
from settlement.models import SettlementRun  # noqa: E402
from settlement.services import previous_month  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"broker: {settings.CELERY_BROKER_URL}; eager: {settings.CELERY_TASK_ALWAYS_EAGER}")
    call_command("migrate", verbosity=0)
    setup_test_environment()
    finance, _ = User.objects.get_or_create(username="bench-finance")
    finance.groups.add(Group.objects.get(name=roles.FINANCE))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", SERVER_NAME="localhost")
    client.force_login(finance)
    url = f"/settlement/months/{previous_month():%Y-%m}/run/"
    timings = []
    for _ in range(args.runs):
        SettlementRun.objects.all().delete()
        started = time.perf_counter()
        response = client.post(url, secure=True)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
        assert SettlementRun.objects.get().waiting_for_queue
    timings.sort()
    print(
        f"POST {url} with the broker down, {args.runs} runs: median {statistics.median(timings) * 1000:.0f} ms, "
        f"max {timings[-1] * 1000:.0f} ms; every run recorded and waiting for the queue"
    )


if __name__ == "__main__":
    main()
