"""SPEC 1.4 suggestions: an upgrade needs every hard requirement of the higher tier (staff counted live; site
areas and equipment from the station's recorded site), and revocation review is below 40 at every tier."""

import datetime
from decimal import Decimal

import pytest

from repairnet import roles
from stations import services
from stations.models import Tier
from tests import clock
from tests.factories import StationFactory, make_user

from .factories import CertificateFactory
from .helpers import site


def _quarters():
    this_quarter = (clock.today().month - 1) // 3
    last = (clock.today().year - (this_quarter == 0), this_quarter or 4)
    return (last[0] - (last[1] == 1), last[1] - 1 or 4), last


def _staffed(station, engineers=2):
    before, _ = _quarters()
    for _ in range(engineers):
        CertificateFactory(
            user=make_user(roles.TECHNICIAN, station),
            issued_on=services.quarter_bounds(*before)[0],
            expires_on=clock.today() + datetime.timedelta(days=365),
        )
    make_user(roles.COORDINATOR, station)


def _run(monkeypatch, scores: dict):
    """Both quarters with the same component inputs; ``scores`` {station: inspection score}; totals follow."""
    import stations.services.assessment as svc

    perfect = {"callback_avg_satisfaction": Decimal("5"), "sla_compliance": Decimal("1"), "repeat_repair_rate": 0}
    inputs = {s.pk: dict(perfect, upheld_complaints=0) for s in scores}
    inspection = {s.pk: Decimal(v) for s, v in scores.items()}
    monkeypatch.setattr(svc, "_assessment_inputs", lambda ids, start, end: (inputs, inspection))
    hq = make_user(roles.HQ)
    before, last = _quarters()
    services.assessment_run(year=before[0], quarter=before[1], actor=hq)
    return {a.station_id: a for a in services.assessment_run(year=last[0], quarter=last[1], actor=hq)}


@pytest.mark.django_db
def test_an_upgrade_needs_the_higher_tiers_site_and_equipment_too(monkeypatch):
    ready, small_store, no_instruments, unrecorded = (StationFactory(tier=Tier.STATION) for _ in range(4))
    site(ready)
    site(small_store, storage_area="5")  # a centre needs 8 m² of storage
    site(no_instruments, has_instruments=False)
    for station in (ready, small_store, no_instruments, unrecorded):
        _staffed(station)
    rows = _run(monkeypatch, {s: "95" for s in (ready, small_store, no_instruments, unrecorded)})
    assert {s: rows[s.pk].total for s in (ready, small_store)} == {ready: Decimal("98.0"), small_store: Decimal("98.0")}
    assert (rows[ready.pk].suggestion, rows[ready.pk].suggested_tier) == ("upgrade", "centre")
    for station in (small_store, no_instruments, unrecorded):
        assert (rows[station.pk].suggestion, rows[station.pk].suggested_tier) == ("none", "")

    understaffed = StationFactory(tier=Tier.STATION)
    site(understaffed)
    _staffed(understaffed, engineers=1)
    assert _run(monkeypatch, {understaffed: "95"})[understaffed.pk].suggestion == "none"


@pytest.mark.django_db
def test_revocation_review_is_below_40_at_every_tier(monkeypatch):
    import stations.services.assessment as svc

    lowest = [StationFactory(tier=Tier.ACCESSORY_POINT) for _ in range(2)]
    middle = [StationFactory(tier=Tier.STATION) for _ in range(2)]
    poor = {"callback_avg_satisfaction": Decimal("1"), "sla_compliance": Decimal("0.5"), "repeat_repair_rate": 1}
    inputs = {s.pk: dict(poor, upheld_complaints=1) for s in lowest + middle}
    # totals: 0.4·i + 0 + 10 + 0 → i = 100 gives 50 (downgrade band), i = 50 gives 30 (revocation band)
    inspection = {
        lowest[0].pk: Decimal(100),
        lowest[1].pk: Decimal(50),
        middle[0].pk: Decimal(100),
        middle[1].pk: Decimal(50),
    }
    monkeypatch.setattr(svc, "_assessment_inputs", lambda ids, start, end: (inputs, inspection))
    _, last = _quarters()
    rows = {a.station_id: a for a in services.assessment_run(year=last[0], quarter=last[1], actor=make_user(roles.HQ))}
    assert [rows[s.pk].total for s in lowest + middle] == [Decimal("50.0"), Decimal("30.0")] * 2
    # the lowest tier cannot be downgraded: at 50 nothing is suggested (it used to be a revocation review)
    assert (rows[lowest[0].pk].suggestion, rows[lowest[0].pk].status) == ("none", "no_action")
    assert rows[lowest[1].pk].suggestion == "revocation"
    assert (rows[middle[0].pk].suggestion, rows[middle[0].pk].suggested_tier) == ("downgrade", "accessory_point")
    assert rows[middle[1].pk].suggestion == "revocation"
