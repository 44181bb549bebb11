"""Issue 16: issuing a statement notifies its station's coordinators, once, and nobody else's."""

import datetime
from decimal import Decimal

import pytest

from repairnet import roles
from repairnet.models import Notification
from settlement.models import Statement
from settlement.services import statement_issue
from tests.factories import StationFactory, make_user

pytestmark = pytest.mark.django_db


def test_issuing_a_statement_notifies_the_coordinators_of_its_station_once(client):
    station, other = StationFactory(), StationFactory()
    coordinator = make_user(roles.COORDINATOR, station)
    make_user(roles.TECHNICIAN, station)
    outsider = make_user(roles.COORDINATOR, other)
    statement = Statement.objects.create(station=station, month=datetime.date(2026, 12, 1), net=Decimal("1234.50"))
    statement_issue(statement_id=statement.pk, actor=make_user(roles.FINANCE))
    notice = Notification.objects.get(kind=Notification.Kind.STATEMENT_ISSUED)
    assert notice.recipient == coordinator and notice.url == f"/settlement/statements/{statement.pk}/"
    assert "2026-12" in notice.message and "1234.50" in notice.message
    assert not Notification.objects.filter(recipient=outsider).exists()
    client.force_login(coordinator)
    assert "2026-12" in client.get("/notifications/").content.decode()
