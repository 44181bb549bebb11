"""Issue 18 item 2: the notification outbox. Each event writes its rows in the action's transaction; the sweep
delivers through the configured channels once, retries with backoff, gives up, recovers abandoned rows; opted-out
customers are skipped; HQ sees every message's status, station staff are refused."""

import datetime
import json
import socket

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from repairnet import outbox, roles
from repairnet.channels import Channel
from repairnet.models import MessageOptOut, MessageTemplate, Notification, OutboxEvent, OutboxMessage
from repairnet.phones import phone_normalise
from tests import clock
from tests.concurrency import run_threads
from tests.factories import StationFactory, make_user
from tests.tickets.test_services import complete, log_call
from tickets import services

pytestmark = pytest.mark.django_db
M = OutboxMessage.Status
E = OutboxEvent
PHONE = phone_normalise("13912345678")


class Recording(Channel):
    """Remembers what it sent; fails while ``failing`` is set."""

    sent: list = []
    failing = False

    def send(self, message, *, subject, body):
        if Recording.failing:
            raise ConnectionError("gateway down")
        Recording.sent.append((message.channel, message.address, body))


@pytest.fixture
def recording(settings):
    Recording.sent, Recording.failing = [], False
    path = "tests.repairnet.test_outbox.Recording"
    settings.OUTBOX_CHANNELS = {**settings.OUTBOX_CHANNELS, "sms": path, "wechat": path, "email": path}
    return Recording


def rows(event):
    return OutboxMessage.objects.filter(event=event)


def test_each_customer_event_writes_one_row_per_channel(agent, station, tech, recording):
    ticket = log_call(agent)
    assert sorted(rows(E.TICKET_LOGGED).values_list("channel", "address")) == [("sms", PHONE), ("wechat", PHONE)]
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    assert rows(E.CUSTOMER_DISPATCHED).count() == 2
    # the station's staff: in-app, delivered in the dispatch's own transaction
    staff = rows(E.TICKET_DISPATCHED).get(channel="in_app", user=tech)
    assert staff.status == M.SENT and Notification.objects.filter(recipient=tech, key=staff.key).count() == 1
    services.ticket_accept(ticket_id=ticket.pk, actor=tech)
    services.ticket_schedule(ticket_id=ticket.pk, actor=tech, appointment_at=clock.now() + datetime.timedelta(hours=3))
    services.ticket_depart(ticket_id=ticket.pk, actor=tech)
    services.ticket_arrive(ticket_id=ticket.pk, actor=tech)
    complete(ticket, tech)
    for event in (E.APPOINTMENT_SET, E.TECHNICIAN_ON_THE_WAY, E.TICKET_COMPLETED):
        assert sorted(rows(event).values_list("channel", flat=True)) == ["sms", "wechat"], event
    assert rows(E.TECHNICIAN_ON_THE_WAY).first().context["technician"] == tech.last_name
    # the callback falls due and is missed: the customer is asked once, however often the sweep runs
    later = clock.now() + datetime.timedelta(days=2)
    services.callbacks_sweep(now=later)
    services.callbacks_sweep(now=later)
    assert rows(E.CALLBACK_DUE).count() == 2
    assert not recording.sent  # nothing is sent by the actions themselves
    counts = outbox.outbox_deliver_due(now=later)
    assert counts[M.SENT] == OutboxMessage.objects.filter(channel__in=["sms", "wechat"]).count() == 12
    texts = [body for channel, address, body in recording.sent if channel == "sms"]
    assert all(body.startswith("【RepairNet售后】") and ticket.number in body for body in texts)
    assert any(station.name in body for body in texts)


def test_a_rolled_back_action_writes_no_row(agent, station, tech):
    ticket = log_call(agent)
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
        assert OutboxMessage.objects.count() > before
        raise RuntimeError("the request failed after the dispatch")
    assert OutboxMessage.objects.count() == before
    assert not Notification.objects.exists()


def test_a_retried_event_adds_nothing(agent):
    ticket = log_call(agent)
    again = outbox.enqueue(event=E.TICKET_LOGGED, key=f"ticket_logged:{ticket.pk}", phones=[PHONE])
    assert again == 0 and rows(E.TICKET_LOGGED).count() == 2
    with pytest.raises(ValueError):
        outbox.enqueue(event="gossip", key="x", phones=[PHONE])


def test_station_events_reach_coordinators_in_app_and_by_email(recording):
    from settlement.models import Statement
    from settlement.services import statement_issue

    station = StationFactory()
    coordinator = make_user(roles.COORDINATOR, station)
    coordinator.email = "coord@example.com"
    coordinator.save()
    statement = Statement.objects.create(station=station, month=clock.month_start(), net="10.00")
    statement_issue(statement_id=statement.pk, actor=make_user(roles.FINANCE))
    assert sorted(rows(E.STATEMENT_ISSUED).values_list("channel", "status")) == [
        ("email", M.PENDING),
        ("in_app", M.SENT),
    ]
    outbox.outbox_deliver_due()
    [(channel, address, body)] = recording.sent
    assert channel == "email" and address == "coord@example.com" and "10.00" in body


