from io import StringIO

import pytest
from django.core.management import call_command

from spares.models import DepositEntry, Movement
from spares.selectors import deposit_balance

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_seed_is_idempotent_and_ledger_verifies():
    from repairnet import demo as repairnet_demo
    from spares import demo
    from stations import demo as stations_demo
    from stations.models import Station

    out = StringIO()
    repairnet_demo.seed(stdout=out)
    stations_demo.seed(stdout=out)
    demo.seed(stdout=out)
    count = Movement.objects.count()
    assert count > 50
    demo.seed(stdout=out)
    assert Movement.objects.count() == count
    expected = {"ZZ001": "10000.00", "CD001": "5000.00", "AB001": "2000.00"}
    # stations.demo records the deposits of the other demo stations it approves (one "paid" entry each)
    assert DepositEntry.objects.filter(station__code__in=expected).count() == 3
    for code, amount in expected.items():
        assert str(deposit_balance(station=Station.objects.get(code=code))) == amount
    verify = StringIO()
    call_command("spares_verify", stdout=verify)
    assert "Ledger OK" in verify.getvalue()
    # HQ's replenishment queue holds ZZ001's request; CD001's was approved into a shipment on its way
    from spares.models import Replenishment

    assert Replenishment.objects.get(station__code="ZZ001").status == Replenishment.Status.PENDING
    assert Replenishment.objects.get(station__code="CD001").shipment.status == "in_transit"
