"""Named locks held until the transaction ends, for writes that must not run twice at once (two identical
ticket creations at the same moment, say): a PostgreSQL advisory transaction lock. SQLite, the newcomer's
database, lets one writer at a time anyway, so there it is nothing."""

from django.db import connection


def hold(*names: str) -> None:
    """Take the locks of ``names`` (in sorted order, so two callers never wait on each other in a circle)."""
    if connection.vendor != "postgresql" or not names:
        return
    ordered = sorted(set(names))
    calls = ", ".join(["pg_advisory_xact_lock(hashtextextended(%s, 0))"] * len(ordered))
    with connection.cursor() as cursor:  # one statement: each lock costs a round trip otherwise
        cursor.execute(f"SELECT {calls}", ordered)
