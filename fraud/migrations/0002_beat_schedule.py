"""Schedule the nightly fraud evaluation in django-celery-beat (HQ can change it in the admin)."""

from django.db import migrations

from repairnet.beat import schedule


class Migration(migrations.Migration):
    dependencies = [
        ("fraud", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        schedule(
            "fraud: evaluate the signals",
            "fraud.tasks.fraud_evaluate_task",
            minute="40",
            hour="2",
        )
    ]
