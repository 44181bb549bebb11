"""Certificates get a revocation effective date (revoked_on) and the instant it was recorded (revoked_at).

Certificates revoked before this migration are dated from their revocation audit event (the first
``revoked`` AuditEvent of the certificate; its day in Asia/Shanghai), or, without one, from the row's
``updated_at``; never before ``issued_on``. The constraints are added after the data step.
"""

from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def date_revocations(apps, schema_editor):
    Certificate = apps.get_model("stations", "Certificate")
    AuditEvent = apps.get_model("repairnet", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="stations", model="certificate").first()
    first_revoked = {}
    if content_type is not None:
        events = (
            AuditEvent.objects.filter(content_type=content_type)
            .filter(models.Q(verb="revoked") | models.Q(to_state="revoked"))
            .order_by("at", "pk")
            .values_list("object_id", "at")
        )
        for object_id, at in events:
            first_revoked.setdefault(object_id, at)
    for cert in Certificate.objects.filter(status="revoked").order_by("pk"):
        at = first_revoked.get(str(cert.pk)) or cert.updated_at
        cert.revoked_at = at
        cert.revoked_on = max(timezone.localdate(at, timezone=SHANGHAI), cert.issued_on)
        cert.save(update_fields=["revoked_at", "revoked_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0004_beat_schedules"),
        ("repairnet", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="Revocation recorded"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="revoked_on",
            field=models.DateField(blank=True, null=True, verbose_name="Revoked with effect from"),
        ),
        migrations.RunPython(date_revocations, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.CheckConstraint(
                condition=models.Q(status="valid", revoked_on__isnull=True)
                | models.Q(status="revoked", revoked_on__isnull=False),
                name="certificate_revoked_has_effective_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.CheckConstraint(
                condition=models.Q(revoked_on__isnull=True) | models.Q(revoked_on__gte=models.F("issued_on")),
                name="certificate_revoked_not_before_issue",
            ),
        ),
    ]
