import io

import pytest

from settlement.models import Adjustment, Statement

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_seed_is_idempotent_and_covers_paid_approved_draft():
    from repairnet import demo as repairnet_demo
    from settlement import demo
    from settlement.demo import _months_back
    from stations import demo as stations_demo
    from stations.models import RevocationReview, Station
    from tests.tickets.factories import completed_ticket

    from .conftest import at, certified

    out = io.StringIO()
    repairnet_demo.seed(stdout=out)
    stations_demo.seed(stdout=out)
    for code in ("ZZ001", "CD001"):
        station = Station.objects.get(code=code)
        tech = certified(station)
        for back in (1, 2, 3):
            completed_ticket(
                station=station, technician=tech, completed_at=at(_months_back(back), 10), callback_outcome="confirmed"
            )
    demo.seed(stdout=out)
    first = sorted(Statement.objects.values_list("month", "station_id", "status", "net"))
    reviews = list(RevocationReview.objects.values_list("pk", "station__code", "status", "sanction__rule__code"))
    demo.seed(stdout=out)
    assert sorted(Statement.objects.values_list("month", "station_id", "status", "net")) == first
    assert {s for _m, _st, s, _n in first} == {"paid", "approved", "issued", "draft"}

    # an overdue statement: two months back, issued and never confirmed, past the 20th of the next month
    overdue = Statement.objects.get(station__code="ZZ001", month=_months_back(2))
    assert overdue.status == "issued" and overdue.is_overdue
    # a ticket paid three months back reported fabricated: penalty and clawback on last month's draft
    draft = Statement.objects.get(station__code="CD001", month=_months_back(1))
    paid_line = Statement.objects.get(station__code="CD001", month=_months_back(3)).lines.order_by("pk").first()
    assert draft.status == "draft"
    assert sorted(draft.adjustments.filter(kind__in=["sanction", "clawback"]).values_list("kind", "amount")) == sorted(
        [("sanction", -200), ("clawback", -paid_line.amount)]
    )
    assert Adjustment.objects.filter(kind="clawback").count() == 1
    # ... and its approved record opened the station's revocation review, once
    assert reviews == list(
        RevocationReview.objects.values_list("pk", "station__code", "status", "sanction__rule__code")
    )
    assert [r[1:] for r in reviews] == [("CD001", "open", "fabricated_ticket")]
