"""The admin shows a station's status and tier and its certificates, but changes them only through services."""

import pytest
from django.test import Client

from repairnet import roles
from stations.models import Certificate, Station
from tests.factories import StationFactory, make_user
from tests.tickets.factories import certified_technician


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(make_user(roles.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_admin_cannot_change_station_status_or_tier(admin_client):
    station = StationFactory(status=Station.Status.ACTIVE, tier="station")
    page = admin_client.get(f"/admin/stations/station/{station.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "status" not in form.fields and "tier" not in form.fields  # shown read-only
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"status": Station.Status.SUSPENDED, "tier": "centre", "name": "改名站"})
    data["regions"] = [r.pk for r in station.regions.all()]
    admin_client.post(f"/admin/stations/station/{station.pk}/change/", data)
    station.refresh_from_db()
    assert (station.status, station.tier) == (Station.Status.ACTIVE, "station")
    assert admin_client.get("/admin/stations/station/add/").status_code == 403
    assert admin_client.post(f"/admin/stations/station/{station.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Station.objects.filter(pk=station.pk).exists()


def test_admin_cannot_revoke_or_edit_a_certificate(admin_client):
    certificate = Certificate.objects.get(user=certified_technician(StationFactory()))
    before = (certificate.status, certificate.expires_on, certificate.revoked_on)
    assert admin_client.get(f"/admin/stations/certificate/{certificate.pk}/change/").status_code == 200  # view only
    response = admin_client.post(
        f"/admin/stations/certificate/{certificate.pk}/change/",
        {"status": Certificate.Status.REVOKED, "expires_on": "2000-01-01"},
    )
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert (certificate.status, certificate.expires_on, certificate.revoked_on) == before
    assert admin_client.get("/admin/stations/certificate/add/").status_code == 403
