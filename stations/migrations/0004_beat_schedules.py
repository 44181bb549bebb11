"""Schedule the stations daily jobs in django-celery-beat (HQ can change them in the admin)."""

from django.db import migrations

from repairnet.beat import schedule


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0003_seed_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Asia/Shanghai
    operations = [
        schedule(
            "stations: staffing check and suspension",
            "stations.tasks.stations_staffing_check_task",
            minute="10",
            hour="1",
            replace=True,
        ),
        schedule(
            "stations: certificate expiry warnings",
            "stations.tasks.certificates_expiry_warn_task",
            minute="30",
            hour="7",
            replace=True,
        ),
        schedule(
            "stations: approve unappealed rewards and penalties",
            "stations.tasks.sanctions_confirm_task",
            minute="20",
            hour="1",
            replace=True,
        ),
    ]
