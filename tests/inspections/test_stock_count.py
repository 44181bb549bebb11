from decimal import Decimal

import pytest

from inspections import services
from repairnet import roles
from tests import clock
from tests.factories import make_user
from tests.spares.conftest import staff_of

from .conftest import fill

pytestmark = pytest.mark.django_db

spares_services = pytest.importorskip("spares.services")


@pytest.fixture
def stocked(station, hq):
    from spares.models import Item
    from tests.spares.conftest import make_item

    part = make_item("P-TUNER", cost="25.00", retail="60.00", name="高频头")
    remote = make_item("A-REMOTE", kind=Item.Kind.ACCESSORY, name="遥控器")
    spares_services.deposit_record(station=station, kind="paid", amount=Decimal("5000.00"), actor=hq)
    spares_services.hq_stock_receive(item=part, quantity=20, actor=hq)
    spares_services.hq_stock_receive(item=remote, quantity=20, actor=hq)
    shipment = spares_services.shipment_create(
        station=station, lines=[{"item_id": part.pk, "quantity": 10}, {"item_id": remote.pk, "quantity": 5}], actor=hq
    )
    spares_services.shipment_receive(shipment=shipment, actor=staff_of(shipment.station))
    return part, remote


def _on_hand(station, item_id):
    from spares.selectors import stock_expected_for_count

    return {row["item_id"]: row["quantity"] for row in stock_expected_for_count(station=station)}.get(item_id, 0)


def test_schedule_copies_expected_stock(stocked, station, inspector, hq):
    part, remote = stocked
    inspection = services.inspection_schedule(
        station=station, inspector=inspector, scheduled_for=clock.today(), actor=hq
    )
    lines = {line.spare_item_id: line for line in inspection.stock_lines.all()}
    assert lines[part.pk].expected_quantity == 10
    assert lines[part.pk].item_name == "高频头"
    assert lines[remote.pk].expected_quantity == 5


def test_count_differences_become_proposals_and_move_nothing_until_approved(stocked, station, inspector, hq):
    from spares.models import Movement, StocktakeProposal

    part, remote = stocked
    inspection = services.inspection_schedule(
        station=station, inspector=inspector, scheduled_for=clock.today(), actor=hq
    )
    fill(inspection, inspector)
    services.stock_count_save(
        line_id=inspection.stock_lines.get(spare_item_id=part.pk).pk, actor=inspector, counted_quantity=8
    )
    movements_before = Movement.objects.count()
    services.inspection_submit(inspection_id=inspection.pk, actor=inspector)

    proposal = StocktakeProposal.objects.get()
    assert (proposal.item_id, proposal.expected_quantity, proposal.counted_quantity) == (part.pk, 10, 8)
    assert proposal.source_ref == f"inspection:{inspection.pk}"
    assert proposal.status == StocktakeProposal.Status.PENDING
    assert Movement.objects.count() == movements_before
    assert _on_hand(station, part.pk) == 10

    spares_services.stocktake_decide(proposal=proposal, approve=True, actor=make_user(roles.HQ))
    assert _on_hand(station, part.pk) == 8
    assert _on_hand(station, remote.pk) == 5


def test_uncounted_stock_blocks_submit(stocked, station, inspector, hq):
    from django.core.exceptions import ValidationError

    inspection = services.inspection_schedule(
        station=station, inspector=inspector, scheduled_for=clock.today(), actor=hq
    )
    for line in inspection.scores.all():
        services.item_score_save(score_id=line.pk, actor=inspector, score=line.max_score)
    with pytest.raises(ValidationError, match="高频头|遥控器"):
        services.inspection_submit(inspection_id=inspection.pk, actor=inspector)
