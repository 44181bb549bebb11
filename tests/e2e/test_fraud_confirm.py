"""HQ confirms a fraud signal in the browser, and the ticket drops out of the next settlement run."""

import pytest

from fraud.models import FraudSignal, RuleCode
from repairnet import roles
from settlement.models import ExcludedTicket, Statement, StatementLine
from settlement.services import previous_month, settlement_month_build
from tests.factories import PASSWORD, StationFactory, make_user
from tests.settlement.conftest import at, certified

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hq_confirms_a_signal_and_the_ticket_is_not_settled(page, live_server):
    from tests.tickets.factories import completed_ticket

    month = previous_month()
    station = StationFactory(name="南阳卧龙家电维修站")
    tech = certified(station)
    flagged, honest = (
        completed_ticket(station=station, technician=tech, completed_at=at(month, day), callback_outcome="confirmed")
        for day in (6, 7)
    )
    signal = FraudSignal.objects.create(
        rule=RuleCode.NO_ARRIVAL,
        key=f"ticket:{flagged.pk}",
        ticket=flagged,
        station=station,
    )
    hq = make_user(roles.HQ)

    login(page, live_server, hq.username, PASSWORD)
    page.goto(f"{live_server.url}/fraud/?days=365")
    page.locator(f"#fraud-ranking [data-station='{station.code}']").click()
    page.wait_for_selector(f"#fraud-signals >> text={flagged.number}")
    page.locator(f"#reason-{signal.pk}").fill("电话回访客户，确认无人上门")
    page.get_by_role("button", name="确认").click()
    page.wait_for_selector("text=信号已确认：该工单不参与结算。")
    signal.refresh_from_db()
    assert signal.status == FraudSignal.Status.CONFIRMED and signal.decided_by == hq

    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    assert set(StatementLine.objects.filter(statement=statement).values_list("ticket_id", flat=True)) == {honest.pk}
    assert ExcludedTicket.objects.get(ticket=flagged).reason == ExcludedTicket.Reason.FRAUD_CONFIRMED
