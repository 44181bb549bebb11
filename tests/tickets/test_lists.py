"""The ticket, callback and complaint lists taken away (XLSX with the page's filters, masked, scoped) and acted on
in bulk (several tickets dispatched to one station: ``ticket_dispatch`` per ticket, each outcome reported)."""

import re

import pytest
from django.test import Client

from repairnet import roles
from repairnet.models import AuditEvent
from tests.factories import StationFactory, make_user
from tests.tickets.factories import TicketFactory, completed_ticket
from tests.xlsx import xlsx_rows
from tickets.models import Callback, Complaint, Ticket

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _masked(phone: str) -> str:
    digits = phone.removeprefix("+86")
    return f"{digits[:3]}****{digits[-4:]}"


def test_ticket_export_has_chinese_headers_the_filters_and_masked_phones():
    open_ticket = TicketFactory()
    closed = completed_ticket(callback_outcome=Callback.Outcome.CONFIRMED)
    hq = _client(make_user(roles.HQ))
    rows = xlsx_rows(hq.get("/tickets/export.xlsx"))
    assert rows[0][:6] == ["工单号", "客户", "电话", "行政区域", "序列号", "站点"]
    by_number = {r[0]: r for r in rows[1:]}
    assert set(by_number) == {open_ticket.number, closed.number}
    # a file leaves HQ: the phone is masked even for HQ, whose page shows it whole
    assert by_number[open_ticket.number][2] == _masked(open_ticket.customer.phone)
    assert open_ticket.customer.phone.removeprefix("+86") not in str(rows)
    assert open_ticket.customer.address not in str(rows)  # no street address in a file
    # the page's filters (and not its paging) choose the rows
    rows = xlsx_rows(hq.get("/tickets/export.xlsx", {"status": "received", "older": "garbage"}))
    assert [r[0] for r in rows[1:]] == [open_ticket.number]
    rows = xlsx_rows(hq.get("/tickets/export.xlsx", {"q": closed.device.serial}))
    assert [r[0] for r in rows[1:]] == [closed.number]


def test_station_staff_export_only_their_station_and_the_link_keeps_the_filters():
    mine, theirs = StationFactory(), StationFactory()
    own = TicketFactory(station=mine, status=Ticket.Status.DISPATCHED)
    TicketFactory(station=theirs, status=Ticket.Status.DISPATCHED)
    TicketFactory()  # not dispatched: no station sees it
    coordinator = _client(make_user(roles.COORDINATOR, mine))
    rows = xlsx_rows(coordinator.get("/tickets/export.xlsx"))
    assert [r[0] for r in rows[1:]] == [own.number]
    assert rows[1][2] == _masked(own.customer.phone)
    page = coordinator.get("/tickets/", {"status": "dispatched", "older": "x"}).content.decode()
    link = re.search(r'id="export-xlsx" href="([^"]+)"', page).group(1)
    assert link == "/tickets/export.xlsx?status=dispatched"
    assert 'id="bulk-form"' not in page  # a coordinator does not dispatch


def test_a_bad_filter_exports_no_rows_and_no_500():
    TicketFactory()
    rows = xlsx_rows(_client(make_user(roles.HQ)).get("/tickets/export.xlsx", {"status": "nonsense"}))
    assert len(rows) == 1


def test_callback_and_complaint_exports_are_scoped_and_masked():
    mine, theirs = StationFactory(), StationFactory()
    done = completed_ticket(station=mine)
    rows = xlsx_rows(_client(make_user(roles.HOTLINE)).get("/tickets/callbacks/export.xlsx"))
    assert rows[0][0] == "工单号" and rows[1][0] == done.number and rows[1][2] == _masked(done.customer.phone)
    assert (
        xlsx_rows(_client(make_user(roles.HOTLINE)).get("/tickets/callbacks/export.xlsx", {"status": "done"}))[1:] == []
    )
    assert _client(make_user(roles.COORDINATOR, mine)).get("/tickets/callbacks/export.xlsx").status_code == 403

    ours = Complaint.objects.create(
        station=mine,
        category="late",
        description="迟到",
        ack_due_at=done.completed_at,
        resolve_due_at=done.completed_at,
    )
    Complaint.objects.create(
        station=theirs,
        category="late",
        description="别家",
        ack_due_at=done.completed_at,
        resolve_due_at=done.completed_at,
    )
    rows = xlsx_rows(_client(make_user(roles.COORDINATOR, mine)).get("/tickets/complaints/export.xlsx"))
    assert [r[0] for r in rows[1:]] == [ours.pk] and rows[1][2] == mine.code
    rows = xlsx_rows(_client(make_user(roles.HQ)).get("/tickets/complaints/export.xlsx", {"station": theirs.pk}))
    assert [r[2] for r in rows[1:]] == [theirs.code]


