"""Issue 14 §1/SPEC 4 through the complaint resolve API and page (test_disputed_callbacks.py drives the service):
upheld, the disputed ticket stays unpaid in the next run and the −¥50 complaint_upheld penalty is raised once;
not upheld, the callback is confirmed after the dispute and the next run pays the ¥30 on-site fee."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from settlement.models import ExcludedTicket, Statement, StatementLine
from settlement.services import settlement_month_build
from stations.models import Sanction
from tests.factories import make_user
from tickets.models import Callback, Complaint

from .test_disputed_callbacks import _disputed_in_the_month_before

pytestmark = pytest.mark.django_db


def _hq_api():
    client = APIClient()
    client.force_authenticate(make_user(roles.HQ))
    return client


def _resolve_by_api(complaint, verdict, investigation):
    response = _hq_api().post(
        f"/api/v1/complaints/{complaint.pk}/resolve/",
        {"verdict": verdict, "investigation": investigation},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved" and body["verdict"] == verdict
    return body


def _assert_upheld_and_unpaid_in_the_next_run(ticket, complaint, month):
    assert Callback.objects.get(ticket=ticket).outcome == Callback.Outcome.DISPUTE_UPHELD
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED and complaint.verdict == Complaint.Verdict.UPHELD
    penalty = Sanction.objects.get(source_ref=f"complaint:{complaint.pk}")
    assert penalty.rule.code == "complaint_upheld" and penalty.station_id == ticket.station_id
    assert penalty.amount == Decimal("-50.00") and penalty.status == Sanction.Status.RAISED
    settlement_month_build(month=month)
    assert not StatementLine.objects.filter(ticket=ticket).exists()
    statement = Statement.objects.get(station=ticket.station, month=month)
    assert statement.fees_total == Decimal("0.00")
    # The next run lists it as never to be paid, for the upheld complaint (the earlier month kept "waiting").
    excluded = ExcludedTicket.objects.get(statement=statement, ticket=ticket)
    assert excluded.reason == ExcludedTicket.Reason.COMPLAINT_UPHELD
    # A second run pays nothing either and raises no second penalty.
    settlement_month_build(month=month)
    assert not StatementLine.objects.filter(ticket=ticket).exists()
    assert Sanction.objects.filter(source_ref=f"complaint:{complaint.pk}").count() == 1


def test_upheld_through_the_api_keeps_the_ticket_unpaid_and_raises_the_50_yuan_penalty(month, no_external, finance):
    ticket, complaint = _disputed_in_the_month_before(month, finance)
    _resolve_by_api(complaint, "upheld", "上门复查：确未修好")
    _assert_upheld_and_unpaid_in_the_next_run(ticket, complaint, month)
    # Resolving again is refused and changes nothing.
    again = _hq_api().post(
        f"/api/v1/complaints/{complaint.pk}/resolve/",
        {"verdict": "not_upheld", "investigation": "改判"},
        format="json",
    )
    assert again.status_code == 400
    assert Callback.objects.get(ticket=ticket).outcome == Callback.Outcome.DISPUTE_UPHELD
    assert Sanction.objects.filter(source_ref=f"complaint:{complaint.pk}").count() == 1


def test_upheld_through_the_complaint_page_keeps_the_ticket_unpaid_and_raises_the_penalty(
    client_for, month, no_external, finance
):
    ticket, complaint = _disputed_in_the_month_before(month, finance)
    page = client_for(roles.HQ)
    url = reverse("tickets:complaint", args=[complaint.pk])
    response = page.post(url, {"verdict": "upheld", "investigation": "上门复查：确未修好"})
    assert response.status_code == 302 and response["Location"] == url
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["投诉已办结。"]
    _assert_upheld_and_unpaid_in_the_next_run(ticket, complaint, month)


def test_not_upheld_through_the_api_confirms_the_callback_and_the_next_run_pays(month, no_external, finance):
    ticket, complaint = _disputed_in_the_month_before(month, finance)
    _resolve_by_api(complaint, "not_upheld", "电话复核：已修好")
    assert Callback.objects.get(ticket=ticket).outcome == Callback.Outcome.CONFIRMED_AFTER_DISPUTE
    assert not Sanction.objects.filter(source_ref=f"complaint:{complaint.pk}").exists()
    settlement_month_build(month=month)
    line = StatementLine.objects.get(ticket=ticket)
    assert line.statement.month == month and line.amount == Decimal("30.00")
    assert line.statement.fees_total == Decimal("30.00")
    settlement_month_build(month=month)
    assert StatementLine.objects.filter(ticket=ticket).count() == 1
