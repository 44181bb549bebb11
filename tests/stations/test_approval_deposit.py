"""On approval HQ records the deposit actually received — amount, day and bank reference — as the station's
``paid`` entry in the spares ledger; a bad one is refused on its field and creates no station."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from spares.models import DepositEntry
from spares.selectors import deposit_balance
from stations import services
from stations.models import Application, Station
from tests import clock
from tests.factories import make_user

from .helpers import deposit_received
from .test_applications import screened

pytestmark = pytest.mark.django_db


def test_approval_books_the_amount_received_with_its_day_and_reference():
    hq = make_user(roles.HQ)
    day = clock.today() - datetime.timedelta(days=2)
    app = services.application_approve(
        application=screened(hq),
        actor=hq,
        tier="centre",
        deposit_amount=Decimal("9500.00"),
        deposit_paid_on=day,
        deposit_reference="BJ-20261130-0007",
    )
    entry = DepositEntry.objects.get(station=app.station)
    assert (entry.kind, entry.amount, entry.paid_on, entry.bank_reference, entry.actor) == (
        "paid",
        Decimal("9500.00"),
        day,
        "BJ-20261130-0007",
        hq,
    )
    assert app.reference in entry.note
    assert deposit_balance(station=app.station) == Decimal("9500.00")  # ¥500 short of the centre's ¥10,000


@pytest.mark.parametrize(
    ("deposit", "field"),
    [
        ({"deposit_amount": Decimal("0.00")}, "deposit_amount"),
        ({"deposit_amount": "-1"}, "deposit_amount"),
        ({"deposit_amount": "10.005"}, "deposit_amount"),
        ({"deposit_reference": "  "}, "deposit_reference"),
        ({"deposit_paid_on": datetime.date(2999, 1, 1)}, "deposit_paid_on"),
    ],
)
def test_a_bad_deposit_is_refused_on_its_field_and_creates_no_station(deposit, field):
    hq = make_user(roles.HQ)
    app = screened(hq)
    values = {"deposit_amount": Decimal("10000.00"), "deposit_reference": "BJ-1"} | deposit
    with pytest.raises(ValidationError) as refused:
        services.application_approve(application=app, actor=hq, tier="centre", **values)
    assert list(refused.value.message_dict) == [field]
    app.refresh_from_db()
    assert app.status == Application.Status.SCREENED and not Station.objects.exists()
    assert not DepositEntry.objects.exists()


def test_api_zero_deposit_names_the_field():
    hq = make_user(roles.HQ)
    app = screened(hq)
    client = APIClient()
    client.force_authenticate(hq)
    response = client.post(
        f"/api/v1/applications/{app.pk}/approve/", {"tier": "centre", **deposit_received(amount="0")}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"deposit_amount": ["收到的保证金必须大于零。"]}
    missing = client.post(f"/api/v1/applications/{app.pk}/approve/", {"tier": "centre"}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"deposit_amount", "deposit_paid_on", "deposit_reference"}
    assert Application.objects.get(pk=app.pk).status == Application.Status.SCREENED


def test_page_offers_the_required_deposit_and_shows_a_refusal_on_the_field(client):
    hq = make_user(roles.HQ)
    app = screened(hq)
    client.force_login(hq)
    page = client.get(reverse("stations:application-detail", args=[app.pk]))
    assert page.context["approve_form"]["deposit_amount"].value() == Decimal("10000.00")
    body = {
        "approve-tier": "centre",
        "approve-agreement_date": clock.today().isoformat(),
        **deposit_received(amount="0", prefix="approve-"),
    }
    refused = client.post(reverse("stations:application-action", args=[app.pk, "approve"]), body)
    assert refused.status_code == 400
    assert refused.context["approve_form"].errors["deposit_amount"] == ["收到的保证金必须大于零。"]
    body["approve-deposit_amount"] = "8000.00"
    approved = client.post(reverse("stations:application-action", args=[app.pk, "approve"]), body)
    assert approved.status_code == 302
    app.refresh_from_db()
    assert deposit_balance(station=app.station) == Decimal("8000.00")
    stock = client.get(reverse("spares:station-stock", args=[app.station.pk]))
    assert stock.context["deposit_shortfall"] == Decimal("2000.00")
