"""HQ's decisions on a signal: a confirmed ticket drops out of the next settlement run (settlement reads
``fraud.selectors.fraud_confirmed``), a dismissed one stays payable; station staff and the hotline are refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fraud.models import FraudSignal, RuleCode
from fraud.services import fraud_signal_confirm, fraud_signal_dismiss
from repairnet import roles
from repairnet.models import AuditEvent
from settlement.models import ExcludedTicket, Statement, StatementLine
from settlement.services import settlement_month_build
from tests import clock
from tests.factories import StationFactory, make_user
from tests.settlement.conftest import at, certified
from tests.tickets.factories import completed_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_tickets(hq):
    month = clock.previous_month()
    station = StationFactory(name="洛阳西工维修站")
    tech = certified(station)
    flagged, honest = (
        completed_ticket(station=station, technician=tech, completed_at=at(month, day), callback_outcome="confirmed")
        for day in (4, 5)
    )
    signal = FraudSignal.objects.create(
        rule=RuleCode.NO_ARRIVAL, key=f"ticket:{flagged.pk}", ticket=flagged, station=station
    )
    return {"month": month, "station": station, "flagged": flagged, "honest": honest, "signal": signal}


def _statement(world):
    settlement_month_build(month=world["month"])
    return Statement.objects.get(station=world["station"], month=world["month"])


def test_a_confirmed_ticket_is_excluded_from_the_next_settlement_run(hq, month_tickets):
    fraud_signal_confirm(signal_id=month_tickets["signal"].pk, actor=hq, reason="客户称无人上门，电话核实")
    statement = _statement(month_tickets)
    paid = set(StatementLine.objects.filter(statement=statement).values_list("ticket_id", flat=True))
    assert paid == {month_tickets["honest"].pk}
    excluded = ExcludedTicket.objects.get(ticket=month_tickets["flagged"])
    assert excluded.reason == ExcludedTicket.Reason.FRAUD_CONFIRMED
    assert statement.fees_total == StatementLine.objects.get(statement=statement).amount > Decimal("0")


def test_a_dismissed_signal_leaves_the_ticket_payable(hq, month_tickets):
    fraud_signal_dismiss(signal_id=month_tickets["signal"].pk, actor=hq, reason="到场记录补录，属实")
    statement = _statement(month_tickets)
    paid = set(StatementLine.objects.filter(statement=statement).values_list("ticket_id", flat=True))
    assert paid == {month_tickets["honest"].pk, month_tickets["flagged"].pk}


def test_confirm_needs_a_reason_and_books_once(hq, month_tickets):
    pk = month_tickets["signal"].pk
    with pytest.raises(ValidationError):
        fraud_signal_confirm(signal_id=pk, actor=hq, reason="  ")
    assert FraudSignal.objects.get(pk=pk).status == FraudSignal.Status.OPEN
    for _ in range(2):
        fraud_signal_confirm(signal_id=pk, actor=hq, reason="核实为虚假")
    signal = FraudSignal.objects.get(pk=pk)
    assert signal.status == FraudSignal.Status.CONFIRMED and signal.decided_by == hq
    assert AuditEvent.objects.filter(object_id=str(pk), verb="confirmed").count() == 1


@pytest.mark.parametrize("role", [roles.COORDINATOR, roles.TECHNICIAN, roles.HOTLINE, roles.FINANCE])
def test_others_cannot_decide(role, month_tickets, client):
    actor = make_user(role, month_tickets["station"] if role in roles.STATION_ROLES else None)
    with pytest.raises(PermissionDenied):
        fraud_signal_confirm(signal_id=month_tickets["signal"].pk, actor=actor, reason="x")
    client.force_login(actor)
    response = client.post(reverse("fraud:confirm", args=[month_tickets["signal"].pk]), {"reason": "x"})
    assert response.status_code in (403, 404)
    assert FraudSignal.objects.get(pk=month_tickets["signal"].pk).status == FraudSignal.Status.OPEN


def test_the_signals_page_ranks_the_station_and_shows_the_evidence(hq, month_tickets, client):
    client.force_login(hq)
    overview = client.get(reverse("fraud:overview"), {"days": 365})
    assert overview.status_code == 200 and month_tickets["station"].name in overview.content.decode()
    detail = client.get(reverse("fraud:station", args=[month_tickets["station"].pk]))
    assert detail.status_code == 200 and month_tickets["flagged"].number in detail.content.decode()


def test_a_regional_manager_sees_only_the_signals_of_the_region(month_tickets, client):
    from tests.factories import region

    sichuan = StationFactory(name="成都锦江维修站", regions=[region("510104")])
    ticket = completed_ticket(station=sichuan, technician=certified(sichuan), completed_at=clock.now())
    FraudSignal.objects.create(rule=RuleCode.NO_ARRIVAL, key=f"ticket:{ticket.pk}", ticket=ticket, station=sichuan)
    manager = make_user(roles.REGIONAL)
    manager.managed_regions.set([region("510000")])
    client.force_login(manager)
    overview = client.get(reverse("fraud:overview"), {"days": 365}).content.decode()
    assert "成都锦江维修站" in overview and month_tickets["station"].name not in overview
    assert client.get(reverse("fraud:station", args=[month_tickets["station"].pk])).status_code == 404
    assert client.get(reverse("fraud:station", args=[sichuan.pk])).status_code == 200
    response = client.post(reverse("fraud:confirm", args=[month_tickets["signal"].pk]), {"reason": "x"})
    assert response.status_code == 403
