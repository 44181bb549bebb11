"""Remind finance every day at 09:00 (Asia/Shanghai) of the statements past their due date; HQ can change it
in the admin (django-celery-beat)."""

from django.db import migrations

from repairnet.beat import schedule


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0007_calendar_clawback_complaints"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        schedule(
            "settlement: remind finance of overdue statements",
            "settlement.tasks.statements_overdue_remind_task",
            minute="0",
            hour="9",
        )
    ]
