"""SPEC 4: a ticket whose callback is disputed waits until its complaint is resolved. The statement page, its API
representation, the finance workbook and the PDF show such a line as "waiting on complaint #N" (等待投诉 #N 处理)."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from repairnet import roles
from settlement import exports
from settlement.models import ExcludedTicket, Statement, StatementLine
from settlement.services import settlement_month_build, statement_issue
from tests.factories import StationFactory, make_user
from tickets import services as tickets
from tickets.models import Complaint

from .conftest import at, certified

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputed(month, no_external):
    """A ticket of the month whose callback was disputed; the callback opened complaint #N."""
    from tests.tickets.factories import completed_ticket

    station = StationFactory(name="洛阳涧西维修站")
    ticket = completed_ticket(
        station=station, technician=certified(station), completed_at=at(month, 12), callback_outcome="disputed"
    )
    complaint = tickets.complaint_create(
        actor=make_user(roles.HOTLINE),
        ticket_id=ticket.pk,
        category=Complaint.Category.QUALITY,
        description="回访时客户称收费不对",
        source=Complaint.Source.CALLBACK,
    )
    settlement_month_build(month=month)
    statement = Statement.objects.get(station=station, month=month)
    return {"station": station, "ticket": ticket, "complaint": complaint, "statement": statement}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_run_records_the_complaint_a_disputed_ticket_waits_on(disputed):
    excluded = ExcludedTicket.objects.get(ticket=disputed["ticket"])
    assert excluded.reason == ExcludedTicket.Reason.CALLBACK_DISPUTED
    assert excluded.complaint_id == disputed["complaint"].pk
    with translation.override("zh-hans"):
        assert excluded.reason_label == f"等待投诉 #{disputed['complaint'].pk} 处理"
    with translation.override("en"):
        assert excluded.reason_label == f"waiting on complaint #{disputed['complaint'].pk}"
    assert not StatementLine.objects.filter(ticket=disputed["ticket"]).exists()


def test_statement_page_shows_waiting_on_complaint_number(client_for, disputed):
    n = disputed["complaint"].pk
    url = reverse("settlement:statement", args=[disputed["statement"].pk])
    body = client_for(roles.FINANCE).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"等待投诉 #{n} 处理" in body
    # the station's coordinator sees it too, linked to the complaint (their own station's)
    coordinator = client_for(roles.COORDINATOR, disputed["station"])
    body = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'href="{reverse("tickets:complaint", args=[n])}"' in body
    assert f"等待投诉 #{n} 处理" in body
    drill = reverse("settlement:statement-ticket", args=[disputed["statement"].pk, disputed["ticket"].pk])
    assert f"等待投诉 #{n} 处理" in coordinator.get(drill, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_statement_api_shows_the_complaint_number(disputed):
    n = disputed["complaint"].pk
    api = _api(make_user(roles.FINANCE))
    data = api.get(f"/api/v1/settlement/statements/{disputed['statement'].pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    (row,) = data["excluded"]
    assert row["reason"] == "callback_disputed"
    assert row["complaint"] == n
    assert row["reason_label"] == f"waiting on complaint #{n}"
    data = api.get(f"/api/v1/settlement/statements/{disputed['statement'].pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert data["excluded"][0]["reason_label"] == f"等待投诉 #{n} 处理"


def test_finance_workbook_shows_the_complaint_number(month, disputed):
    n = disputed["complaint"].pk
    api = _api(make_user(roles.FINANCE))
    response = api.get(f"/api/v1/settlement/months/{month:%Y-%m}/workbook/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = wb["未计费工单"]
    assert [c.value for c in sheet[1]][2] == "工单号" and sheet[1][6].value == "原因"
    rows = {sheet.cell(row=r, column=3).value: sheet.cell(row=r, column=7).value for r in range(2, sheet.max_row + 1)}
    assert rows == {disputed["ticket"].number: f"等待投诉 #{n} 处理"}


def test_pdf_statement_shows_the_complaint_number(disputed, tmp_path):
    n = disputed["complaint"].pk
    with translation.override("zh-hans"):
        path = exports.statement_pdf_build(statement=disputed["statement"], path=tmp_path / "s.pdf")
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert f"#{n}" in text


def test_a_ticket_waiting_from_an_earlier_month_still_names_its_open_complaint(month, no_external, finance):
    """Carried into the next month, the waiting line names the complaint still open (not an older, resolved one)."""
    from tests.tickets.factories import completed_ticket

    earlier = (month - datetime.timedelta(days=1)).replace(day=1)
    station = StationFactory()
    ticket = completed_ticket(
        station=station, technician=certified(station), completed_at=at(earlier, 26), callback_outcome="disputed"
    )
    hotline, hq = make_user(roles.HOTLINE), make_user(roles.HQ)
    old = tickets.complaint_create(actor=hotline, ticket_id=ticket.pk, category="attitude", description="态度差")
    Complaint.objects.filter(pk=old.pk).update(status=Complaint.Status.RESOLVED, verdict="not_upheld")
    waiting = tickets.complaint_create(
        actor=hotline, ticket_id=ticket.pk, category="quality", description="未修好", source="callback"
    )
    settlement_month_build(month=earlier)
    statement_issue(statement_id=Statement.objects.get(station=station, month=earlier).pk, actor=finance)
    settlement_month_build(month=month)
    carried = ExcludedTicket.objects.get(ticket=ticket, statement__month=month)
    assert carried.complaint_id == waiting.pk
    # resolved (not upheld): the next run pays the ticket, once, and nothing waits any more
    tickets.complaint_resolve(complaint_id=waiting.pk, actor=hq, verdict="not_upheld", investigation="已修复")
    settlement_month_build(month=month)
    assert StatementLine.objects.get(ticket=ticket).statement.month == month
    assert not ExcludedTicket.objects.filter(ticket=ticket, statement__month=month).exists()
