"""Daily job (Asia/Shanghai, 01:10) that marks defective-return obligations overdue."""

from django.db import migrations

from repairnet.beat import schedule


class Migration(migrations.Migration):
    dependencies = [
        ("spares", "0002_append_only_triggers_and_locations"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        schedule(
            "spares: mark overdue defective returns",
            "spares.tasks.obligation_mark_overdue_task",
            minute="10",
            hour="1",
            replace=True,
        )
    ]
