"""The contracts other areas call: stations' approval records the deposit here; tickets' completion
records parts through stock_use_for_ticket."""

from decimal import Decimal

import pytest

from repairnet import roles
from spares.models import DepositEntry
from spares.selectors import deposit_balance
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_station_approval_records_the_paid_deposit():
    from stations import services
    from tests.stations.test_applications import screened

    hq = make_user(roles.HQ)
    app = services.application_approve(application=screened(hq), actor=hq, tier="centre")
    entry = DepositEntry.objects.get(station=app.station)
    assert entry.kind == "paid" and entry.amount == Decimal("10000.00")
    assert deposit_balance(station=app.station) == Decimal("10000.00")
