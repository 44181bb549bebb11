"""「未发现故障」 is an explicit outcome of the repair report: ticked on the page or sent through the API, shown on
the ticket page and its PDF, and the only thing settlement pays the no-fault fee by (never the free text)."""

import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from pypdf import PdfReader

from repairnet import roles
from repairnet.models import AuditEvent
from settlement.models import FeeKind, StatementLine
from settlement.services import settlement_month_build
from tests import clock
from tests.factories import make_user
from tickets import services
from tickets.models import Callback, Ticket

from .factories import TicketFactory, certified_technician, completed_ticket

pytestmark = pytest.mark.django_db

migration = importlib.import_module("tickets.migrations.0005_no_fault_found")

REPORT = {"fault_found": "未发现故障，设备检测正常", "work_done": "指导客户重新搜台", "signoff_name": "王五"}


def _in_repair(station, tech) -> Ticket:
    ticket = TicketFactory()
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=make_user(roles.HOTLINE))
    services.ticket_accept(ticket_id=ticket.pk, actor=tech)
    services.ticket_arrive(ticket_id=ticket.pk, actor=tech)
    return Ticket.objects.get(pk=ticket.pk)


def _login(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def _pdf_text(client: Client, ticket: Ticket) -> str:
    response = client.get(f"/tickets/{ticket.pk}/report.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return "".join(page.extract_text() for page in reader.pages)


def _confirm_callback(ticket: Ticket) -> None:
    services.callbacks_sweep()
    services.callback_attempt(
        callback_id=Callback.objects.get(ticket=ticket).pk, actor=make_user(roles.HOTLINE), reached=True, repaired=True
    )


def _completed_with(report: dict, **kw) -> Ticket:
    """completed_ticket() with this repair report (the factory writes its own fault text)."""
    ticket = completed_ticket(**kw)
    Ticket.objects.filter(pk=ticket.pk).update(**report)
    return ticket


def _line(ticket: Ticket) -> StatementLine:
    settlement_month_build(month=clock.month_start())
    return StatementLine.objects.get(ticket=ticket)


# --- the page -----------------------------------------------------------------------------------------


def test_complete_page_offers_the_outcome_with_help_text_in_chinese(station):
    tech = certified_technician(station)
    ticket = _in_repair(station, tech)
    page = _login(tech, "zh-hans").get(f"/tickets/{ticket.pk}/complete/").content.decode()
    assert 'name="no_fault_found"' in page and 'type="checkbox"' in page
    assert "未发现故障（无故障）" in page
    assert "结算按“无故障”标准计费" in page
    assert 'aria-describedby="id_no_fault_found_helptext"' in page and 'id="id_no_fault_found_helptext"' in page


def test_technician_ticks_no_fault_found_on_the_page_and_report_shows_it(station):
    tech = certified_technician(station)
    ticket = _in_repair(station, tech)
    client = _login(tech)
    response = client.post(f"/tickets/{ticket.pk}/complete/", {**REPORT, "no_fault_found": "on"})
    assert response.status_code == 302, response.context["form"].errors
    ticket.refresh_from_db()
    assert (ticket.status, ticket.no_fault_found) == (Ticket.Status.COMPLETED, True)
    event = AuditEvent.objects.get(
        content_type=ContentType.objects.get_for_model(Ticket), object_id=str(ticket.pk), verb="complete"
    )
    assert event.data == {"no_fault_found": True}
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Inspection result" in page and "No fault found" in page
    assert "Inspection result" in (text := _pdf_text(client, ticket)) and "No fault found" in text
    chinese = _login(tech, "zh-hans")
    assert "检测结果" in chinese.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "检测结果" in (text := _pdf_text(chinese, ticket)) and "未发现故障（无故障）" in text


def test_page_left_unticked_records_a_fault_whatever_the_text_says(station):
    tech = certified_technician(station)
    ticket = _in_repair(station, tech)
    client = _login(tech)
    assert client.post(f"/tickets/{ticket.pk}/complete/", REPORT).status_code == 302
    ticket.refresh_from_db()
    assert ticket.no_fault_found is False
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Fault confirmed" in page and "No fault found" not in page
    text = _pdf_text(client, ticket)
    assert "Fault confirmed" in text and "No fault found" not in text


# --- the API ------------------------------------------------------------------------------------------


def test_api_complete_accepts_no_fault_found(station):
    tech = certified_technician(station)
    ticket = _in_repair(station, tech)
    response = _login(tech).post(
        f"/api/v1/tickets/{ticket.pk}/complete/", {**REPORT, "no_fault_found": True}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert Ticket.objects.get(pk=ticket.pk).no_fault_found is True


def test_api_complete_defaults_to_a_fault_and_refuses_a_non_boolean(station):
    tech = certified_technician(station)
    ticket = _in_repair(station, tech)
    client = _login(tech)
    bad = client.post(
        f"/api/v1/tickets/{ticket.pk}/complete/", {**REPORT, "no_fault_found": "maybe"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "no_fault_found" in bad.json()["errors"]
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.IN_REPAIR
    done = client.post(f"/api/v1/tickets/{ticket.pk}/complete/", REPORT, content_type="application/json")
    assert done.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).no_fault_found is False


# --- settlement -------------------------------------------------------------------------------------


def test_settlement_pays_no_fault_fee_by_the_box_and_full_repair_for_the_text_alone(station):
    tech = certified_technician(station)
    ok = {"station": station, "technician": tech, "callback_outcome": "confirmed"}
    ticked = _completed_with({"fault_found": "设备正常", "no_fault_found": True}, **ok)
    text_only = _completed_with({"fault_found": "无故障，未发现故障", "work_done": "no fault, NFF"}, **ok)
    settlement_month_build(month=clock.month_start())
    ticked_line = StatementLine.objects.get(ticket=ticked)
    text_line = StatementLine.objects.get(ticket=text_only)
    assert (ticked_line.fee_kind, ticked_line.amount) == (FeeKind.NO_FAULT_FOUND, Decimal("5.00"))
    assert (text_line.fee_kind, text_line.amount) == (FeeKind.ONSITE_REPAIR, Decimal("30.00"))


def test_page_api_and_settlement_agree_on_the_same_tickets(station):
    """One ticket completed on the page with the box ticked, one through the API without it, same free text:
    the page, the PDF, the API's stored outcome and the statement lines all say the same."""
    tech = certified_technician(station)
    by_page, by_api = _in_repair(station, tech), _in_repair(station, tech)
    client = _login(tech)
    assert client.post(f"/tickets/{by_page.pk}/complete/", {**REPORT, "no_fault_found": "on"}).status_code == 302
    api = client.post(
        f"/api/v1/tickets/{by_api.pk}/complete/", {**REPORT, "no_fault_found": False}, content_type="application/json"
    )
    assert api.status_code == 200
    # the API reads the ticket the page completed, and the other way round
    assert client.get(f"/api/v1/tickets/{by_page.pk}/").json()["fault_found"] == REPORT["fault_found"]
    for ticket in (by_page, by_api):
        _confirm_callback(ticket)
    outcomes = {}
    for ticket in (by_page, by_api):
        ticket.refresh_from_db()
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
        pdf = _pdf_text(client, ticket)
        outcomes[ticket.pk] = (
            ticket.no_fault_found,
            "No fault found" in page,
            "No fault found" in pdf,
            _line(ticket).fee_kind == FeeKind.NO_FAULT_FOUND,
        )
    assert outcomes == {by_page.pk: (True, True, True, True), by_api.pk: (False, False, False, False)}
    assert StatementLine.objects.get(ticket=by_page).amount == Decimal("5.00")
    assert StatementLine.objects.get(ticket=by_api).amount == Decimal("30.00")


# --- the data migration --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("无故障，指导使用", "", ""), True),
        (("", "未发现故障", ""), True),
        (("开机正常", "未见故障", ""), True),
        (("", "", "检测正常，指导客户设置"), True),
        (("机器无异常", "", ""), True),
        (("No fault found", "", ""), True),
        (("", "no  FAULT", ""), True),
        (("NFF", "", ""), True),
        (("", "", "tested: nff."), True),
        (("电源板损坏", "电容鼓包", "更换电源板"), False),
        (("有故障", "", ""), False),
        (("sniffed the cable", "", ""), False),
        (("no signal", "faulty tuner", ""), False),
        (("", "", ""), False),
    ],
)
def test_migration_classifier_reads_the_markers(texts, expected):
    assert migration.is_no_fault_text(*texts) is expected


def test_migration_marks_completed_tickets_from_their_text_only():
    nff = _completed_with({"fault_found": "经检测未发现故障"})
    in_work_done = _completed_with({"work_done": "Customer guided, NFF"})
    repaired = completed_ticket()
    still_open = TicketFactory(status=Ticket.Status.IN_REPAIR, fault_found="无故障")
    migration.classify_completed_tickets(apps, None)
    flags = dict(Ticket.objects.values_list("pk", "no_fault_found"))
    assert flags == {nff.pk: True, in_work_done.pk: True, repaired.pk: False, still_open.pk: False}
