import pytest
from django.urls import reverse

from inspections.models import ChecklistItem, ChecklistTemplate
from repairnet import roles
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = make_user(roles.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_template_admin_pages_and_copy_action(admin_client):
    template = ChecklistTemplate.objects.get(version=1)
    assert admin_client.get(reverse("admin:inspections_checklisttemplate_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:inspections_checklisttemplate_change", args=[template.pk])).status_code == 200
    )
    section = template.sections.first()
    assert admin_client.get(reverse("admin:inspections_checklistsection_change", args=[section.pk])).status_code == 200
    admin_client.post(
        reverse("admin:inspections_checklisttemplate_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [template.pk]},
    )
    copy = ChecklistTemplate.objects.get(version=2)
    assert not copy.is_active
    assert copy.total_max_score() == 100


def test_template_in_use_must_total_100():
    from inspections.admin import ChecklistTemplateForm

    template = ChecklistTemplate.objects.get(version=1)
    ChecklistItem.objects.filter(section__template=template, code="image.clean").update(max_score=1)
    form = ChecklistTemplateForm(
        data={"name": template.name, "version": 1, "is_active": True, "effective_from": "2026-01-01"},
        instance=template,
    )
    assert not form.is_valid()
    assert "97" in str(form.errors)
