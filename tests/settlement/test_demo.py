import io

import pytest

from settlement.models import Statement

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_seed_is_idempotent_and_covers_paid_approved_draft():
    from repairnet import demo as repairnet_demo
    from settlement import demo
    from settlement.demo import _months_back
    from stations import demo as stations_demo
    from stations.models import Station
    from tests.tickets.factories import completed_ticket

    from .conftest import at, certified

    out = io.StringIO()
    repairnet_demo.seed(stdout=out)
    stations_demo.seed(stdout=out)
    station = Station.objects.get(code="ZZ001")
    tech = certified(station)
    for back in (1, 2, 3):
        completed_ticket(
            station=station, technician=tech, completed_at=at(_months_back(back), 10), callback_outcome="confirmed"
        )
    demo.seed(stdout=out)
    first = sorted(Statement.objects.values_list("month", "station_id", "status", "net"))
    demo.seed(stdout=out)
    assert sorted(Statement.objects.values_list("month", "station_id", "status", "net")) == first
    assert {s for _m, _st, s, _n in first} == {"paid", "approved", "draft"}
