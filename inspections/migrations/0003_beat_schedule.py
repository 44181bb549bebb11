"""Schedule the daily rectification-deadline job in django-celery-beat (HQ can change it in the admin)."""

from django.db import migrations

from repairnet.beat import schedule


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0002_default_template"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        schedule(
            "inspections: mark overdue rectifications",
            "inspections.tasks.rectification_mark_overdue_task",
            minute="15",
            hour="1",
        )
    ]
