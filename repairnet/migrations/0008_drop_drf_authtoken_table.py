"""API tokens moved from DRF's authtoken (tokens that never expire) to django-rest-knox (repairnet.tokens).

rest_framework.authtoken is no longer installed: its table and its migration records go, so the old tokens stop
working for good (clients log in again at POST /api/v1/auth/token/)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("repairnet", "0007_password_reset_requests")]

    operations = [
        migrations.RunSQL(
            [
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
