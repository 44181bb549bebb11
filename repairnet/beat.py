"""Periodic-task rows for migrations: each area's migration declares its schedules through this one helper."""

from django.db import migrations


def schedule(name: str, task: str, *, minute: str = "*", hour: str = "*", day_of_month: str = "*"):
    """A RunPython operation creating (or, reversed, deleting) one django-celery-beat crontab task."""

    def create(apps, schema_editor):
        crontab, _ = apps.get_model("django_celery_beat", "CrontabSchedule").objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year="*",
            day_of_week="*",
            timezone="Asia/Shanghai",
        )
        apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab}
        )

    def remove(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()

    return migrations.RunPython(create, remove)
