"""Draft the previous month's statements on the 1st at 02:00 (Asia/Shanghai); HQ can change it in the admin."""

from django.db import migrations

from repairnet.beat import schedule


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0002_fee_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        schedule(
            "settlement: draft previous month",
            "settlement.tasks.settlement_draft_previous_month_task",
            minute="0",
            hour="2",
            day_of_month="1",
        )
    ]
