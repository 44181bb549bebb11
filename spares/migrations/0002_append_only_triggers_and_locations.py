"""Database-level protection of the journals (PostgreSQL) and the network-wide stock locations."""

from django.db import migrations

JOURNAL_TABLES = ("spares_movement", "spares_depositentry")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION spares_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in JOURNAL_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION spares_refuse_change();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in JOURNAL_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS spares_refuse_change();")


def add_global_locations(apps, schema_editor):
    Location = apps.get_model("spares", "Location")
    for kind in ("hq", "hq_defective", "scrapped", "external"):
        Location.objects.get_or_create(kind=kind, station=None)


class Migration(migrations.Migration):
    dependencies = [("spares", "0001_initial")]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
        migrations.RunPython(add_global_locations, migrations.RunPython.noop),
    ]
