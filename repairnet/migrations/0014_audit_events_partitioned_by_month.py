"""Audit events in a table range-partitioned by month of ``at`` (PostgreSQL only; SQLite keeps the plain table).

A partitioned table's primary key must hold the partition key, so the database's key is (id, at) while Django
keeps ``id`` as the pk: ids come from one identity sequence, so they stay unique. No foreign key points at the
audit table (a key into it would need ``at`` as well). Months are Asia/Shanghai months, the ones the business
counts in. A DEFAULT partition takes any row no month partition holds, so no insert can fail;
``repairnet_auditevent_partition(month)`` creates one month's partition, moving that month's rows out of the
default first (the beat task ``repairnet.tasks.audit_partitions_ahead_task`` calls it for the coming months).
The rows are copied in one statement: a fresh installation or a small table. docs/scaling.md gives the batched
path for a large one.
"""

import datetime
import re

from django.db import migrations
from django.utils import timezone

from repairnet.beat import schedule

TABLE = "repairnet_auditevent"
DEFAULT = f"{TABLE}_default"
MONTHS_AHEAD = 3  # the same lead the beat task keeps

PARTITION_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TABLE}_partition(month date) RETURNS boolean AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    part text := '{TABLE}_' || to_char(first, 'YYYY_MM');
    lo timestamptz := first::timestamp AT TIME ZONE 'Asia/Shanghai';
    hi timestamptz := (first + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai';
BEGIN
    -- One caller at a time, and no insert into the default while its rows of that month move out.
    LOCK TABLE {DEFAULT} IN ACCESS EXCLUSIVE MODE;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    EXECUTE format('INSERT INTO %I SELECT * FROM {DEFAULT} WHERE at >= %L AND at < %L', part, lo, hi);
    EXECUTE format('DELETE FROM {DEFAULT} WHERE at >= %L AND at < %L', lo, hi);
    EXECUTE format('ALTER TABLE {TABLE} ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    RETURN true;
END;
$$ LANGUAGE plpgsql;
"""


def _carried_over(cursor, table: str) -> tuple[list[str], list[str]]:
    """The secondary indexes and the foreign keys of ``table``, as SQL that recreates them on TABLE."""
    cursor.execute(
        """SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = %s::regclass AND NOT i.indisprimary""",
        [table],
    )
    on_old = re.compile(rf" ON (ONLY )?([\w\"]+\.)?{table} ")
    indexes = [on_old.sub(f" ON {TABLE} ", row[0], count=1) for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    keys = [f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}' for name, definition in cursor.fetchall()]
    return indexes, keys


def _rebuild(schema_editor, *, partitioned: bool) -> None:
    """Recreate TABLE, partitioned by month or plain, with its rows, indexes, foreign keys and id sequence."""
    old = f"{TABLE}_old"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        indexes, keys = _carried_over(cursor, old)
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
            + (" PARTITION BY RANGE (at)" if partitioned else "")
        )
        if partitioned:
            cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
            cursor.execute(PARTITION_FUNCTION)
            # A partition for each month that has events, and for this month and the next ones.
            cursor.execute(f"SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'Asia/Shanghai')::date FROM {old}")
            months = {row[0] for row in cursor.fetchall()}
            month = timezone.localdate().replace(day=1)
            for _ in range(MONTHS_AHEAD + 1):
                months.add(month)
                month = (month + datetime.timedelta(days=31)).replace(day=1)
            for month in sorted(months):
                cursor.execute(f"SELECT {TABLE}_partition(%s)", [month])
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {old}")
        (top,) = cursor.fetchone()
        cursor.execute(f"DROP TABLE {old}")
        if not partitioned:
            cursor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_partition(date)")
        # The identity sequence got a free name beside the old table's; take the usual one back.
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        (sequence,) = cursor.fetchone()
        if sequence.split(".")[-1].strip('"') != f"{TABLE}_id_seq":
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
        cursor.execute(f"SELECT setval('{TABLE}_id_seq', %s, %s)", [max(top, 1), top > 0])
        key = "id, at" if partitioned else "id"
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})")
        for sql in indexes + keys:
            cursor.execute(sql)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("repairnet", "0013_outbox_templates_and_sweep"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition),
        # On the 20th at 02:10 (Asia/Shanghai), well before the month the partitions are for.
        schedule(
            "repairnet: audit partitions ahead",
            "repairnet.tasks.audit_partitions_ahead_task",
            minute="10",
            hour="2",
            day_of_month="20",
        ),
    ]
