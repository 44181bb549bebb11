"""Issue 18 (7): a coordinator reads on one page what the station was not paid and why — every excluded ticket
with its reason and what would make it payable, the disputes waiting on complaints, the deductions taken — on
the page and in the API, for their own station only."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from settlement.models import Adjustment, ExcludedTicket, Statement
from settlement.services import adjustment_add, settlement_month_build
from tests.factories import StationFactory, make_user
from tickets import services as tickets
from tickets.models import Complaint

from .conftest import at, certified

pytestmark = pytest.mark.django_db

R = ExcludedTicket.Reason


@pytest.fixture
def month_with_gaps(month, no_external):
    """One station's month: a paid ticket, one out of warranty, one waiting on its callback, one disputed (with
    its complaint), and a manual deduction."""
    from tests.tickets.factories import completed_ticket

    station = StationFactory(name="开封鼓楼维修站")
    tech = certified(station)
    paid = completed_ticket(station=station, technician=tech, completed_at=at(month, 3), callback_outcome="confirmed")
    charged = completed_ticket(
        station=station, technician=tech, completed_at=at(month, 4), in_warranty=False, callback_outcome="confirmed"
    )
    waiting = completed_ticket(station=station, technician=tech, completed_at=at(month, 28))
    disputed = completed_ticket(
        station=station, technician=tech, completed_at=at(month, 12), callback_outcome="disputed"
    )
    complaint = tickets.complaint_create(
        actor=make_user(roles.HOTLINE),
        ticket_id=disputed.pk,
        category=Complaint.Category.QUALITY,
        description="客户称没修好",
        source=Complaint.Source.CALLBACK,
    )
    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    adjustment_add(
        statement_id=statement.pk,
        actor=make_user(roles.FINANCE),
        amount=Decimal("-12.50"),
        description="配件逾期未返还",
    )
    return {
        "station": station,
        "statement": statement,
        "paid": paid,
        "charged": charged,
        "waiting": waiting,
        "disputed": disputed,
        "complaint": complaint,
    }


def test_the_page_lists_each_unpaid_ticket_with_its_reason_and_remedy(client_for, month_with_gaps):
    g = month_with_gaps
    url = reverse("settlement:statement-unpaid", args=[g["statement"].pk])
    response = client_for(roles.COORDINATOR, g["station"]).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    body = response.content.decode()
    rows = {e.ticket_id: e for e in response.context["excluded"]}
    assert set(rows) == {g["charged"].pk, g["waiting"].pk, g["disputed"].pk}  # the paid one is not there
    assert rows[g["charged"].pk].reason == R.OUT_OF_WARRANTY and not rows[g["charged"].pk].payable_later
    assert rows[g["waiting"].pk].reason == R.CALLBACK_PENDING and rows[g["waiting"].pk].payable_later
    assert rows[g["disputed"].pk].reason == R.CALLBACK_DISPUTED
    assert response.context["waiting"] == 2
    for e in rows.values():
        assert f'data-ticket="{e.ticket_id}"' in body
    # the remedies in Chinese, the complaint it waits on with its deadline, the deduction
    assert "保外维修由用户付费" in body
    assert f"#{g['complaint'].pk}" in body and 'id="unpaid-complaints"' in body
    assert response.context["deductions_total"] == Decimal("12.50")
    assert "配件逾期未返还" in body
    by_reason = {r["reason"]: r for r in response.context["by_reason"]}
    assert by_reason[R.CALLBACK_PENDING]["count"] == 1 and by_reason[R.CALLBACK_PENDING]["payable_later"]
    # the reasons that can still be paid come first
    assert [r["payable_later"] for r in response.context["by_reason"]] == [True, True, False]


def test_every_reason_has_a_remedy():
    assert set(ExcludedTicket.REMEDIES) == set(R)
    assert set(R) >= ExcludedTicket.WAITING


def test_the_statement_page_links_to_it(client_for, month_with_gaps):
    g = month_with_gaps
    body = client_for(roles.COORDINATOR, g["station"]).get(reverse("settlement:statement", args=[g["statement"].pk]))
    assert reverse("settlement:statement-unpaid", args=[g["statement"].pk]) in body.content.decode()


def test_another_station_is_refused_on_the_page_and_in_the_api(client_for, month_with_gaps):
    g = month_with_gaps
    other = StationFactory()
    assert (
        client_for(roles.COORDINATOR, other)
        .get(reverse("settlement:statement-unpaid", args=[g["statement"].pk]))
        .status_code
        == 404
    )
    api = APIClient()
    api.force_authenticate(make_user(roles.COORDINATOR, other))
    assert api.get(f"/api/v1/settlement/statements/{g['statement'].pk}/unpaid/").status_code == 404
    anonymous = APIClient().get(f"/api/v1/settlement/statements/{g['statement'].pk}/unpaid/")
    assert anonymous.status_code in (401, 403)


def test_the_api_gives_the_same_answer(month_with_gaps):
    g = month_with_gaps
    api = APIClient()
    api.force_authenticate(make_user(roles.COORDINATOR, g["station"]))
    response = api.get(f"/api/v1/settlement/statements/{g['statement'].pk}/unpaid/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    data = response.json()
    assert data["waiting"] == 2
    assert data["deductions_total"] == "12.50"
    tickets_by_id = {row["ticket_id"]: row for row in data["excluded"]}
    assert tickets_by_id[g["disputed"].pk]["complaint"] == g["complaint"].pk
    assert tickets_by_id[g["disputed"].pk]["payable_later"] is True
    assert tickets_by_id[g["charged"].pk]["remedy"].startswith("Out-of-warranty work is charged")
    assert [d["kind"] for d in data["deductions"]] == [Adjustment.Kind.MANUAL]


def test_hq_sees_any_station_and_the_queries_do_not_grow(client_for, month, no_external, django_assert_max_num_queries):
    from tests.tickets.factories import completed_ticket

    station = StationFactory()
    tech = certified(station)
    for day in range(1, 4):
        completed_ticket(station=station, technician=tech, completed_at=at(month, day), in_warranty=False)
    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    finance = client_for(roles.FINANCE)
    url = reverse("settlement:statement-unpaid", args=[statement.pk])
    with django_assert_max_num_queries(12) as small:
        assert finance.get(url).status_code == 200
    for day in range(4, 24):
        completed_ticket(station=station, technician=tech, completed_at=at(month, day), in_warranty=False)
    settlement_month_build(month=month)
    with django_assert_max_num_queries(12) as large:
        response = finance.get(url)
    assert len(response.context["excluded"]) == 23
    assert len(large.captured_queries) == len(small.captured_queries)
