"""Periodic-task rows for migrations: each area's migration declares its schedules through this one helper."""

from django.db import migrations


def schedule(
    name: str,
    task: str,
    *,
    minute: str = "*",
    hour: str = "*",
    day_of_month: str = "*",
    month_of_year: str = "*",
    replace: bool = False,
):
    """A RunPython operation creating (or, reversed, deleting) one django-celery-beat crontab task.

    An existing task of that name is kept as it is, or with ``replace`` set back to this task and crontab,
    enabled and without arguments."""

    def create(apps, schema_editor):
        crontab, _ = apps.get_model("django_celery_beat", "CrontabSchedule").objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week="*",
            timezone="Asia/Shanghai",
        )
        tasks = apps.get_model("django_celery_beat", "PeriodicTask").objects
        if replace:
            tasks.update_or_create(
                name=name, defaults={"task": task, "crontab": crontab, "enabled": True, "kwargs": "{}"}
            )
        else:
            tasks.get_or_create(name=name, defaults={"task": task, "crontab": crontab})

    def remove(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()

    return migrations.RunPython(create, remove)
