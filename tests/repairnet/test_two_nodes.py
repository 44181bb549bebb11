"""Stateless web nodes: two real gunicorn processes on two ports share nothing but PostgreSQL, Redis and the media
folder, and a user moves between them freely (issue 17).

The test database is a transactional one (committed rows), so the gunicorn processes, given its name in
DATABASE_URL, see what the test writes; a Celery worker thread of this process takes the export from Redis.
"""

import contextlib
import datetime
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from repairnet import roles
from repairnet.celery import app as celery_app
from settlement import exports
from settlement.models import Statement, WorkbookExport
from settlement.services import previous_month, settlement_month_build
from tests.conftest import celery_eager
from tests.factories import PASSWORD, StationFactory, make_user
from tests.stations.helpers import application_data
from tests.uploads import pdf_bytes

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "two-nodes-metrics-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict  # the test database pytest-django created
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def gunicorn_node(tmp_path: Path, name: str):
    """One web node: gunicorn with the project's gunicorn.conf.py, two workers, on a free port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],  # this pytest worker's Redis database
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": "two-nodes-share-this-secret-key-0123456789abcdef-0123456789",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"prometheus-{name}"),
        "METRICS_TOKEN": METRICS_TOKEN,
        "REPAIRNET_TEST_NOW": "",
    }
    log = (tmp_path / f"{name}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "repairnet.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, (tmp_path / f"{name}.log").read_text()
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            assert time.monotonic() < deadline, "gunicorn did not answer within 90 s"
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def csrf_from(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)


def login(node: str, user) -> requests.Session:
    """A browser logged in through ``node``'s login page."""
    # the nodes run Django's default password hashers, not the suite's fast one
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "twonodessalt")
    user.save(update_fields=["password"])
    browser = requests.Session()
    page = browser.get(f"{node}/accounts/login/", timeout=10)
    answer = browser.post(
        f"{node}/accounts/login/",
        data={"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_from(page)},
        headers={"Referer": f"{node}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302 and "sessionid" in browser.cookies, answer.text[:500]
    return browser


@pytest.fixture
def two_nodes(tmp_path):
    with gunicorn_node(tmp_path, "a") as a, gunicorn_node(tmp_path, "b") as b:
        yield a, b


@pytest.fixture
def month_with_statements():
    from tests.stations.factories import CertificateFactory
    from tests.tickets.factories import completed_ticket

    month = previous_month()
    for station in (StationFactory(), StationFactory()):
        technician = make_user(roles.TECHNICIAN, station)
        CertificateFactory(user=technician, issued_on=datetime.date(2020, 1, 1), expires_on=datetime.date(2099, 1, 1))
        completed_at = datetime.datetime(month.year, month.month, 5, 10, tzinfo=timezone.get_default_timezone())
        completed_ticket(
            station=station, technician=technician, completed_at=completed_at, callback_outcome="confirmed"
        )
    settlement_month_build(month=month)
    assert Statement.objects.filter(month=month).count() == 2
    return month


@pytest.fixture
def held_export(monkeypatch):
    """The real export, held by its worker right after its first progress report until the test has seen that
    report on the other node (the month here is small: it would otherwise finish between two polls)."""
    reported, release = threading.Event(), threading.Event()
    real_build = exports.workbook_build
    monkeypatch.setattr(exports, "CHUNK", 1)  # report after every row

    def build(*, month, path, progress):
        def held(done, total):
            progress(done, total)
            if not reported.is_set():
                reported.set()
                release.wait(30)

        return real_build(month=month, path=path, progress=held)

    monkeypatch.setattr(exports, "workbook_build", build)
    return reported, release


# The gunicorn nodes are separate processes on the machine's real clock; the test process's pinned clock
# (REPAIRNET_TEST_NOW) would put the two in different months. The run at the real time (CI's first run) covers it.
@pytest.mark.skipif(bool(os.environ.get("REPAIRNET_TEST_NOW")), reason="the nodes cannot follow a pinned test clock")
def test_session_upload_and_export_progress_move_between_two_gunicorn_nodes(
    two_nodes, month_with_statements, held_export
):
    from celery.contrib.testing.worker import start_worker

    node_a, node_b = two_nodes
    month = f"{month_with_statements:%Y-%m}"
    finance, reviewer = make_user(roles.FINANCE), make_user(roles.HQ)

    # 1. Logged in on A, the session carries on on B.
    browser = login(node_a, finance)
    page_b = browser.get(f"{node_b}/settlement/months/{month}/", allow_redirects=False, timeout=10)
    assert page_b.status_code == 200 and 'id="export-workbook"' in page_b.text
    assert requests.get(f"{node_b}/settlement/months/{month}/", allow_redirects=False, timeout=10).status_code == 302

    # 2. A document uploaded through A is downloaded, byte for byte, from B.
    payload = {k: ("on" if v is True else v) for k, v in application_data().items() if v is not False}
    created = requests.post(
        f"{node_a}/api/v1/applications/",
        data=payload,
        files={
            "business_licence": ("licence.pdf", pdf_bytes(), "application/pdf"),
            "financial_report": ("report.pdf", pdf_bytes(2), "application/pdf"),
        },
        timeout=20,
    )
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    document = login(node_a, reviewer).get(
        f"{node_b}/stations/applications/{application_id}/documents/business_licence/", timeout=10
    )
    assert document.status_code == 200 and document.content == pdf_bytes()
    anonymous = requests.get(
        f"{node_b}/stations/applications/{application_id}/documents/business_licence/",
        allow_redirects=False,
        timeout=10,
    )
    assert anonymous.status_code == 302  # still permission-checked on B

    # 3. An export started on A shows its progress on B, and its file downloads from B.
    reported, release = held_export
    started = browser.post(
        f"{node_a}/settlement/months/{month}/workbook/export/",
        data={"csrfmiddlewaretoken": csrf_from(page_b)},
        headers={"Referer": f"{node_a}/settlement/months/{month}/"},
        allow_redirects=False,
        timeout=10,
    )
    assert started.status_code == 302, started.text
    export = WorkbookExport.objects.get()
    assert started.headers["Location"].endswith(f"?export={export.pk}")
    status_b = f"{node_b}/settlement/exports/{export.pk}/"
    assert browser.get(status_b, timeout=10).json()["status"] == "queued"  # in Redis, no worker yet

    celery_eager(False)
    try:
        with start_worker(
            celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=["default", "heavy"]
        ):
            assert reported.wait(60), "the worker never reported progress"
            running = browser.get(status_b, timeout=10).json()
            release.set()
            assert (running["status"], running["progress"], running["done"]) == ("running", 25, False)  # 1 of 4 rows
            deadline = time.monotonic() + 60
            while not (state := browser.get(status_b, timeout=10).json())["done"]:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        release.set()
        celery_eager(True)
    assert (state["status"], state["progress"]) == ("done", 100)
    workbook = browser.get(f"{node_b}{state['download_url']}", timeout=10)
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert len(list(book.worksheets[0].iter_rows())) >= 3  # header, two statements (and the totals)

    # Each node's /metrics adds up its own two workers (PROMETHEUS_MULTIPROC_DIR) and reads the shared queues.
    # The worker counts the task's success when the task has returned, a moment after the export reads "done".
    success = 'repairnet_celery_tasks_total{outcome="success",task="settlement.tasks.workbook_export_task"} 1.0'
    deadline = time.monotonic() + 15
    while True:
        scrape = requests.get(f"{node_a}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
        assert scrape.status_code == 200
        if success in scrape.text or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert 'repairnet_celery_queue_length{queue="heavy"} 0.0' in scrape.text
    assert success in scrape.text
    served = re.search(r'django_http_responses_total_by_status_total\{status="200"\} (\d+)', scrape.text)
    # A answered with a 200 its health check and the two login pages (a redirect or a 201 counts elsewhere), plus any
    # earlier scrape of this loop: at least three, whichever of its two workers served each.
    assert served and float(served.group(1)) >= 3
    assert requests.get(f"{node_b}/metrics", timeout=10).status_code == 403
