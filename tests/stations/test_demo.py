import io

import pytest

from repairnet import demo as repairnet_demo
from stations import demo
from stations.models import Application, Assessment, Certificate, Sanction, Station

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
        sorted(Assessment.objects.values_list("station_id", "year", "quarter", "total", "suggestion", "status")),
    )
    demo.seed(stdout=out)
    assert counts == (
        Station.objects.count(),
        Application.objects.count(),
        Certificate.objects.count(),
        Sanction.objects.count(),
        sorted(Assessment.objects.values_list("station_id", "year", "quarter", "total", "suggestion", "status")),
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
    # one demo station for each assessment suggestion, pending HQ's decision
    pending = dict(
        Assessment.objects.filter(status="pending").values_list("station__code", "suggestion").order_by("station__code")
    )
    assert pending == {"HA0104": "downgrade", "HA0112": "revocation", "SC0202": "upgrade"}
    assert Assessment.objects.get(station__code="SC0202", status="pending").suggested_tier == "centre"
    assert Assessment.objects.get(station__code="HA0104", status="pending").suggested_tier == "station"
