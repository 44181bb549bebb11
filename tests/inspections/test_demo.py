import io

import pytest

from inspections import demo
from inspections.models import Inspection, ItemScore, Rectification

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_seed_every_grade_every_state_idempotent(settings, tmp_path):
    import repairnet.demo
    import stations.demo

    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    repairnet.demo.seed(stdout=out)
    stations.demo.seed(stdout=out)
    demo.seed(stdout=out)
    grades = set(Inspection.objects.exclude(grade="").values_list("grade", flat=True))
    assert grades == {"A", "B", "C", "D"}
    assert set(Rectification.objects.values_list("status", flat=True)) == {"open", "answered", "confirmed"}
    assert Rectification.objects.filter(is_overdue=True).exists()
    assert Rectification.objects.filter(is_overdue=False, status="open").exists()
    assert ItemScore.objects.exclude(photo="").exists()
    assert Inspection.objects.filter(status="draft").exists()
    counts = (Inspection.objects.count(), Rectification.objects.count(), ItemScore.objects.exclude(photo="").count())
    demo.seed(stdout=out)
    assert (
        Inspection.objects.count(),
        Rectification.objects.count(),
        ItemScore.objects.exclude(photo="").count(),
    ) == counts
