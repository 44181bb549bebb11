"""Issue 16, live work queues: a station's queue page shows a ticket dispatched to it while it is open, without a
reload, with a "new" badge; and the coordinator's unread notification count goes up."""

import pytest

from repairnet import roles
from repairnet.models import Notification
from tests.factories import PASSWORD, StationFactory, make_user
from tests.tickets.factories import TicketFactory, certified_technician
from tickets import services

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_station_queue_shows_a_new_dispatch_without_reload(phone_page, live_server, settings):
    settings.REPAIRNET = {**settings.REPAIRNET, "LIVE_QUEUE_POLL_SECONDS": 1}
    station = StationFactory()
    tech = certified_technician(station)
    agent = make_user(roles.HOTLINE)
    page = phone_page
    login(page, live_server, tech.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/queue/")
    page.wait_for_selector("#queue")
    assert page.locator("#queue .queue-item").count() == 0
    page.evaluate("() => { window.__sameDocument = true; }")
    # let the page take its first look at the queue's state
    page.wait_for_timeout(1500)

    ticket = TicketFactory()
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)

    page.wait_for_selector(f'#queue .queue-item[data-number="{ticket.number}"]', timeout=15000)
    assert page.evaluate("() => window.__sameDocument === true")  # no reload happened
    badge = page.locator("#live-new")
    assert badge.is_visible() and badge.inner_text().startswith("1")
    assert page.title().startswith("(1)")
    # the one-tap accept button of the new ticket works from the refreshed list
    page.locator(f'#queue .queue-item[data-number="{ticket.number}"] .accept-one-tap').click()
    page.wait_for_url(f"{live_server.url}/tickets/queue/")
    ticket.refresh_from_db()
    assert ticket.status == "accepted"
    assert Notification.objects.filter(recipient=tech, kind=Notification.Kind.TICKET_DISPATCHED).count() == 1


def test_callback_queue_shows_a_just_completed_ticket_without_reload(page, live_server, settings):
    """SPEC 2.6: every completed ticket's callback is in the hotline's queue at once (opened by the completion,
    no scheduler); the open queue page picks it up by itself, with a "new" badge."""
    from tests.tickets.factories import completed_ticket

    settings.REPAIRNET = {**settings.REPAIRNET, "LIVE_QUEUE_POLL_SECONDS": 1}
    agent = make_user(roles.HOTLINE)
    login(page, live_server, agent.username, PASSWORD)
    page.goto(f"{live_server.url}/tickets/callbacks/")
    page.wait_for_selector("#callback-queue[data-live-url]")
    assert page.locator("#callback-queue tr[data-callback]").count() == 0
    page.evaluate("() => { window.__sameDocument = true; }")
    page.wait_for_timeout(1500)  # the page's first look at the queue's state

    ticket = completed_ticket()
    callback = services.callback_open(ticket=ticket)

    page.wait_for_selector(f'#callback-queue tr[data-callback="{callback.pk}"]', timeout=15000)
    assert page.evaluate("() => window.__sameDocument === true")  # no reload happened
    badge = page.locator("#live-new")
    assert badge.is_visible() and badge.inner_text().startswith("1")
