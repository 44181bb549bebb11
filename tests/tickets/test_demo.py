import io

import pytest
from django.db.models import F
from django.db.models.functions import TruncMonth

from tickets.models import Callback, Complaint, DailyReport, SlaBreach, Ticket

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
    # Breaches are dated when their deadline passed, so past months carry their own SLA deductions.
    assert not SlaBreach.objects.exclude(recorded_at=F("due_at")).exists()
    months = SlaBreach.objects.annotate(m=TruncMonth("recorded_at")).values_list("m", flat=True).distinct()
    assert len(set(months)) >= 2
    # a callback waiting on its complaint: disputed, the complaint from the callback still open
    waiting = Callback.objects.filter(
        outcome="disputed",
        ticket__complaints__source="callback",
        ticket__complaints__status__in=["open", "acknowledged"],
    )
    assert waiting.count() == 1
    complaints = Complaint.objects.count()
    demo.seed(stdout=out)
    assert Ticket.objects.count() == count
    assert waiting.count() == 1 and Complaint.objects.count() == complaints
