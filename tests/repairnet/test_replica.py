"""Read replicas for reports: a second database stands in for the replica, so where each query went shows in
which rows it saw. Writes, and reads inside a transaction, stay on the primary."""

import pytest
from django.conf import settings as django_settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from repairnet import roles
from repairnet.replica import REPLICA, reports
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket

pytestmark = [
    pytest.mark.skipif(REPLICA not in django_settings.DATABASES, reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]


@pytest.fixture
def replica_reads(settings):
    settings.REPLICA_READS = True


def test_reports_read_the_replica_everything_else_the_primary(replica_reads):
    ticket = TicketFactory()  # written to the primary; the stand-in replica never receives it
    assert Ticket.objects.using(REPLICA).count() == 0
    assert Ticket.objects.count() == 1
    with reports():
        assert Ticket.objects.count() == 0  # read from the replica
        with transaction.atomic():
            assert Ticket.objects.count() == 1  # inside a transaction: its own writes, on the primary
        ticket = Ticket.objects.using(REPLICA).first()
    # a write always goes to the primary, also for an object read from the replica
    ticket = Ticket.objects.get()
    ticket._state.db = REPLICA
    ticket.description = "再次来电"
    ticket.save(update_fields=["description"])
    assert Ticket.objects.get().description == "再次来电"
    assert Ticket.objects.using(REPLICA).count() == 0


def test_without_replica_reads_reports_stay_on_the_primary():
    TicketFactory()
    with reports():
        assert Ticket.objects.count() == 1


def test_the_dashboard_and_the_stock_page_query_the_replica(replica_reads, client_for):
    TicketFactory()
    hq = client_for(roles.HQ)  # the login is read from the primary, before the report starts
    for url in (reverse("tickets:dashboard"), reverse("spares:stock")):
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = hq.get(url)
        assert response.status_code == 200, url
        assert on_replica.captured_queries, f"{url} did not read the replica"
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert hq.get(reverse("tickets:list")).status_code == 200
    assert not on_replica.captured_queries  # a working list reads the primary
