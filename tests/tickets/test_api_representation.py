"""The ticket API's hand-built representation equals DRF's field-by-field one, field for field and in order."""

import datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory, override_settings
from rest_framework import serializers

from repairnet import roles
from tests import clock
from tests.factories import make_user
from tickets.api import TicketSerializer
from tickets.models import Callback, Ticket

from .factories import TicketFactory, completed_ticket


def drf_and_ours(ticket, user) -> tuple[dict, dict]:
    request = RequestFactory().get("/api/v1/tickets/")
    request.user = user
    serializer = TicketSerializer(context={"request": request})
    ticket = Ticket.objects.select_related("customer", "device", "station", "callback").get(
        pk=ticket.pk
    )  # as the API reads it
    return serializers.ModelSerializer.to_representation(serializer, ticket), serializer.to_representation(ticket)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_every_kind_of_ticket_is_represented_as_drf_would(station, zone):
    now = clock.now()
    technician = make_user(roles.TECHNICIAN, station)
    tickets = [
        TicketFactory(received_at=now - datetime.timedelta(minutes=5)),  # no station, only a received time
        TicketFactory(
            station=station,
            status=Ticket.Status.DISPATCHED,
            dispatched_at=now - datetime.timedelta(hours=3),
            accept_due_at=now - datetime.timedelta(hours=1),  # late: a breached leg with late minutes
            received_at=now - datetime.timedelta(hours=4),
        ),
        completed_ticket(
            station=station,
            technician=technician,
            callback_outcome=Callback.Outcome.CONFIRMED,
            charge_amount=Decimal("120.5"),
            parts_used=[{"code": "PB-01", "qty": 1}],
            paused_seconds=3600,
        ),
        completed_ticket(station=station, technician=technician, completed_at=now - datetime.timedelta(days=40)),
    ]
    for user in (make_user(roles.HQ), make_user(roles.COORDINATOR, station)):  # station staff get masked phones
        with override_settings(TIME_ZONE=zone):
            for ticket in tickets:
                drf, ours = drf_and_ours(ticket, user)
                assert list(ours) == list(drf)
                assert ours == drf
