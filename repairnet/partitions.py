"""Monthly partitions of the audit-event table (PostgreSQL; migration 0012 made the table partitioned).

Each month's partition is made ahead of time so events land in it, not in the DEFAULT partition that only
catches what no month holds. The SQL function the migration installs does the work, moving any rows of that
month out of the default first; on SQLite the table is plain and there is nothing to do.
"""

import datetime

from django.db import connection
from django.utils import timezone

AUDIT_TABLE = "repairnet_auditevent"
MONTHS_AHEAD = 3


def _months(first: datetime.date, count: int) -> list[datetime.date]:
    months = [first.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] + datetime.timedelta(days=31)).replace(day=1))
    return months


def audit_partitions_ensure(*, months_ahead: int = MONTHS_AHEAD, today: datetime.date | None = None) -> list[str]:
    """Create the partitions of this month and the ``months_ahead`` next ones that are missing; their names."""
    if connection.vendor != "postgresql":
        return []
    created = []
    with connection.cursor() as cursor:
        for month in _months(today or timezone.localdate(), months_ahead + 1):
            cursor.execute(f"SELECT {AUDIT_TABLE}_partition(%s)", [month])
            if cursor.fetchone()[0]:
                created.append(f"{AUDIT_TABLE}_{month:%Y_%m}")
    return created
