"""The HQ dashboard's per-station daily rollup, and its nightly rebuild at 03:30 (Asia/Shanghai).

The table starts empty: after migrating an existing database run ``manage.py dashboard_rebuild`` once (or wait
for the nightly job) so the dashboard counts the tickets completed before this migration.
"""

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models

from repairnet.beat import schedule


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0004_beat_schedules"),
        ("tickets", "0003_search_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="StationDayStats",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="Day")),
                ("completed", models.PositiveIntegerField(default=0, verbose_name="Completed")),
                ("breached", models.PositiveIntegerField(default=0, verbose_name="With an SLA breach")),
                ("repeated", models.PositiveIntegerField(default=0, verbose_name="Repaired again")),
                ("called", models.PositiveIntegerField(default=0, verbose_name="Callback within 24 h")),
                ("callback_due", models.PositiveIntegerField(default=0, verbose_name="With a callback due time")),
                ("rated", models.PositiveIntegerField(default=0, verbose_name="Rated")),
                ("satisfaction_sum", models.PositiveIntegerField(default=0, verbose_name="Sum of satisfaction")),
                ("upheld_complaints", models.PositiveIntegerField(default=0, verbose_name="Upheld complaints")),
                ("refreshed_at", models.DateTimeField(auto_now=True, verbose_name="Refreshed")),
                (
                    "station",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="day_stats",
                        to="stations.station",
                        verbose_name="Station",
                    ),
                ),
            ],
            options={
                "verbose_name": "Station day figures",
                "verbose_name_plural": "Station day figures",
                "ordering": ["-day", "station_id"],
                "constraints": [
                    models.UniqueConstraint(fields=("day", "station"), name="uniq_station_day_stats"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("breached__lte", models.F("completed")),
                            ("repeated__lte", models.F("completed")),
                            ("called__lte", models.F("completed")),
                            ("callback_due__lte", models.F("completed")),
                            ("rated__lte", models.F("completed")),
                            ("satisfaction_sum__gte", models.F("rated")),
                            (
                                "satisfaction_sum__lte",
                                django.db.models.expressions.CombinedExpression(
                                    models.F("rated"), "*", models.Value(5)
                                ),
                            ),
                        ),
                        name="station_day_stats_consistent",
                    ),
                ],
            },
        ),
        schedule(
            "tickets: dashboard rollup rebuild", "tickets.tasks.station_day_stats_rebuild_task", minute="30", hour="3"
        ),
    ]
