"""Indexes for the ticket lists and searches at network scale (issue 12).

Newest-first lists: (received_at, id), and the same after status or station (it replaces (status, received_at)).
Search: the unique ticket number and serial and the phone indexes exist already (on PostgreSQL each with its
``varchar_pattern_ops`` twin for LIKE 'x%'); on PostgreSQL only, ``pg_trgm`` GIN indexes on UPPER(name) and
UPPER(address) — the expressions Django's ``icontains``/``istartswith`` compare — for name and address fragments.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

TRIGRAM_INDEXES = {
    "customer_name_trgm": "name",
    "customer_address_trgm": "address",
}


def trigram_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("tickets", "Customer")._meta.db_table)
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON {table} "
            f"USING gin (UPPER({schema_editor.quote_name(column)}::text) gin_trgm_ops)"
        )


def trigram_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_sla_policies_and_schedules")]

    operations = [
        migrations.RemoveIndex(model_name="ticket", name="tickets_tic_status_49c645_idx"),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["received_at", "id"], name="ticket_received_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["status", "received_at", "id"], name="ticket_status_received_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["station", "received_at", "id"], name="ticket_station_received_idx"),
        ),
        # CreateExtension is a no-op on other databases; so are the trigram indexes.
        TrigramExtension(),
        migrations.RunPython(trigram_indexes_create, trigram_indexes_drop, elidable=False),
    ]
