"""Rules whose approval does more than its amount: selling compatible or counterfeit products (SPEC 1.5)
revokes the station and forfeits its deposit."""

from django.db import migrations, models


def counterfeit_consequences(apps, schema_editor):
    SanctionRule = apps.get_model("stations", "SanctionRule")
    SanctionRule.objects.filter(code="counterfeit_sales").update(forfeits_deposit=True, revokes_station=True)


class Migration(migrations.Migration):

    dependencies = [
        ('stations', '0005_certificate_revoked_on'),
    ]

    operations = [
        migrations.AddField(
            model_name='sanctionrule',
            name='forfeits_deposit',
            field=models.BooleanField(default=False, help_text="Approving a record forfeits the station's whole deposit balance.", verbose_name='Forfeits the deposit'),
        ),
        migrations.AddField(
            model_name='sanctionrule',
            name='revokes_station',
            field=models.BooleanField(default=False, help_text='Approving a record revokes the station.', verbose_name='Revokes the station'),
        ),
        migrations.RunPython(counterfeit_consequences, migrations.RunPython.noop),
    ]
