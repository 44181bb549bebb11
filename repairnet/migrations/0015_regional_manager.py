"""The regional manager role (区域经理) and the regions a user manages."""

from django.db import migrations, models


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="regional_manager")


class Migration(migrations.Migration):
    dependencies = [("repairnet", "0014_audit_events_partitioned_by_month"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="managed_regions",
            field=models.ManyToManyField(
                blank=True,
                limit_choices_to={"level__in": ["province", "city"]},
                related_name="managers",
                to="repairnet.region",
                verbose_name="Managed regions",
            ),
        ),
        migrations.RunPython(create_role, migrations.RunPython.noop),
    ]
