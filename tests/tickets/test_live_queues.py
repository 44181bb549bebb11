"""Issue 16, live queues: a completed ticket is in the callback queue at once with no scheduler (the callback is
opened at completion with its due time; the sweep only backfills, escalates and records), the queues' one-query
state endpoints, and the notifications the tickets area raises (dispatched, rejected, SLA about to breach)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from repairnet import roles
from repairnet.models import Notification
from tests import clock
from tests.factories import make_user
from tickets import services
from tickets.models import Callback, Ticket

from .factories import completed_ticket
from .test_services import complete, log_call, run_to_in_repair

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


def shanghai(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    ("completed_at", "due_at"),
    [
        (shanghai(2026, 1, 31, 17, 30), shanghai(2026, 2, 1, 17, 30)),  # month end
        (shanghai(2026, 2, 28, 23, 50), shanghai(2026, 3, 1, 23, 50)),  # February's end
        (shanghai(2026, 12, 31, 23, 59), shanghai(2027, 1, 1, 23, 59)),  # year end
    ],
)
def test_a_completed_ticket_is_in_the_callback_queue_at_once_without_the_sweep(
    completed_at, due_at, agent, station, tech, client_for
):
    with clock.travel(completed_at - datetime.timedelta(hours=2), tick=False):
        ticket = log_call(agent)
        run_to_in_repair(ticket, agent, station, tech)
    with clock.travel(completed_at, tick=False):
        ticket = complete(ticket, tech)
    callback = Callback.objects.get(ticket=ticket)  # no sweep ran
    assert callback.status == Callback.Status.OPEN and callback.due_at == due_at == ticket.callback_due_at
    with clock.travel(completed_at + datetime.timedelta(minutes=5), tick=False):
        hotline = client_for(roles.HOTLINE)  # logged in at that time (sessions expire)
        page = hotline.get("/tickets/callbacks/").content.decode()
        assert ticket.number in page and f'data-callback="{callback.pk}" class="table-danger"' not in page
        api = hotline.get("/api/v1/callbacks/?status=open").json()
        assert [row["id"] for row in api["results"]] == [callback.pk]
    # past its due time it is shown overdue though no sweep escalated it
    with clock.travel(due_at + datetime.timedelta(minutes=1), tick=False):
        hotline = client_for(roles.HOTLINE)
        page = hotline.get("/tickets/callbacks/").content.decode()
        assert f'data-callback="{callback.pk}" class="table-danger"' in page
        assert hotline.get("/tickets/callbacks/state.json").json()["overdue"] == 1
        # the sweep now only escalates (and records), creating nothing
        assert services.callbacks_sweep() == {"created": 0, "escalated": 1}
    assert Callback.objects.filter(ticket=ticket).count() == 1


def test_completion_retried_or_raced_with_the_sweep_keeps_one_callback(agent, station, tech):
    ticket = log_call(agent)
    run_to_in_repair(ticket, agent, station, tech)
    ticket = complete(ticket, tech)
    assert services.callbacks_sweep()["created"] == 0
    services.callback_open(ticket=ticket)  # a retried completion step
    assert Callback.objects.filter(ticket=ticket).count() == 1


def test_the_queues_write_nothing_and_the_sweep_opens_the_callback_of_a_ticket_completed_outside_the_service(
    client_for,
):
    """A GET is safe: the page, its poll and the API only read. An imported ticket completed without ticket_complete
    reaches the queue when the sweep backfills it."""
    ticket = completed_ticket(open_callback=False)
    hotline = client_for(roles.HOTLINE)
    with CaptureQueriesContext(connection) as queries:
        page = hotline.get("/tickets/callbacks/").content.decode()
        hotline.get("/tickets/callbacks/state.json")
        hotline.get("/api/v1/callbacks/")
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert not [sql for sql in writes if "django_session" not in sql and "last_login" not in sql], writes
    assert ticket.number not in page and not Callback.objects.filter(ticket=ticket).exists()
    assert services.callbacks_sweep()["created"] == 1
    assert ticket.number in hotline.get("/tickets/callbacks/").content.decode()
    assert Callback.objects.get(ticket=ticket).due_at == ticket.callback_due_at


def test_callback_state_is_one_query_and_changes_with_the_queue(client_for):
    hotline = client_for(roles.HOTLINE)
    completed_ticket()
    first = hotline.get("/tickets/callbacks/state.json").json()
    assert first["count"] == 1
    for _ in range(5):
        completed_ticket()
    with CaptureQueriesContext(connection) as queries:
        response = hotline.get("/tickets/callbacks/state.json")
    second = response.json()
    assert second["count"] == 6 and second["version"] != first["version"]
    assert response["Cache-Control"] == "no-store"
    # session + user + roles and the aggregate: the same whatever the queue's size
    for _ in range(20):
        completed_ticket()
    hotline.get("/tickets/callbacks/state.json")
    with CaptureQueriesContext(connection) as more:
        hotline.get("/tickets/callbacks/state.json")
    assert len(more) <= len(queries)
    technician = client_for(roles.TECHNICIAN, completed_ticket().station)
    assert technician.get("/tickets/callbacks/state.json").status_code in (302, 403)


def test_station_queue_state_counts_new_dispatches_of_the_own_station_only(agent, station, other_station, client_for):
    coordinator_client = client_for(roles.COORDINATOR, station)
    before = coordinator_client.get("/tickets/queue/state.json").json()
    assert before["count"] == 0 and before["dispatched"] == 0
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    other = log_call(agent, serial="HD2501000002", phone="13912345679")
    services.ticket_dispatch(ticket_id=other.pk, station_id=other_station.pk, actor=agent)
    after = coordinator_client.get("/tickets/queue/state.json").json()
    assert after["dispatched"] == 1 and after["count"] == 1 and after["version"] != before["version"]
    with CaptureQueriesContext(connection) as queries:
        coordinator_client.get("/tickets/queue/state.json?mine=1")
    assert sum("tickets_ticket" in q["sql"] for q in queries.captured_queries) == 1
    assert client_for(roles.HOTLINE).get("/tickets/queue/state.json").status_code in (302, 403)
    page = coordinator_client.get("/tickets/queue/").content.decode()
    assert 'data-live-url="/tickets/queue/state.json"' in page and "tickets/live_queue.js" in page


def test_dispatch_notifies_the_station_staff_once_and_reject_notifies_hotline_and_hq(
    agent, station, other_station, tech
):
    coordinator = make_user(roles.COORDINATOR, station)
    outsider = make_user(roles.COORDINATOR, other_station)
    hq = make_user(roles.HQ)
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    dispatched = Notification.objects.filter(kind=Notification.Kind.TICKET_DISPATCHED)
    assert set(dispatched.values_list("recipient_id", flat=True)) == {coordinator.pk, tech.pk}
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert ticket.number in dispatched.first().message and dispatched.first().url == f"/tickets/{ticket.pk}/"
    services.ticket_reject(ticket_id=ticket.pk, actor=coordinator, reason="不在服务范围")
    rejected = Notification.objects.filter(kind=Notification.Kind.TICKET_REJECTED)
    assert {agent.pk, hq.pk} <= set(rejected.values_list("recipient_id", flat=True))
    assert not rejected.filter(recipient__in=[coordinator, tech]).exists()
    assert "不在服务范围" in rejected.get(recipient=hq).message
    # a second dispatch (to another station) is a new event, with its own notice
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=other_station.pk, actor=agent)
    assert Notification.objects.filter(kind=Notification.Kind.TICKET_DISPATCHED, recipient=outsider).count() == 1


def test_a_failing_notification_fails_the_dispatch_instead_of_half_doing_it(agent, station, tech, monkeypatch):
    from repairnet.channels import InAppChannel

    def broken(self, message, **kwargs):
        raise RuntimeError("notifications down")

    # the in-app channel is delivered in the action's own transaction: its failure fails the action
    monkeypatch.setattr(InAppChannel, "send", broken)
    ticket = log_call(agent)
    with pytest.raises(RuntimeError):
        services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RECEIVED


def test_the_sla_job_warns_of_a_deadline_about_to_pass_once(agent, station, tech, settings):
    coordinator = make_user(roles.COORDINATOR, station)
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    ticket.refresh_from_db()
    assert ticket.accept_due_at is not None
    early = ticket.accept_due_at - datetime.timedelta(minutes=45)
    assert services.sla_warnings_raise(now=early) == 0
    soon = ticket.accept_due_at - datetime.timedelta(minutes=20)
    services.sla_breaches_record(now=soon)
    services.sla_breaches_record(now=soon + datetime.timedelta(minutes=5))  # the job runs again
    warned = Notification.objects.filter(kind=Notification.Kind.SLA_DUE_SOON)
    assert list(warned.values_list("recipient_id", flat=True)) == [coordinator.pk]
    assert ticket.number in warned.get().message
    settings.REPAIRNET = {**settings.REPAIRNET, "SLA_WARNING_MINUTES": 10}
    Notification.objects.all().delete()
    assert services.sla_warnings_raise(now=soon) == 0