def test_the_request_only_writes_rows(agent, station, tech, recording, monkeypatch, django_capture_on_commit_callbacks):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    services.ticket_accept(ticket_id=ticket.pk, actor=tech)

    def no_network(*args, **kwargs):
        raise AssertionError("a request opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    client = Client()
    client.force_login(tech)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = client.post(f"/tickets/{ticket.pk}/do/depart/")
    assert response.status_code == 302
    assert not recording.sent
    assert set(rows(E.TECHNICIAN_ON_THE_WAY).values_list("status", flat=True)) == {M.PENDING}
    assert [fn.__name__ for fn in after_commit] == ["_kick"]  # after the commit: only the task is queued


def test_failures_back_off_exponentially_then_give_up(agent, recording, settings):
    settings.REPAIRNET = {**settings.REPAIRNET, "OUTBOX_MAX_ATTEMPTS": 3, "OUTBOX_RETRY_SECONDS": 60}
    log_call(agent)
    recording.failing = True
    start = clock.now()
    with clock.travel(start, tick=False):
        outbox.outbox_deliver_due()
    sms = OutboxMessage.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.next_attempt_at) == (M.PENDING, 1, start + datetime.timedelta(seconds=60))
    assert "gateway down" in sms.last_error
    assert outbox.outbox_deliver_due(now=start + datetime.timedelta(seconds=59))[M.PENDING] == 0  # not yet due
    outbox.outbox_deliver_due(now=start + datetime.timedelta(seconds=60))
    sms.refresh_from_db()
    assert (sms.attempts, sms.next_attempt_at) == (2, start + datetime.timedelta(seconds=180))
    outbox.outbox_deliver_due(now=start + datetime.timedelta(seconds=180))
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (M.FAILED, 3)
    assert outbox.outbox_deliver_due(now=start + datetime.timedelta(days=1))[M.FAILED] == 0  # never again
    assert not recording.sent


def test_a_message_left_sending_by_a_dead_worker_is_recovered(agent, recording, settings):
    log_call(agent)
    start = clock.now()
    OutboxMessage.objects.update(status=M.SENDING, locked_at=start, attempts=1)
    assert outbox.outbox_deliver_due(now=start + datetime.timedelta(seconds=60))["recovered"] == 0
    late = start + datetime.timedelta(seconds=settings.REPAIRNET["OUTBOX_SENDING_TIMEOUT_SECONDS"] + 1)
    counts = outbox.outbox_deliver_due(now=late)
    assert counts["recovered"] == 2 and counts[M.SENT] == 2
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(M.SENT, 2)}


def test_an_opted_out_customer_is_skipped_at_enqueue_and_at_delivery(agent, recording):
    MessageOptOut.objects.create(phone=PHONE)
    log_call(agent)
    assert set(rows(E.TICKET_LOGGED).values_list("status", flat=True)) == {M.SKIPPED}
    MessageOptOut.objects.all().delete()
    outbox.enqueue(event=E.CALLBACK_DUE, key="callback_due:x", phones=[PHONE], context={"number": "T1"})
    MessageOptOut.objects.create(phone=PHONE)  # opted out after the message was written
    assert outbox.outbox_deliver_due()[M.SKIPPED] == 2
    assert not recording.sent


def test_templates_are_rendered_from_the_admins_text(agent, recording):
    MessageTemplate.objects.filter(event=E.TICKET_LOGGED, channel="sms").update(body="工单{{ number }}已受理")
    ticket = log_call(agent)
    outbox.outbox_deliver_due()
    assert ("sms", PHONE, f"工单{ticket.number}已受理") in recording.sent
    assert OutboxMessage.objects.get(channel="sms").body == f"工单{ticket.number}已受理"


def test_the_console_channel_writes_one_json_line(agent, settings, tmp_path):
    settings.OUTBOX_FILE = str(tmp_path / "outbox.jsonl")
    ticket = log_call(agent)
    outbox.outbox_deliver_due()
    lines = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(line["channel"] for line in lines) == ["sms", "wechat"]
    assert all(line["to"] == PHONE and ticket.number in line["body"] for line in lines)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_deliver_each_message_once(agent, recording, monkeypatch):
    monkeypatch.setattr(outbox, "_kick", lambda: None)  # leave every row to the racing sweeps
    for n in range(10):
        outbox.enqueue(event=E.CALLBACK_DUE, key=f"callback_due:{n}", phones=[PHONE], context={"number": f"T{n}"})
    results = run_threads(4, lambda i: outbox.outbox_deliver_due()[M.SENT])
    assert sum(results) == 20, results
    assert len(recording.sent) == 20
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(M.SENT, 1)}


def test_hq_sees_the_outbox_and_station_staff_are_refused(agent, station, tech, django_assert_max_num_queries):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    hq = Client()
    hq.force_login(make_user(roles.HQ))
    with django_assert_max_num_queries(12):
        page = hq.get("/outbox/?channel=sms")
    assert page.status_code == 200 and page.context["page_obj"].paginator.count == 2
    api = hq.get("/api/v1/outbox/", {"event": "ticket_dispatched", "status": "sent"})
    assert api.status_code == 200 and [r["recipient"] for r in api.json()["results"]] == [f"user:{tech.pk}"]
    assert hq.get("/api/v1/outbox/", {"status": "nonsense"}).status_code == 400
    for role in (roles.COORDINATOR, roles.TECHNICIAN):
        staff = Client()
        staff.force_login(make_user(role, station))
        assert staff.get("/outbox/").status_code == 403
        assert staff.get("/api/v1/outbox/").status_code == 403


def test_the_outbox_page_keeps_its_query_count(agent):
    hq = Client()
    hq.force_login(make_user(roles.HQ))
    log_call(agent)
    with CaptureQueriesContext(connection) as small:
        assert hq.get("/outbox/").status_code == 200
    for n in range(30):
        outbox.enqueue(event=E.TICKET_REJECTED, key=f"ticket_rejected:{n}", user_ids=[make_user(roles.HQ).pk])
    with CaptureQueriesContext(connection) as large:
        page = hq.get("/outbox/")
    assert page.context["page_obj"].paginator.count == 32
    assert len(large) == len(small)
