"""SPEC 4 fee rules [design]: admin-editable rows with effective dates."""

import datetime
from decimal import Decimal

from django.db import migrations

RULES = [
    # kind, amount, remote allowance
    ("onsite_repair", "30.00", "10.00"),
    ("carry_in_repair", "20.00", "0.00"),
    ("swap", "15.00", "0.00"),
    ("accessory_replacement", "5.00", "0.00"),
    ("no_fault_found", "5.00", "0.00"),
    ("sla_breach", "5.00", "0.00"),
]
START = datetime.date(2020, 1, 1)


def create_rules(apps, schema_editor):
    FeeRule = apps.get_model("settlement", "FeeRule")
    for kind, amount, allowance in RULES:
        FeeRule.objects.get_or_create(
            kind=kind,
            effective_from=START,
            defaults={"amount": Decimal(amount), "remote_allowance": Decimal(allowance), "note": "SPEC 4"},
        )


def remove_rules(apps, schema_editor):
    apps.get_model("settlement", "FeeRule").objects.filter(effective_from=START, note="SPEC 4").delete()


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(create_rules, remove_rules)]
