"""Pages and API: permissions, station scope, the flow through HTTP, downloads, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import AuditEvent
from settlement.models import Statement
from settlement.services import settlement_month_build, statement_issue
from tests import clock
from tests.factories import make_user

from .conftest import at, certified

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(month, simple_month, finance):
    settlement_month_build(month=month)
    a, b = simple_month
    return {
        "a": Statement.objects.get(station=a, month=month),
        "b": Statement.objects.get(station=b, month=month),
        "coord_a": make_user(roles.COORDINATOR, a),
    }


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_finance_month_page_lists_stations_totals_and_chart(
    client_for, month, built, django_assert_max_num_queries, django_assert_num_queries
):
    from tests.factories import StationFactory, region
    from tests.tickets.factories import completed_ticket

    client = client_for(roles.FINANCE)
    url = reverse("settlement:month", kwargs={"month": f"{month:%Y-%m}"})
    client.get(url)  # warm caches (content types, session)
    with django_assert_max_num_queries(15) as small:
        body = client.get(url).content.decode()
    few = len(small.captured_queries)
    assert "郑州中原维修站" in body and "成都锦江维修站" in body
    assert "¥60.00" in body
    assert 'id="region-chart-data"' in body
    # Eight more stations in both provinces, each with tickets: the page must not query per statement.
    for i in range(8):
        station = StationFactory(name=f"新增维修站{i}", regions=[region("510104" if i % 2 else "410102")])
        for day in (3, 4):
            completed_ticket(
                station=station,
                technician=certified(station),
                completed_at=at(month, day),
                callback_outcome="confirmed",
            )
    settlement_month_build(month=month)
    with django_assert_num_queries(few):
        body = client.get(url).content.decode()
    assert "新增维修站0" in body and "新增维修站7" in body
    assert "¥540.00" in body  # 2 + 16 on-site repairs at ¥30


def test_station_sees_only_its_own_statements(client_for, month, built):
    client = client_for(roles.COORDINATOR, built["a"].station)
    body = client.get(reverse("settlement:statements")).content.decode()
    assert "郑州中原维修站" in body and "成都锦江维修站" not in body
    assert client.get(reverse("settlement:statement", args=[built["b"].pk])).status_code == 404
    assert client.get(reverse("settlement:statement-pdf", args=[built["b"].pk])).status_code == 404
    assert client.get(reverse("settlement:month-workbook", kwargs={"month": f"{month:%Y-%m}"})).status_code == 403
    assert client.get(reverse("settlement:month", kwargs={"month": f"{month:%Y-%m}"})).status_code == 403
    api = APIClient()
    api.force_login(make_user(roles.COORDINATOR, built["a"].station))
    ids = [row["id"] for row in api.get("/api/v1/settlement/statements/").json()["results"]]
    assert ids == [built["a"].pk]
    assert api.get(f"/api/v1/settlement/statements/{built['b'].pk}/").status_code == 404
    assert api.get(f"/api/v1/settlement/statements/{built['b'].pk}/pdf/").status_code == 404
    assert api.get(f"/api/v1/settlement/months/{month:%Y-%m}/workbook/").status_code == 403


def test_technician_cannot_open_settlement(client_for, built):
    client = client_for(roles.TECHNICIAN, built["a"].station)
    assert client.get(reverse("settlement:statements")).status_code == 403


def test_flow_through_pages_records_who_when_why(client_for, month, built, finance):
    st = built["a"]
    fin = client_for(roles.FINANCE)
    fin.post(reverse("settlement:statement-action", args=[st.pk, "issue"]), {"note": ""})
    coord = APIClient()
    coord.force_login(built["coord_a"])
    page = coord.get(reverse("settlement:statement", args=[st.pk])).content.decode()
    assert "****" in page  # the customer phone is masked for the station
    # a dispute without a reason is refused with a message and changes nothing
    coord.post(reverse("settlement:statement-action", args=[st.pk, "dispute"]), {"reason": ""})
    st.refresh_from_db()
    assert st.status == Statement.Status.ISSUED
    coord.post(reverse("settlement:statement-action", args=[st.pk, "dispute"]), {"reason": "少算了一张工单"})
    st.refresh_from_db()
    assert st.status == Statement.Status.DISPUTED and st.dispute_reason == "少算了一张工单"
    fin.post(reverse("settlement:statement-action", args=[st.pk, "resolve"]), {"resolution": "已核对，数据无误"})
    fin.post(reverse("settlement:statement-action", args=[st.pk, "approve"]), {"note": ""})
    pay = reverse("settlement:statement-action", args=[st.pk, "pay"])
    tomorrow = clock.today() + datetime.timedelta(days=1)
    refused = fin.post(pay, {"paid_on": tomorrow.isoformat(), "reference": "BANK-2026-001"}, follow=True)
    assert "付款日期不能晚于今天" in refused.content.decode()
    st.refresh_from_db()
    assert st.status == Statement.Status.APPROVED and not st.payment_reference
    # paid today: the latest day allowed, after the settled month on every day of the year
    paid = fin.post(pay, {"paid_on": clock.today().isoformat(), "reference": "BANK-2026-001"}, follow=True)
    assert "付款日期不能晚于今天" not in paid.content.decode()
    st.refresh_from_db()
    assert st.status == Statement.Status.PAID and st.payment_reference == "BANK-2026-001"
    verbs = list(
        AuditEvent.objects.filter(object_id=str(st.pk), content_type__model="statement").values_list("verb", "actor_id")
    )
    assert [v for v, _a in verbs] == [
        "statement_issue",
        "statement_dispute",
        "statement_dispute_rejected",
        "statement_approve",
        "statement_pay",
    ]
    assert verbs[1][1] == built["coord_a"].pk


def test_coordinator_cannot_confirm_another_station(month, built, finance):
    statement_issue(statement_id=built["b"].pk, actor=finance)
    response = api_for(built["coord_a"]).post(f"/api/v1/settlement/statements/{built['b'].pk}/confirm/", {})
    assert response.status_code == 404
    built["b"].refresh_from_db()
    assert built["b"].status == Statement.Status.ISSUED


def test_api_run_statements_actions_and_errors(month, simple_month, finance, django_capture_on_commit_callbacks):
    api = api_for(finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/settlement/runs/", {"month": f"{month:%Y-%m}"}, format="json")
    assert response.status_code == 202
    run = api.get(f"/api/v1/settlement/runs/{response.json()['id']}/").json()
    assert run["status"] == "done" and run["progress"] == 100
    bad = api.post("/api/v1/settlement/runs/", {"month": "2026-13"}, format="json")
    assert bad.status_code == 400 and bad.json()["detail"]
    rows = api.get(f"/api/v1/settlement/statements/?month={month:%Y-%m}").json()["results"]
    assert len(rows) == 2 and {r["net"] for r in rows} == {"30.00"}
    pk = rows[0]["id"]
    detail = api.get(f"/api/v1/settlement/statements/{pk}/").json()
    assert detail["lines"][0]["amount"] == "30.00" and "****" in detail["lines"][0]["customer_phone"]
    adjusted = api.post(
        f"/api/v1/settlement/statements/{pk}/adjust/", {"amount": "-2.50", "description": "更正"}, format="json"
    )
    assert adjusted.json()["net"] == "27.50"
    assert api.post(f"/api/v1/settlement/statements/{pk}/issue/", {}, format="json").json()["status"] == "issued"
    refused = api.post(f"/api/v1/settlement/statements/{pk}/approve/", {}, format="json")
    assert refused.status_code == 400 and "“" in refused.json()["detail"]
    assert api.post(f"/api/v1/settlement/statements/{pk}/confirm/", {}, format="json").status_code == 403
    pdf = api.get(f"/api/v1/settlement/statements/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    xlsx = api.get(f"/api/v1/settlement/months/{month:%Y-%m}/workbook/")
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    rules = api.get("/api/v1/settlement/fee-rules/").json()["results"]
    assert {r["kind"]: r["amount"] for r in rules}["onsite_repair"] == "30.00"


def test_statement_list_api_constant_queries(
    month, simple_month, finance, django_assert_max_num_queries, django_assert_num_queries
):
    from tests.factories import StationFactory
    from tests.tickets.factories import completed_ticket

    settlement_month_build(month=month)
    api = api_for(finance)
    api.get("/api/v1/settlement/statements/")  # warm caches (the user's roles)
    with django_assert_max_num_queries(6) as small:
        rows = api.get("/api/v1/settlement/statements/").json()["results"]
    few = len(small.captured_queries)
    assert len(rows) == 2
    for _ in range(5):
        station = StationFactory()
        completed_ticket(
            station=station, technician=certified(station), completed_at=at(month, 3), callback_outcome="confirmed"
        )
    settlement_month_build(month=month)
    with django_assert_num_queries(few):
        rows = api.get("/api/v1/settlement/statements/").json()["results"]
    assert len(rows) == 7
    assert sum(Decimal(r["net"]) for r in rows) == Decimal("210.00")


def test_drill_down_shows_why_a_ticket_counts(client_for, built):
    line = built["a"].lines.get()
    client = client_for(roles.COORDINATOR, built["a"].station)
    body = client.get(reverse("settlement:statement-ticket", args=[built["a"].pk, line.ticket_id])).content.decode()
    assert line.basis in body and "****" in body
