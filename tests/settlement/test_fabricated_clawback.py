"""SPEC 1.5: a fabricated or duplicate ticket costs the station −¥200 and the fee already paid for it is clawed
back. HQ raises a `fabricated_ticket` record with source_ref ``ticket:<id>``; once approved it flows into the
month's settlement with a clawback of what an approved statement paid for the ticket, and the ticket is never
paid again."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import AuditEvent
from settlement.models import Adjustment, ExcludedTicket, Statement, StatementLine, WithheldTicket
from settlement.services import (
    settlement_month_build,
    statement_approve,
    statement_confirm,
    statement_issue,
)
from stations import services as stations
from stations.models import Sanction
from tests import clock
from tests.factories import StationFactory, make_user
from tickets.models import Callback

from .conftest import at, certified

pytestmark = pytest.mark.django_db


@pytest.fixture
def months():
    """Two settled months back (paid month), then the month the record flows into, then the one after."""
    flows = clock.previous_month()
    paid = (flows - datetime.timedelta(days=1)).replace(day=1)
    after = clock.month_start()
    return {"paid": paid, "flows": flows, "after": after}


@pytest.fixture
def people(db):
    return {"hq": make_user(roles.HQ), "finance": make_user(roles.FINANCE)}


def _ticket(station, tech, when, outcome="confirmed"):
    from tests.tickets.factories import completed_ticket

    return completed_ticket(station=station, technician=tech, completed_at=when, callback_outcome=outcome)


def _approve_month(station, month, finance):
    statement = Statement.objects.get(station=station, month=month)
    statement_issue(statement_id=statement.pk, actor=finance)
    statement_confirm(statement_id=statement.pk, actor=make_user(roles.COORDINATOR, station))
    return statement_approve(statement_id=statement.pk, actor=finance)


def _report_fabricated(station, ticket, hq, when) -> Sanction:
    with clock.travel(when, tick=False):
        sanction = stations.sanction_raise(
            station=station, rule_code="fabricated_ticket", actor=hq, source_ref=f"ticket:{ticket.pk}"
        )
        return stations.sanction_decide(sanction=sanction, actor=hq, approve=True)


def _computed(statement) -> list[tuple[str, Decimal, str]]:
    return sorted(statement.adjustments.values_list("kind", "amount", "source_ref"), key=lambda row: (row[0], row[2]))


@pytest.fixture
def paid_then_fabricated(months, people):
    """Ticket F was paid ¥30 on the approved statement of the paid month; another ticket of the flow month
    earns ¥30; HQ's fabricated-ticket record for F is approved in the flow month."""
    station = StationFactory(name="开封鼓楼维修站")
    tech = certified(station)
    fabricated = _ticket(station, tech, at(months["paid"], 5))
    _ticket(station, tech, at(months["paid"], 6))
    settlement_month_build(month=months["paid"])
    paid = _approve_month(station, months["paid"], people["finance"])
    assert paid.net == Decimal("60.00") and StatementLine.objects.get(ticket=fabricated).amount == Decimal("30.00")
    honest = _ticket(station, tech, at(months["flows"], 3))
    sanction = _report_fabricated(station, fabricated, people["hq"], at(months["flows"], 10))
    return {"station": station, "fabricated": fabricated, "honest": honest, "sanction": sanction, "paid": paid}


