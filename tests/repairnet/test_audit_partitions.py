"""The audit-event table is range-partitioned by Asia/Shanghai month on PostgreSQL (migration 0012), with a
DEFAULT partition so an event of any instant is stored, and a beat task that makes the coming months ahead."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_celery_beat.models import PeriodicTask

from repairnet import roles
from repairnet.models import AuditEvent, JobRun
from repairnet.partitions import audit_partitions_ensure
from repairnet.services import audit_record
from repairnet.tasks import audit_partitions_ahead_task
from tests import clock
from tests.factories import make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"),
]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM repairnet_auditevent WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'repairnet_auditevent'::regclass"
        )
        return {row[0] for row in cursor.fetchall()}


def _record_at(instant: datetime.datetime, user) -> AuditEvent:
    with clock.travel(instant, tick=False):
        return audit_record(obj=user, verb="checked", actor=user, note="partition")


def test_the_audit_table_is_range_partitioned_on_its_time_with_a_default_partition():
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.partstrat, a.attname FROM pg_partitioned_table p
               JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
               WHERE p.partrelid = 'repairnet_auditevent'::regclass"""
        )
        assert cursor.fetchall() == [("r", "at")]
        cursor.execute(
            """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'repairnet_auditevent'::regclass
                 AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"""
        )
        assert cursor.fetchall() == [("repairnet_auditevent_default",)]


def test_events_of_a_far_future_and_a_past_month_are_stored_and_move_into_their_month_when_it_is_made():
    user = make_user(roles.ADMIN)
    future = _record_at(datetime.datetime(2061, 7, 31, 23, 30, tzinfo=SHANGHAI), user)  # 15:30 UTC, still July
    past = _record_at(datetime.datetime(1999, 3, 1, 0, 10, tzinfo=SHANGHAI), user)  # 28 Feb in UTC
    assert _partition_of(future) == _partition_of(past) == "repairnet_auditevent_default"

    made = audit_partitions_ensure(today=datetime.date(2061, 7, 9), months_ahead=1)
    made += audit_partitions_ensure(today=datetime.date(1999, 3, 1), months_ahead=0)

    assert made == ["repairnet_auditevent_2061_07", "repairnet_auditevent_2061_08", "repairnet_auditevent_1999_03"]
    assert _partition_of(future) == "repairnet_auditevent_2061_07"
    assert _partition_of(past) == "repairnet_auditevent_1999_03"
    assert list(AuditEvent.objects.filter(pk__in=[past.pk, future.pk]).values_list("pk", "note")) == [
        (past.pk, "partition"),
        (future.pk, "partition"),
    ]  # ordered by time, each once
    later = _record_at(datetime.datetime(2061, 8, 1, 0, 0, tzinfo=SHANGHAI), user)  # the first instant of August
    assert _partition_of(later) == "repairnet_auditevent_2061_08"
    assert later.pk > past.pk > future.pk  # one sequence for every partition


def test_the_beat_task_makes_this_month_and_the_next_three_once():
    assert PeriodicTask.objects.get(name="repairnet: audit partitions ahead").task == (
        "repairnet.tasks.audit_partitions_ahead_task"
    )
    month = clock.month_start()
    wanted = set()
    for _ in range(4):
        wanted.add(f"repairnet_auditevent_{month:%Y_%m}")
        month = clock.next_month(month)

    audit_partitions_ahead_task.delay()
    assert wanted <= _partitions()
    audit_partitions_ahead_task.delay()

    runs = list(JobRun.objects.filter(name="audit_partitions_ahead").order_by("pk").values_list("ok", "counts"))
    assert runs[-1] == (True, {"created": 0})
    assert len(runs) == 2
