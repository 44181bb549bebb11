"""Issue 16, live work queues: a station's queue page shows a ticket dispatched to it while it is open, without a
reload, with a "new" badge; and the coordinator's unread notification count goes up."""

import pytest

from repairnet import roles
from repairnet.models import Notification
from tests.factories import PASSWORD, StationFactory, make_user
from tests.tickets.factories import TicketFactory, certified_technician
from tickets import services
from tickets.models import SlaPolicy

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _reference_data():
    """A transactional test before this one may have flushed the data migrations' rows: put them back."""
    import importlib

    from django.apps import apps

    from repairnet.models import Region

    if not Region.objects.exists():
        migration = importlib.import_module("repairnet.migrations.0003_roles_and_regions")
        migration.create_roles(apps, None)
        migration.load_regions(apps, None)
    for (priority, leg), minutes in {
        ("urgent", "accept"): 30, ("urgent", "onsite"): 240, ("urgent", "complete"): 1440,
        ("normal", "accept"): 120, ("normal", "onsite"): 1440, ("normal", "complete"): 2880,
    }.items():  # fmt: skip
        SlaPolicy.objects.get_or_create(priority=priority, leg=leg, defaults={"minutes": minutes})


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