def test_penalty_and_clawback_of_the_fee_paid_on_an_approved_statement(months, paid_then_fabricated):
    world = paid_then_fabricated
    settlement_month_build(month=months["flows"])
    statement = Statement.objects.get(station=world["station"], month=months["flows"])
    fabricated = world["fabricated"]
    assert _computed(statement) == [
        ("clawback", Decimal("-30.00"), f"clawback:ticket:{fabricated.pk}"),
        ("sanction", Decimal("-200.00"), f"sanction:{world['sanction'].pk}"),
    ]
    clawback = statement.adjustments.get(kind=Adjustment.Kind.CLAWBACK)
    assert fabricated.number in clawback.description and months["paid"].strftime("%Y-%m") in clawback.description
    assert fabricated.number in statement.adjustments.get(kind=Adjustment.Kind.SANCTION).description
    assert (statement.lines_count, statement.fees_total, statement.gross) == (1, Decimal("30.00"), Decimal("30.00"))
    assert statement.deductions == Decimal("230.00")
    assert statement.net == Decimal("-200.00")  # 30.00 − 200.00 − 30.00
    # the approved statement that paid it never changes; the ticket stays on its one line there
    world["paid"].refresh_from_db()
    assert world["paid"].net == Decimal("60.00") and world["paid"].status == Statement.Status.APPROVED
    assert list(StatementLine.objects.filter(ticket=fabricated).values_list("statement_id", flat=True)) == [
        world["paid"].pk
    ]
    withheld = WithheldTicket.objects.get(ticket=fabricated)
    assert withheld.sanction_id == world["sanction"].pk and withheld.station_id == world["station"].pk
    event = AuditEvent.objects.get(verb="settlement_withheld", object_id=str(fabricated.pk))
    assert event.data == {"sanction": world["sanction"].pk, "ticket": fabricated.number}


def test_rerunning_the_month_claws_back_once(months, paid_then_fabricated, people):
    world = paid_then_fabricated
    for _ in range(3):
        settlement_month_build(month=months["flows"])
    statement = Statement.objects.get(station=world["station"], month=months["flows"])
    assert Adjustment.objects.filter(source_ref=f"clawback:ticket:{world['fabricated'].pk}").count() == 1
    assert Adjustment.objects.filter(source_ref=f"sanction:{world['sanction'].pk}").count() == 1
    assert statement.net == Decimal("-200.00")
    assert WithheldTicket.objects.count() == 1
    assert AuditEvent.objects.filter(verb="settlement_withheld").count() == 1
    # issued: the record is settled; the month after books neither the penalty nor the clawback again
    statement_issue(statement_id=statement.pk, actor=people["finance"])
    settlement_month_build(month=months["flows"])
    settlement_month_build(month=months["after"])
    assert Adjustment.objects.filter(source_ref=f"clawback:ticket:{world['fabricated'].pk}").count() == 1
    assert not Adjustment.objects.filter(statement__month=months["after"]).exists()
    statement.refresh_from_db()
    assert statement.net == Decimal("-200.00")


def test_statement_page_and_api_show_the_clawback_with_the_ticket_number(months, paid_then_fabricated, client_for):
    world = paid_then_fabricated
    settlement_month_build(month=months["flows"])
    statement = Statement.objects.get(station=world["station"], month=months["flows"])
    number = world["fabricated"].number
    body = client_for(roles.FINANCE).get(reverse("settlement:statement", args=[statement.pk])).content.decode()
    assert "追回劳务费" in body and f"虚假或重复工单 {number}" in body and "-¥30.00" in body and "-¥200.00" in body
    api = APIClient()
    api.force_authenticate(make_user(roles.COORDINATOR, world["station"]))
    data = api.get(f"/api/v1/settlement/statements/{statement.pk}/").json()
    rows = {a["kind"]: a for a in data["adjustments"]}
    assert rows["clawback"]["amount"] == "-30.00" and number in rows["clawback"]["description"]
    assert rows["sanction"]["amount"] == "-200.00"
    assert data["net"] == "-200.00"


