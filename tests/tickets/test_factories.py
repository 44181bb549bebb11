import pytest

from tickets.models import Callback, Ticket

from .factories import TicketFactory, completed_ticket

pytestmark = pytest.mark.django_db


def test_completed_ticket_with_callback_is_closed():
    ticket = completed_ticket(callback_outcome=Callback.Outcome.CONFIRMED)
    assert ticket.status == Ticket.Status.CLOSED
    assert ticket.callback.outcome == "confirmed"
    assert ticket.device.serial


def test_ticket_factory_builds_received_ticket():
    assert TicketFactory().status == Ticket.Status.RECEIVED
