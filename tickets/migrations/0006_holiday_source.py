"""Holidays remember where they came from (the public calendar or HQ), and a monthly refresh loads new years."""

from django.db import migrations, models

from repairnet.beat import schedule


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
        # On the 1st of every month at 03:10: load any year the holiday calendar has newly published.
        schedule(
            "tickets: public holidays refresh",
            "tickets.tasks.holidays_refresh_task",
            minute="10",
            hour="3",
            day_of_month="1",
        ),
    ]
