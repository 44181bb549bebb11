"""The stations lists filter through one FilterSet each (stations.filters): a query string gives the same rows
on the page and in the API; an invalid value is a 400 in the API and an empty page with a message."""

import datetime

import pytest
from django.test import Client

from repairnet import roles
from repairnet.models import Region
from stations import services
from stations.models import Application, Certificate, Station, Tier
from tests import clock
from tests.factories import StationFactory, make_user

from .factories import CertificateFactory
from .helpers import application_data, pdf_upload


def _client(role, station=None):
    client = Client()
    client.force_login(make_user(role, station))
    return client


def _ids(client, page_url, api_url):
    page, api = client.get(page_url), client.get(api_url)
    assert page.status_code == 200 and api.status_code == 200, api.content
    body = api.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row.pk for row in page.context["page_obj"]}, {row["id"] for row in rows}


def _assert_same(client, page_path, api_path, queries):
    seen = set()
    for query in queries:
        page, api = _ids(client, f"{page_path}?{query}", f"{api_path}?{query}")
        assert page == api, query
        seen.add(frozenset(api))
    assert len(seen) > 1, "the filters must tell rows apart"


def _assert_invalid(client, page_url, api_url):
    assert client.get(api_url).status_code == 400
    response = client.get(page_url)
    assert response.status_code == 200 and not list(response.context["page_obj"])
    assert any("无效" in str(m) for m in response.context["messages"])


@pytest.fixture
def network(db):
    province = Region.objects.get(code="410000")
    return {
        "a": StationFactory(name="星辉维修站", tier=Tier.CENTRE),
        "b": StationFactory(status=Station.Status.SUSPENDED, understaffed_since=clock.today()),
        "c": StationFactory(regions=[Region.objects.filter(level="district", code__startswith="51").first()]),
        "province": province,
    }


def test_station_directory(network):
    queries = [
        "",
        "q=星辉",
        f"q={network['b'].code}",
        "tier=centre",
        "status=suspended",
        "understaffed=true",
        f"region={network['province'].pk}",
    ]
    _assert_same(_client(roles.HQ), "/stations/", "/api/v1/stations/", queries)
    _assert_invalid(_client(roles.HQ), "/stations/?tier=nonsense", "/api/v1/stations/?tier=nonsense")


def test_applications(db):
    for name, tier in (("郑州星辉家电维修", "centre"), ("洛阳好帮手维修", "station")):
        services.application_submit(
            data={k: v for k, v in application_data(company_name=name, tier_wanted=tier).items() if k != "region"}
            | {"region": Region.objects.get(code="410105")},
            business_licence=pdf_upload(),
            financial_report=pdf_upload("report.pdf"),
        )
    assert Application.objects.count() == 2
    _assert_same(
        _client(roles.HQ), "/stations/applications/", "/api/v1/applications/", ["", "q=星辉", "tier_wanted=station"]
    )
    _assert_invalid(
        _client(roles.HQ), "/stations/applications/?status=nonsense", "/api/v1/applications/?status=nonsense"
    )


def test_certificates(network):
    today = clock.today()
    CertificateFactory(user=make_user(roles.TECHNICIAN, network["a"]))
    CertificateFactory(user=make_user(roles.TECHNICIAN, network["a"]), expires_on=today + datetime.timedelta(days=5))
    CertificateFactory(user=make_user(roles.TECHNICIAN, network["b"]), expires_on=today - datetime.timedelta(days=1))
    CertificateFactory(
        user=make_user(roles.TECHNICIAN, network["b"]),
        status=Certificate.Status.REVOKED,
        revoked_on=today,
        revoked_at=clock.now(),
    )
    queries = ["show=valid", "show=expiring", "show=expired", "show=all", f"show=all&station={network['b'].pk}"]
    _assert_same(_client(roles.HQ), "/stations/certificates/", "/api/v1/certificates/", queries)
    coordinator = _client(roles.COORDINATOR, network["a"])
    _assert_same(coordinator, "/stations/certificates/", "/api/v1/certificates/", ["show=all", "show=expiring"])
    _assert_invalid(_client(roles.HQ), "/stations/certificates/?show=nonsense", "/api/v1/certificates/?show=nonsense")


def test_sanctions(network):
    for station, rule in ((network["a"], "complaint_upheld"), (network["b"], "inspection_grade_a")):
        services.sanction_raise(station=station, rule_code=rule, actor=roles.SYSTEM)
    queries = ["", f"station={network['a'].pk}", "status=raised", "status=approved"]
    _assert_same(_client(roles.HQ), "/stations/sanctions/", "/api/v1/sanctions/", queries)
    _assert_same(
        _client(roles.COORDINATOR, network["b"]),
        "/stations/sanctions/",
        "/api/v1/sanctions/",
        ["", "status=raised", "status=approved"][:2] + [f"station={network['a'].pk}"],
    )
    _assert_invalid(_client(roles.HQ), "/stations/sanctions/?month=13", "/api/v1/sanctions/?month=13")