def test_never_paid_ticket_gets_only_the_penalty_and_is_never_paid(months, people):
    station = StationFactory()
    tech = certified(station)
    honest = _ticket(station, tech, at(months["flows"], 2))
    never_paid = _ticket(station, tech, at(months["flows"], 4))
    # waiting from the month before (callback pending), then reported and its callback confirmed afterwards
    waiting = _ticket(station, tech, at(months["paid"], 27), outcome=None)
    settlement_month_build(month=months["paid"])
    assert ExcludedTicket.objects.get(ticket=waiting).reason == ExcludedTicket.Reason.CALLBACK_PENDING
    first = _report_fabricated(station, never_paid, people["hq"], at(months["flows"], 10))
    second = _report_fabricated(station, waiting, people["hq"], at(months["flows"], 11))
    answered = {"due_at": at(months["flows"], 1), "status": "done", "outcome": "confirmed"}
    assert Callback.objects.filter(ticket=waiting).update(**answered) == 1

    for _ in range(2):
        settlement_month_build(month=months["flows"])
    statement = Statement.objects.get(station=station, month=months["flows"])
    assert _computed(statement) == [
        ("sanction", Decimal("-200.00"), f"sanction:{first.pk}"),
        ("sanction", Decimal("-200.00"), f"sanction:{second.pk}"),
    ]
    assert list(statement.lines.values_list("ticket_id", flat=True)) == [honest.pk]
    excluded = {e.ticket_id: e for e in statement.excluded.all()}
    assert {tid: e.reason for tid, e in excluded.items()} == {
        never_paid.pk: ExcludedTicket.Reason.FABRICATED,
        waiting.pk: ExcludedTicket.Reason.FABRICATED,
    }
    assert excluded[never_paid.pk].detail.endswith(f"#{first.pk}")
    assert (statement.fees_total, statement.deductions, statement.net) == (
        Decimal("30.00"),
        Decimal("400.00"),
        Decimal("-370.00"),
    )
    # never paid afterwards, whatever month runs next
    statement_issue(statement_id=statement.pk, actor=people["finance"])
    settlement_month_build(month=months["after"])
    assert not StatementLine.objects.filter(ticket__in=[never_paid, waiting]).exists()
    assert not Adjustment.objects.filter(statement__month=months["after"]).exists()


def test_remote_station_claws_back_the_fee_and_its_allowance(months, people):
    station = StationFactory(is_remote=True)
    tech = certified(station)
    fabricated = _ticket(station, tech, at(months["paid"], 5))
    settlement_month_build(month=months["paid"])
    _approve_month(station, months["paid"], people["finance"])
    assert StatementLine.objects.get(ticket=fabricated).amount == Decimal("40.00")  # ¥30 + ¥10 remote allowance
    _report_fabricated(station, fabricated, people["hq"], at(months["flows"], 10))
    settlement_month_build(month=months["flows"])
    statement = Statement.objects.get(station=station, month=months["flows"])
    assert sorted(statement.adjustments.values_list("amount", flat=True)) == [Decimal("-200.00"), Decimal("-40.00")]
    assert statement.net == Decimal("-240.00")


def test_a_ticket_on_a_statement_not_yet_approved_waits_for_it(months, people):
    """Paid on a statement still awaiting approval: the record waits (no penalty, no clawback yet) so the clawback
    matches what is finally paid; once that statement is approved, the rebuilt draft books both."""
    station = StationFactory()
    tech = certified(station)
    fabricated = _ticket(station, tech, at(months["paid"], 5))
    _ticket(station, tech, at(months["flows"], 6))
    settlement_month_build(month=months["paid"])
    issued = Statement.objects.get(station=station, month=months["paid"])
    statement_issue(statement_id=issued.pk, actor=people["finance"])
    _report_fabricated(station, fabricated, people["hq"], at(months["flows"], 10))

    settlement_month_build(month=months["flows"])
    statement = Statement.objects.get(station=station, month=months["flows"])
    assert not statement.adjustments.exists() and statement.net == Decimal("30.00")
    assert any(fabricated.number in note for note in statement.notes)
    assert WithheldTicket.objects.filter(ticket=fabricated).exists()

    statement_confirm(statement_id=issued.pk, actor=make_user(roles.COORDINATOR, station))
    statement_approve(statement_id=issued.pk, actor=people["finance"])
    settlement_month_build(month=months["flows"])
    statement.refresh_from_db()
    assert sorted(statement.adjustments.values_list("amount", flat=True)) == [Decimal("-200.00"), Decimal("-30.00")]
    assert statement.net == Decimal("-200.00") and statement.notes == []


def test_a_record_naming_another_stations_ticket_is_a_plain_penalty(months, people):
    station, other = StationFactory(), StationFactory()
    theirs = _ticket(other, certified(other), at(months["flows"], 5))
    sanction = _report_fabricated(station, theirs, people["hq"], at(months["flows"], 10))
    settlement_month_build(month=months["flows"])
    statement = Statement.objects.get(station=station, month=months["flows"])
    assert _computed(statement) == [("sanction", Decimal("-200.00"), f"sanction:{sanction.pk}")]
    assert StatementLine.objects.get(ticket=theirs).amount == Decimal("30.00")  # the other station is paid
    assert not WithheldTicket.objects.exists()
