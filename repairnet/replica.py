"""Read replicas for reports: with ``DATABASE_REPLICA_URL`` set, the queries of a report (dashboards, the
finance workbook, the spares network page) read a streaming replica, so they cannot slow the primary's writes.

Only what runs inside ``reports()`` (or a view under ``@report_view``) goes there, and never inside a
transaction: a write and anything that must read its own writes stay on the primary. Every write goes to the
primary, also for an object that was read from the replica.
"""

import contextlib
import functools
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_in_report: ContextVar[bool] = ContextVar("repairnet_in_report", default=False)


@contextlib.contextmanager
def reports():
    """Reads inside go to the replica when one is configured."""
    token = _in_report.set(True)
    try:
        yield
    finally:
        _in_report.reset(token)


def report_view(view):
    """A read-only report page: its queries read the replica. Put it under the login and role decorators, so
    the user is read from the primary first."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with reports():
            return view(*args, **kwargs)

    return wrapped


def replica_in_use() -> bool:
    return settings.REPLICA_READS and REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _in_report.get() and replica_in_use() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A real replica is a streaming copy and never migrated. A test database standing in for one gets the
        # schema only: data migrations write through the router, which would send their rows to the primary.
        if db == REPLICA:
            return model_name is not None
        return None
