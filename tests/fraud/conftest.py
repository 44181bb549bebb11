import datetime

import pytest

from fraud.services import fraud_evaluate
from repairnet import roles
from tests import clock
from tests.tickets.factories import CustomerFactory, DeviceFactory, completed_ticket
from tickets.models import Ticket


def evaluate(**kwargs) -> dict:
    return fraud_evaluate(actor=roles.SYSTEM, since=clock.now() - datetime.timedelta(days=60), **kwargs)


def ticket(**kwargs):
    """A completed ticket (two days ago by default); ``started_at`` overrides the arrival (None: no arrival)."""
    missing = object()
    started_at = kwargs.pop("started_at", missing)
    made = completed_ticket(completed_at=kwargs.pop("completed_at", clock.now() - datetime.timedelta(days=2)), **kwargs)
    if started_at is not missing:
        Ticket.objects.filter(pk=made.pk).update(started_at=started_at)
        made.started_at = started_at
    return made


def device(region_code: str = "410102"):
    from tests.factories import region

    return DeviceFactory(customer=CustomerFactory(region=region(region_code)))


@pytest.fixture
def hq():
    from tests.factories import make_user

    return make_user(roles.HQ)
