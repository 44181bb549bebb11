"""Role groups (SPEC roles table) and the administrative regions of Henan and Sichuan."""

import csv
from pathlib import Path

from django.db import migrations

ROLES = [
    "hotline_agent",
    "station_coordinator",
    "station_technician",
    "hq_after_sales",
    "inspector",
    "finance",
    "administrator",
]
REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def load_regions(apps, schema_editor):
    Region = apps.get_model("repairnet", "Region")
    with open(REGIONS_CSV, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_code = {}
    # Rows are ordered so parents precede children within each level pass.
    for level in ("province", "city", "district"):
        batch = [
            Region(code=r["code"], name=r["name"], level=level, parent=by_code.get(r["parent_code"]))
            for r in rows
            if r["level"] == level
        ]
        Region.objects.bulk_create(batch)
        by_code.update({r.code: r for r in Region.objects.filter(level=level)})


class Migration(migrations.Migration):
    dependencies = [
        ("repairnet", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(load_regions, migrations.RunPython.noop),
    ]
