import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from repairnet import roles
from settlement.services import previous_month
from tests.factories import StationFactory, make_user


def at(month: datetime.date, day: int, hour: int = 10) -> datetime.datetime:
    """An aware datetime in Asia/Shanghai on ``day`` of ``month``."""
    return datetime.datetime(month.year, month.month, day, hour, tzinfo=timezone.get_default_timezone())


def certified(station):
    """A technician of ``station`` with a repair-technician certificate valid since 2020."""
    from tests.stations.factories import CertificateFactory

    user = make_user(roles.TECHNICIAN, station)
    CertificateFactory(user=user, issued_on=datetime.date(2020, 1, 1), expires_on=datetime.date(2099, 1, 1))
    return user


@pytest.fixture
def month():
    return previous_month()


@pytest.fixture
def no_external(monkeypatch):
    """No rewards/penalties and no parts charges unless a test provides them."""
    rows = {"sanctions": [], "charges": []}
    import spares.selectors
    import stations.selectors

    monkeypatch.setattr(stations.selectors, "sanctions_for_settlement", lambda **kw: list(rows["sanctions"]))
    monkeypatch.setattr(spares.selectors, "charges_for_settlement", lambda **kw: list(rows["charges"]))
    return rows


@pytest.fixture
def finance(db):
    return make_user(roles.FINANCE)


@pytest.fixture
def simple_month(db, month, no_external):
    """Two stations, each with one valid on-site ticket (¥30) in the month."""
    from tests.tickets.factories import completed_ticket

    stations = [StationFactory(name="郑州中原维修站"), StationFactory(name="成都锦江维修站")]
    for station in stations:
        completed_ticket(
            station=station, technician=certified(station), completed_at=at(month, 5), callback_outcome="confirmed"
        )
    return stations


ZERO = Decimal("0.00")
