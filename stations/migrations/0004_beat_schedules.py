"""Schedule the stations daily jobs in django-celery-beat (HQ can change them in the admin)."""

import json

from django.db import migrations

SCHEDULES = {
    # name: (task, hour, minute) — Asia/Shanghai
    "stations: staffing check and suspension": ("stations.tasks.stations_staffing_check_task", "1", "10"),
    "stations: certificate expiry warnings": ("stations.tasks.certificates_expiry_warn_task", "7", "30"),
    "stations: approve unappealed rewards and penalties": ("stations.tasks.sanctions_confirm_task", "1", "20"),
}


def create_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for name, (task, hour, minute) in SCHEDULES.items():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "kwargs": json.dumps({}), "enabled": True, "crontab": crontab}
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0003_seed_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
