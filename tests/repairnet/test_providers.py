"""Stations reads the areas above it only through providers they register at start-up; none is missing."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from stations import providers


def test_every_provider_stations_needs_is_registered_by_its_area():
    owners = {name: providers.provider(name).__module__ for name in providers.NAMES}
    assert owners == {
        "deposit_balance": "spares.selectors",
        "deposit_record": "spares.services.deposits",
        "open_tickets": "tickets.selectors",
        "assessment_inputs": "tickets.selectors",
        "latest_inspection_scores": "inspections.selectors",
        "deposit_forfeit": "spares.services.deposits",
        "deposit_refund": "spares.services.deposits",
        "stock_outstanding": "spares.selectors",
        "station_statements": "settlement.selectors",
    }


def test_an_unknown_or_missing_provider_raises(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="no provider called 'deposits'"):
        providers.register("deposits", len)
    monkeypatch.delitem(providers._registered, "open_tickets")
    with pytest.raises(ImproperlyConfigured, match="registered the stations provider 'open_tickets'"):
        providers.provider("open_tickets")
