"""A disputed statement reopened as a draft keeps its rewards/penalties and parts charges.

Issuing marks the statement's sanctions settled in stations; the rebuild of a reopened draft drops its
computed adjustments and fetches them again, so the reopen must hand the sanctions back (in the same
transaction). Parts charges are not marked by spares: they are fetched for their month on every run.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

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
from tests.factories import make_user
from tests.settlement.helpers import penalised_station


@pytest.fixture
def penalised(db):
    return penalised_station()


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


def _issued(month, station):
    """The station's statement of ``month``, built and issued by finance: (statement, finance)."""
    finance = make_user(roles.FINANCE)
    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    statement_issue(statement_id=statement.pk, actor=finance)
    return statement, finance


@pytest.mark.django_db
def test_reopened_statement_not_yet_rebuilt_keeps_the_penalty_out_of_the_next_month(penalised):
    month, station, penalty = penalised["month"], penalised["station"], penalised["penalty"]
    statement, finance = _issued(month, station)
    _reopen(statement, finance=finance)

    settlement_month_build(month=clock.next_month(month))  # released, but still on the reopened draft

    assert list(Adjustment.objects.filter(source_ref=f"sanction:{penalty.pk}").values_list("statement", flat=True)) == [
        statement.pk
    ]


@pytest.mark.django_db
def test_rejected_dispute_leaves_the_penalty_settled(penalised):
    month, station, penalty = penalised["month"], penalised["station"], penalised["penalty"]
    statement, finance = _issued(month, station)
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
