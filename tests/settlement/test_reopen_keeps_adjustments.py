"""A disputed statement reopened as a draft keeps its rewards/penalties and parts charges.

Issuing marks the statement's sanctions settled in stations; the rebuild of a reopened draft drops its
computed adjustments and fetches them again, so the reopen must hand the sanctions back (in the same
transaction). Parts charges are not marked by spares: they are fetched for their month on every run.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from repairnet import roles
from repairnet.models import AuditEvent
from settlement.models import Adjustment, Statement
from settlement.services import (
    settlement_month_build,
    statement_dispute,
    statement_issue,
    statement_resolve_dispute,
)
from stations import services as stations
from stations.models import Sanction
from tests import clock
from tests.factories import StationFactory, make_user
from tests.spares.conftest import staff_of


def _in(month: datetime.date, day: int, hour: int = 10) -> datetime.datetime:
    """An aware instant in Asia/Shanghai on ``day`` of ``month``."""
    return datetime.datetime(month.year, month.month, day, hour, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def penalised(db):
    """A station with an approved −¥50 penalty and an accessory sale (−¥24 charge) in the previous month."""
    from spares import services as spares
    from spares.models import Item, ItemPrice

    month = clock.previous_month()
    hq = make_user(roles.HQ)
    station = StationFactory()
    remote = Item.objects.create(code="A-REMOTE", name="遥控器", kind=Item.Kind.ACCESSORY, compatible_models="HD-100")
    ItemPrice.objects.create(
        item=remote, effective_from=datetime.date(2020, 1, 1), unit_cost=Decimal("8.00"), retail_price=Decimal("25")
    )
    with clock.travel(_in(month, 10), tick=False):
        penalty = stations.sanction_raise(station=station, rule_code="complaint_upheld", actor=hq, source_ref="t:1")
        stations.sanction_decide(sanction=penalty, actor=hq, approve=True)
        spares.deposit_record(station=station, kind="paid", amount=Decimal("1000.00"), actor=hq)
        spares.hq_stock_receive(item=remote, quantity=10, actor=hq)
        shipment = spares.shipment_create(station=station, lines=[{"item_id": remote.pk, "quantity": 5}], actor=hq)
        spares.shipment_receive(shipment=shipment, actor=staff_of(shipment.station))
        sale = spares.accessory_sell(station=station, item_id=remote.pk, quantity=3, actor=staff_of(station))
    return {"month": month, "station": station, "penalty": penalty, "sale": sale}


def _external(statement: Statement) -> list[tuple]:
    return sorted(
        statement.adjustments.filter(kind__in=(Adjustment.Kind.SANCTION, Adjustment.Kind.PARTS_CHARGE)).values_list(
            "kind", "amount", "source_ref"
        )
    )


def _reopen(statement: Statement, *, finance) -> Statement:
    coordinator = make_user(roles.COORDINATOR, statement.station)
    statement_dispute(statement_id=statement.pk, actor=coordinator, reason="罚款有误")
    return statement_resolve_dispute(statement_id=statement.pk, actor=finance, resolution="重新核算", reopen=True)


@pytest.mark.django_db
def test_reopened_statement_keeps_its_penalty_and_charge_once(penalised):
    month, station, penalty, sale = (penalised[k] for k in ("month", "station", "penalty", "sale"))
    finance = make_user(roles.FINANCE)
    expected = [
        (Adjustment.Kind.PARTS_CHARGE, Decimal("-24.00"), f"spares:spares-movement-{sale.pk}"),
        (Adjustment.Kind.SANCTION, Decimal("-50.00"), f"sanction:{penalty.pk}"),
    ]
    settled_ref = f"settlement:{month:%Y-%m}:{station.code}"

    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    assert _external(statement) == expected
    assert statement.net == Decimal("-74.00")

    statement_issue(statement_id=statement.pk, actor=finance)
    assert Sanction.objects.get(pk=penalty.pk).settled_ref == settled_ref

    statement = _reopen(statement, finance=finance)
    assert statement.status == Statement.Status.DRAFT
    assert Sanction.objects.get(pk=penalty.pk).settled_ref == ""
    released = AuditEvent.objects.get(object_id=str(penalty.pk), verb="settlement_released")
    assert (released.actor, released.data) == (finance, {"settled_ref": settled_ref})

    settlement_month_build(month=month)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.DRAFT
    assert _external(statement) == expected  # each exactly once
    assert (statement.deductions, statement.net) == (Decimal("74.00"), Decimal("-74.00"))

    statement_issue(statement_id=statement.pk, actor=finance)
    assert Sanction.objects.get(pk=penalty.pk).settled_ref == settled_ref

    settlement_month_build(month=clock.next_month(month))  # the following month does not count it again
    assert not Adjustment.objects.filter(source_ref=f"sanction:{penalty.pk}").exclude(statement=statement).exists()
    assert (
        not Adjustment.objects.filter(source_ref=f"spares:spares-movement-{sale.pk}")
        .exclude(statement=statement)
        .exists()
    )
    assert Sanction.objects.get(pk=penalty.pk).settled_ref == settled_ref


@pytest.mark.django_db
def test_reopened_statement_not_yet_rebuilt_keeps_the_penalty_out_of_the_next_month(penalised):
    month, station, penalty = penalised["month"], penalised["station"], penalised["penalty"]
    finance = make_user(roles.FINANCE)
    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    statement_issue(statement_id=statement.pk, actor=finance)
    _reopen(statement, finance=finance)

    settlement_month_build(month=clock.next_month(month))  # released, but still on the reopened draft

    assert list(Adjustment.objects.filter(source_ref=f"sanction:{penalty.pk}").values_list("statement", flat=True)) == [
        statement.pk
    ]


@pytest.mark.django_db
def test_rejected_dispute_leaves_the_penalty_settled(penalised):
    month, station, penalty = penalised["month"], penalised["station"], penalised["penalty"]
    finance = make_user(roles.FINANCE)
    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    statement_issue(statement_id=statement.pk, actor=finance)
    statement_dispute(statement_id=statement.pk, actor=make_user(roles.COORDINATOR, station), reason="罚款有误")

    statement = statement_resolve_dispute(statement_id=statement.pk, actor=finance, resolution="维持", reopen=False)

    assert statement.status == Statement.Status.CONFIRMED
    assert Sanction.objects.get(pk=penalty.pk).settled_ref == f"settlement:{month:%Y-%m}:{station.code}"
    assert not AuditEvent.objects.filter(verb="settlement_released").exists()


@pytest.mark.django_db
def test_releasing_a_settlement_is_refused_outside_finance(penalised):
    month, station, penalty = penalised["month"], penalised["station"], penalised["penalty"]
    settled_ref = f"settlement:{month:%Y-%m}:{station.code}"
    stations.sanction_mark_settled(sanction_ids=[penalty.pk], ref=settled_ref)

    with pytest.raises(PermissionDenied):
        stations.sanction_release_settlement(settled_ref=settled_ref, actor=make_user(roles.HQ))

    assert Sanction.objects.get(pk=penalty.pk).settled_ref == settled_ref
