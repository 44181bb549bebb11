"""The certificate and reward/penalty lists taken away (XLSX, filtered, scoped) and acted on in bulk (certificates
renewed, records approved: the single-item service once per row, each outcome reported)."""

import pytest
from django.test import Client

from repairnet import roles
from stations import services
from stations.models import Certificate, Sanction
from tests.factories import StationFactory, make_user
from tests.stations.factories import CertificateFactory
from tests.xlsx import xlsx_rows

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _raise(station) -> Sanction:
    return services.sanction_raise(station=station, rule_code="complaint_upheld", actor=roles.SYSTEM)


def test_certificate_export_is_scoped_and_filtered():
    mine, theirs = StationFactory(), StationFactory()
    own = CertificateFactory(user=make_user(roles.TECHNICIAN, mine))
    other = CertificateFactory(user=make_user(roles.TECHNICIAN, theirs))
    rows = xlsx_rows(_client(make_user(roles.COORDINATOR, mine)).get("/stations/certificates/export.xlsx"))
    assert rows[0][0] == "证书编号" and [r[0] for r in rows[1:]] == [own.number] and rows[1][2] == mine.code
    hq = _client(make_user(roles.HQ))
    rows = xlsx_rows(hq.get("/stations/certificates/export.xlsx", {"station": theirs.pk, "page": 9}))
    assert [r[0] for r in rows[1:]] == [other.number]
    assert xlsx_rows(hq.get("/stations/certificates/export.xlsx", {"show": "expired"}))[1:] == []


def test_bulk_renew_renews_each_valid_certificate_and_names_the_refused_one():
    first, second = CertificateFactory(), CertificateFactory()
    revoked = CertificateFactory()
    Certificate.objects.filter(pk=revoked.pk).update(status="revoked", revoked_on=revoked.issued_on)
    hq = _client(make_user(roles.HQ))
    assert 'id="bulk-form"' in hq.get("/stations/certificates/").content.decode()
    body = {"ids": [first.pk, second.pk, revoked.pk], "_once": "renew-1"}
    response = hq.post("/stations/certificates/bulk/renew/", body, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any(revoked.number in t for t in texts) and not any(first.number in t for t in texts)
    for cert in (first, second):
        old = cert.expires_on
        cert.refresh_from_db()
        assert cert.expires_on > old and cert.renewed_on is not None
    renewed_to = Certificate.objects.get(pk=first.pk).expires_on
    hq.post("/stations/certificates/bulk/renew/", body)  # the same form again: not renewed a second time
    assert Certificate.objects.get(pk=first.pk).expires_on == renewed_to


def test_bulk_renew_refuses_station_staff_on_the_page_and_in_the_api():
    station = StationFactory()
    cert = CertificateFactory(user=make_user(roles.TECHNICIAN, station))
    coordinator = _client(make_user(roles.COORDINATOR, station))
    assert coordinator.post("/stations/certificates/bulk/renew/", {"ids": [cert.pk]}).status_code == 403
    response = coordinator.post("/api/v1/certificates/bulk-renew/", {"ids": [cert.pk]}, content_type="application/json")
    assert response.status_code == 403
    assert Certificate.objects.get(pk=cert.pk).renewed_on is None
    data = _client(make_user(roles.HQ)).post(
        "/api/v1/certificates/bulk-renew/", {"ids": [cert.pk]}, content_type="application/json"
    )
    assert data.status_code == 200 and data.json()["succeeded"] == 1


def test_sanction_export_is_scoped_with_money_as_numbers():
    mine, theirs = StationFactory(), StationFactory()
    own, _other = _raise(mine), _raise(theirs)
    rows = xlsx_rows(_client(make_user(roles.COORDINATOR, mine)).get("/stations/sanctions/export.xlsx"))
    assert rows[0][0] == "#" and [r[0] for r in rows[1:]] == [own.pk] and rows[1][2] == mine.code
    assert rows[1][5] == float(own.amount)
    rows = xlsx_rows(_client(make_user(roles.HQ)).get("/stations/sanctions/export.xlsx", {"station": theirs.pk}))
    assert [r[2] for r in rows[1:]] == [theirs.code]


def test_bulk_approve_reports_an_appealed_record_without_a_reason_and_refuses_other_roles():
    station = StationFactory()
    plain, appealed, cancelled = _raise(station), _raise(station), _raise(station)
    services.sanction_appeal(sanction=appealed, actor=make_user(roles.COORDINATOR, station), text="不同意")
    services.sanction_decide(sanction=cancelled, actor=make_user(roles.HQ), approve=False, note="误报")
    body = {"ids": [plain.pk, appealed.pk, cancelled.pk]}
    assert _client(make_user(roles.INSPECTOR)).post("/stations/sanctions/bulk/approve/", body).status_code == 403
    finance = _client(make_user(roles.FINANCE))
    assert finance.post("/api/v1/sanctions/bulk-approve/", body, content_type="application/json").status_code == 403
    hq = _client(make_user(roles.HQ))
    assert 'id="bulk-form"' in hq.get("/stations/sanctions/").content.decode()
    response = hq.post("/api/v1/sanctions/bulk-approve/", body, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert {r["id"]: r["ok"] for r in data["results"]} == {plain.pk: True, appealed.pk: False, cancelled.pk: False}
    assert Sanction.objects.get(pk=plain.pk).status == Sanction.Status.APPROVED
    assert Sanction.objects.get(pk=appealed.pk).status == Sanction.Status.APPEALED
    # the page, with the reason the appealed one needs
    response = hq.post("/stations/sanctions/bulk/approve/", {"ids": [appealed.pk], "note": "证据充分"})
    assert response.status_code == 302
    assert Sanction.objects.get(pk=appealed.pk).status == Sanction.Status.APPROVED
