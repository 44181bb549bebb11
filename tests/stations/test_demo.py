import io

import pytest

from repairnet import demo as repairnet_demo
from stations import demo
from stations.models import Application, Certificate, Sanction, Station

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_seed_is_idempotent_and_covers_every_state():
    out = io.StringIO()
    repairnet_demo.seed(stdout=out)
    demo.seed(stdout=out)
    counts = (
        Station.objects.count(),
        Application.objects.count(),
        Certificate.objects.count(),
        Sanction.objects.count(),
    )
    demo.seed(stdout=out)
    assert counts == (
        Station.objects.count(),
        Application.objects.count(),
        Certificate.objects.count(),
        Sanction.objects.count(),
    )
    assert counts[0] >= 38
    assert set(Station.objects.values_list("status", flat=True)) == {"active", "suspended", "revoked", "exited"}
    assert set(Station.objects.values_list("tier", flat=True)) == {"centre", "station", "accessory_point"}
    assert set(Application.objects.values_list("status", flat=True)) == set(Application.Status.values)
    from repairnet.models import User
    from stations.selectors import technician_is_certified

    assert technician_is_certified(user=User.objects.get(username="demo-zz001-tech1"))
    assert technician_is_certified(user=User.objects.get(username="demo-cd001-tech1"))
    assert Station.objects.filter(regions__code__startswith="41").exists()
    assert Station.objects.filter(regions__code__startswith="51").exists()
