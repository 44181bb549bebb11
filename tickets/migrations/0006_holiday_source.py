"""Holidays remember where they came from (the public calendar or HQ), and a monthly refresh loads new years."""

from django.db import migrations, models

TASK_NAME = "tickets: public holidays refresh"


def create_schedule(apps, schema_editor):
    """On the 1st of every month at 03:10: load any year the holiday calendar has newly published."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="10", hour="3", day_of_month="1", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME, defaults={"task": "tickets.tasks.holidays_refresh_task", "crontab": crontab}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_no_fault_found"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="holiday",
            name="source",
            field=models.CharField(
                choices=[("calendar", "Public holiday calendar"), ("admin", "Entered by HQ")],
                default="admin",
                max_length=10,
                verbose_name="Source",
            ),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