def _dispatches(ticket) -> int:
    return AuditEvent.objects.filter(object_id=str(ticket.pk), verb="dispatch").count()


def test_bulk_dispatch_page_reports_each_ticket_and_a_double_submit_books_once():
    station = StationFactory()
    first, second = TicketFactory(), TicketFactory()
    gone = TicketFactory(station=StationFactory(), status=Ticket.Status.DISPATCHED)
    agent = _client(make_user(roles.HOTLINE))
    assert 'id="bulk-form"' in agent.get("/tickets/").content.decode()
    body = {"ids": [first.pk, second.pk, gone.pk], "station": station.pk, "_once": "bulk-1", "next": "/tickets/?q=x"}
    response = agent.post("/tickets/bulk/dispatch/", body, follow=True)
    assert response.status_code == 200 and response.redirect_chain[0][0] == "/tickets/?q=x"
    texts = [str(m) for m in response.context["messages"]]
    assert any(gone.number in t for t in texts)  # the refused one is named with its reason
    assert not any(first.number in t or second.number in t for t in texts)
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.DISPATCHED and ticket.station_id == station.pk
        assert _dispatches(ticket) == 1
    again = agent.post("/tickets/bulk/dispatch/", body)
    assert again.status_code == 302 and _dispatches(first) == 1


def test_bulk_dispatch_refuses_the_wrong_role_and_bad_input():
    ticket, station = TicketFactory(), StationFactory()
    body = {"ids": [ticket.pk], "station": station.pk}
    assert _client(make_user(roles.COORDINATOR, station)).post("/tickets/bulk/dispatch/", body).status_code == 403
    technician = _client(make_user(roles.TECHNICIAN, station))
    api = {"ids": [ticket.pk], "station": station.pk}
    response = technician.post("/api/v1/tickets/bulk-dispatch/", api, content_type="application/json")
    assert response.status_code == 403
    agent = _client(make_user(roles.HOTLINE))
    for bad in ({"ids": ["x"], "station": station.pk}, {"ids": [], "station": station.pk}, {"ids": [ticket.pk]}):
        assert agent.post("/tickets/bulk/dispatch/", bad).status_code == 302
    for bad in ({"ids": ["x"], "station": station.pk}, {"ids": [], "station": station.pk}, {"ids": [ticket.pk]}):
        assert agent.post("/api/v1/tickets/bulk-dispatch/", bad, content_type="application/json").status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RECEIVED


def test_bulk_dispatch_api_reports_a_partial_failure_and_replays_a_retry():
    station, inactive = StationFactory(), StationFactory(status="suspended")
    first, second = TicketFactory(), TicketFactory()
    agent = _client(make_user(roles.HOTLINE))
    body = {"ids": [first.pk, second.pk, 999999], "station": station.pk}
    second.status = Ticket.Status.CANCELLED
    second.save(update_fields=["status"])
    response = agent.post(
        "/api/v1/tickets/bulk-dispatch/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b1"
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["succeeded"], data["failed"]) == (1, 2)
    outcome = {r["id"]: r["ok"] for r in data["results"]}
    assert outcome == {first.pk: True, second.pk: False, 999999: False}
    assert all(r["message"] for r in data["results"])
    retry = agent.post(
        "/api/v1/tickets/bulk-dispatch/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b1"
    )
    assert retry.json() == data and retry["Idempotent-Replayed"] == "true" and _dispatches(first) == 1
    # a station no dispatch may reach: every ticket refused, with the station's reason, still a 200
    third = TicketFactory()
    body = {"ids": [third.pk], "station": inactive.pk}
    data = agent.post("/api/v1/tickets/bulk-dispatch/", body, content_type="application/json").json()
    assert data["succeeded"] == 0 and inactive.code in data["results"][0]["message"]
