"""SPEC 2.5 default SLA targets (service-hour minutes) and the periodic jobs of this area."""

import json

from django.db import migrations

SLA_MINUTES = {
    ("urgent", "accept"): 30,
    ("urgent", "onsite"): 4 * 60,
    ("urgent", "complete"): 24 * 60,
    ("normal", "accept"): 2 * 60,
    ("normal", "onsite"): 24 * 60,
    ("normal", "complete"): 48 * 60,
}

# name -> (task, crontab fields or interval minutes)
SCHEDULES = {
    "tickets: callback sweep": ("tickets.tasks.callbacks_sweep_task", {"minutes": 5}),
    "tickets: SLA breach detection": ("tickets.tasks.sla_breaches_record_task", {"minutes": 5}),
    "tickets: daily reports build": ("tickets.tasks.daily_reports_build_task", {"minute": "55", "hour": "23"}),
    "tickets: daily reports lateness and summary": (
        "tickets.tasks.daily_reports_close_task",
        {"minute": "5", "hour": "10"},
    ),
}


def create_policies(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    for (priority, leg), minutes in SLA_MINUTES.items():
        SlaPolicy.objects.get_or_create(priority=priority, leg=leg, defaults={"minutes": minutes})


def create_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    for name, (task, spec) in SCHEDULES.items():
        defaults = {"task": task, "kwargs": json.dumps({}), "enabled": True}
        if "minutes" in spec:
            interval, _ = IntervalSchedule.objects.get_or_create(every=spec["minutes"], period="minutes")
            defaults["interval"] = interval
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=spec["minute"],
                hour=spec["hour"],
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="Asia/Shanghai",
            )
            defaults["crontab"] = crontab
        PeriodicTask.objects.update_or_create(name=name, defaults=defaults)


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_policies, migrations.RunPython.noop),
        migrations.RunPython(create_schedules, remove_schedules),
    ]
