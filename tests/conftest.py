import os

import pytest

from repairnet import roles
from repairnet.celery import app as celery_app

from .factories import StationFactory, make_user


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Tests run tasks in-process unless a test starts a real worker (tests marked ``redis``)."""
    celery_eager(True)
    yield


def celery_eager(flag: bool) -> None:
    """Switch eager task execution. The app reads Django settings under the CELERY_ namespace, so the
    namespaced keys must be set (``conf.task_always_eager = …`` would be shadowed by the settings)."""
    celery_app.conf.update(CELERY_TASK_ALWAYS_EAGER=flag, CELERY_TASK_EAGER_PROPAGATES=True)


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Transactional tests empty every table when they finish, which takes the rows created by data
    migrations (roles, regions, SLA policies, fee rules, checklists…) with them. Put them back first."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group

    if not Group.objects.exists():
        _replay_data_migrations()
    yield


def _replay_data_migrations() -> None:
    from django.apps import apps
    from django.db import ProgrammingError, connection, transaction
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.operations.special import RunPython

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    with connection.schema_editor() as editor:
        for migration, _backwards in plan:
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    try:
                        with transaction.atomic():
                            operation.code(apps, editor)
                    except ProgrammingError:
                        pass  # DDL such as triggers survives a flush and is already there


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
