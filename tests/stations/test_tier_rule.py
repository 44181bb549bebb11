"""One tier rule: the tier an application qualifies for, and the deposit that tier requires, read the same on
the application page, in the API, at approval, and in the spares ledger that holds the deposit."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from repairnet import roles
from spares.selectors import deposit_balance
from stations.models import Application, TierRequirement
from tests.factories import make_user

from .helpers import deposit_received
from .test_applications import screened

pytestmark = pytest.mark.django_db


def _login(user):
    client = Client()
    client.force_login(user)
    return client


def test_page_api_approval_and_deposit_agree_on_the_tier():
    hq = make_user(roles.HQ)
    app = screened(hq, engineers=1)  # one engineer: a centre's hard requirements fail, a station's hold
    client = _login(hq)

    page = client.get(reverse("stations:application-detail", args=[app.pk]))
    eligible_on_page = {row["tier"] for row in page.context["eligibility"] if row["eligible"]}
    api_body = client.get(f"/api/v1/applications/{app.pk}/").json()
    assert "centre" not in eligible_on_page and "station" in eligible_on_page
    assert api_body["recommended_tier"] == "station"

    refused_page = client.post(
        reverse("stations:application-action", args=[app.pk, "approve"]),
        {
            "approve-tier": "centre",
            "approve-note": "try",
            "approve-agreement_date": str(app.created_at.date()),
            **deposit_received(prefix="approve-"),
        },
        follow=True,
    )
    refused_api = client.post(
        f"/api/v1/applications/{app.pk}/approve/",
        {"tier": "centre", **deposit_received()},
        content_type="application/json",
    )
    assert refused_api.status_code == 400
    # the page comes back with the same refusal as the API's
    assert refused_api.json()["detail"] in [str(m) for m in refused_page.context["messages"]]
    app.refresh_from_db()
    assert app.status == Application.Status.SCREENED and app.station_id is None

    required = TierRequirement.objects.get(tier="station").deposit
    approved = client.post(
        f"/api/v1/applications/{app.pk}/approve/",
        {"tier": "station", **deposit_received(amount=str(required))},
        content_type="application/json",
    )
    assert approved.status_code == 200, approved.content
    app.refresh_from_db()
    station = app.station
    assert required > Decimal("0")
    stock_page = client.get(reverse("spares:station-stock", args=[station.pk]))
    assert stock_page.context["required_deposit"] == required == deposit_balance(station=station)
    assert client.get(reverse("stations:station-detail", args=[station.pk])).context["deposit"] == required
