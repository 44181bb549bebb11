"""SPEC 4: a disputed callback waits until its complaint is resolved. Not upheld, the ticket is paid in the next
run; upheld, it stays unpaid for good and the complaint_upheld penalty is raised."""

import datetime
from decimal import Decimal

import pytest

from repairnet import roles
from settlement.models import ExcludedTicket, Statement, StatementLine
from settlement.services import settlement_month_build, statement_issue
from stations.models import Sanction
from tests.factories import StationFactory, make_user
from tickets import services as tickets
from tickets.models import Callback, Complaint

from .conftest import at, certified

pytestmark = pytest.mark.django_db


def _disputed_in_the_month_before(month, finance):
    from tests.tickets.factories import completed_ticket

    earlier = (month - datetime.timedelta(days=1)).replace(day=1)
    station = StationFactory()
    ticket = completed_ticket(
        station=station, technician=certified(station), completed_at=at(earlier, 25), callback_outcome="disputed"
    )
    complaint = tickets.complaint_create(
        actor=make_user(roles.HOTLINE), ticket_id=ticket.pk, category="quality", description="回访时客户称未修好"
    )
    settlement_month_build(month=earlier)
    statement_issue(statement_id=Statement.objects.get(station=station, month=earlier).pk, actor=finance)
    assert ExcludedTicket.objects.get(ticket=ticket).reason == ExcludedTicket.Reason.CALLBACK_DISPUTED
    return ticket, complaint


def test_complaint_not_upheld_confirms_the_callback_and_the_next_run_pays(month, no_external, finance):
    ticket, complaint = _disputed_in_the_month_before(month, finance)
    tickets.complaint_resolve(
        complaint_id=complaint.pk,
        actor=make_user(roles.HQ),
        verdict=Complaint.Verdict.NOT_UPHELD,
        investigation="已修复",
    )
    assert Callback.objects.get(ticket=ticket).outcome == Callback.Outcome.CONFIRMED_AFTER_DISPUTE
    settlement_month_build(month=month)
    line = StatementLine.objects.get(ticket=ticket)
    assert line.statement.month == month and line.amount == Decimal("30.00")
    settlement_month_build(month=month)
    assert StatementLine.objects.filter(ticket=ticket).count() == 1


def test_complaint_upheld_keeps_the_ticket_unpaid_and_raises_the_penalty(month, no_external, finance):
    ticket, complaint = _disputed_in_the_month_before(month, finance)
    tickets.complaint_resolve(
        complaint_id=complaint.pk, actor=make_user(roles.HQ), verdict=Complaint.Verdict.UPHELD, investigation="未修好"
    )
    assert Callback.objects.get(ticket=ticket).outcome == Callback.Outcome.DISPUTE_UPHELD
    settlement_month_build(month=month)
    assert not StatementLine.objects.filter(ticket=ticket).exists()
    assert Sanction.objects.filter(source_ref=f"complaint:{complaint.pk}", rule__code="complaint_upheld").exists()
