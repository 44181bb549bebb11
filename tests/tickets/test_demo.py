import io

import pytest

from tickets.models import Callback, DailyReport, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_seed_covers_every_state_and_is_idempotent():
    from repairnet import demo as repairnet_demo
    from stations import demo as stations_demo
    from tickets import demo

    out = io.StringIO()
    repairnet_demo.seed(stdout=out)
    stations_demo.seed(stdout=out)
    demo.seed(stdout=out)
    count = Ticket.objects.count()
    assert count == demo.TICKETS
    states = set(Ticket.objects.values_list("status", flat=True))
    assert states == set(Ticket.Status.values)
    assert Callback.objects.exists() and DailyReport.objects.exists()
    demo.seed(stdout=out)
    assert Ticket.objects.count() == count
