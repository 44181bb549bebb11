import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from repairnet import roles
from repairnet.celery import app as celery_app

from . import clock
from .factories import StationFactory, make_user


def pytest_configure(config):
    import tempfile

    from django.conf import settings

    # Django's default PBKDF2 costs ~0.3 s a user on this machine; tests only need a hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Parallel workers (pytest-xdist) share nothing: each has its own database (pytest-django adds the
    # worker's name), its own uploads folder, and its own Redis database for the cache and the broker,
    # so one worker's cache.clear() or Celery worker never touches another's.
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A test database need not survive a power cut: commits skip the WAL flush.
        options = settings.DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
        # A second database stands in for the read replica (tests/repairnet/test_replica.py); it is created only
        # for the tests that ask for it, and reports read it only where a test turns REPLICA_READS on.
        default = settings.DATABASES["default"]
        test = {**default.get("TEST", {}), "NAME": None, "MIRROR": None}
        settings.DATABASES.setdefault("replica", {**default, "NAME": f"{default['NAME']}_replica", "TEST": test})
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix=f"repairnet-media-{worker}-")
    if settings.REDIS_URL:
        url = urlsplit(settings.REDIS_URL)
        base = int(url.path.strip("/") or 0)
        db = (base - 1 - int(worker.removeprefix("gw"))) % 16
        worker_url = urlunsplit(url._replace(path=f"/{db}"))
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": worker_url}}
        settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = worker_url


@pytest.fixture(autouse=True, scope="session")
def _session_clock():
    """With REPAIRNET_TEST_NOW set, session- and module-wide setup already happens at that instant."""
    with clock.pinned_travel():
        yield


@pytest.fixture(autouse=True)
def _test_clock(_session_clock):
    """…and every test starts at it again, so none runs later in the day than the instant named."""
    with clock.pinned_travel():
        yield


def pytest_report_header(config):
    instant = clock.pinned()
    return f"clock: {'pinned at ' + instant.isoformat() if instant else 'real time'} ({clock.ENV})"


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Tests run tasks in-process unless a test starts a real worker (tests marked ``redis``)."""
    celery_eager(True)
    yield


def celery_eager(flag: bool) -> None:
    """Switch eager task execution. The app reads Django settings under the CELERY_ namespace, so the
    namespaced keys must be set (``conf.task_always_eager = …`` would be shadowed by the settings)."""
    celery_app.conf.update(CELERY_TASK_ALWAYS_EAGER=flag, CELERY_TASK_EAGER_PROPAGATES=True)


@pytest.fixture(scope="session")
def _migrated_snapshot(django_db_setup, django_db_blocker) -> str:
    """The rows the migrations create (roles, regions, SLA policies, fee rules, checklists…), taken once
    per test database right after it is migrated."""
    from django.db import connection

    with django_db_blocker.unblock():
        return connection.creation.serialize_db_to_string()


@pytest.fixture
def reference_data(_migrated_snapshot, django_db_blocker):
    """Puts the migrations' rows back when a transactional test's flush took them. A flush re-creates
    content types and permissions under new ids, so those go first and come back with their old ids."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    with django_db_blocker.unblock():
        if Group.objects.exists():
            return
        with transaction.atomic():
            ContentType.objects.all().delete()
            connection.creation.deserialize_db_from_string(_migrated_snapshot)
        ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _reference_data_for_db_tests(request):
    """Every database test starts from the migrated reference data."""
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("reference_data")
    yield


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))


@pytest.fixture
def station(db):
    return StationFactory()


@pytest.fixture
def other_station(db):
    return StationFactory()


@pytest.fixture
def agent(db):
    """A hotline agent (a module may override it, e.g. with an API client)."""
    return make_user(roles.HOTLINE)


@pytest.fixture
def tech(station):
    """A technician certified at ``station``."""
    from .tickets.factories import certified_technician

    return certified_technician(station)


@pytest.fixture
def user_for(db):
    """user_for(roles.HQ) or user_for(roles.TECHNICIAN, station=...)"""
    return make_user


@pytest.fixture
def client_for(db, client):
    """client_for(role, station=None) → a Django test client logged in as a fresh user of that role."""

    def _client(role: str, station=None):
        from django.test import Client

        c = Client()
        c.force_login(make_user(role, station))
        return c

    return _client


ALL_ROLES = roles.ALL_ROLES
