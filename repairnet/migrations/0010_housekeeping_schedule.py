"""Housekeeping every night at 03:30 (Asia/Shanghai): old job runs, idempotency keys, expired API tokens and
password-reset counts go (repairnet.tasks.job_runs_prune_task); HQ can change it in the admin."""

from django.db import migrations

from repairnet.beat import schedule


class Migration(migrations.Migration):
    dependencies = [
        ("repairnet", "0009_phones_e164"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        schedule("repairnet: housekeeping", "repairnet.tasks.job_runs_prune_task", minute="30", hour="3"),
    ]
