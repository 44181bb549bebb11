"""Phones in the stations area: applicants' contact phones, station service phones and staff phones are taken by
the one normaliser (valid numbers only, stored in E.164) on every path — page, API, service, admin — and shown in
the national format."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import User
from stations import services
from stations.models import Application, Station
from tests.factories import StationFactory, make_user

from .factories import certified_technician
from .helpers import FULL_SCORES, application_data, pdf_upload, png_upload, post_data

pytestmark = pytest.mark.django_db

ZH_MESSAGE = "请输入有效的手机号码，或带区号的固定电话号码（例如 0371-12345678）。"
EN_MESSAGE = "Enter a valid mobile number, or a landline with its area code (e.g. 0371-12345678)."


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# --- applications ----------------------------------------------------------------------------------------


def test_application_form_refuses_an_invalid_number_in_chinese(client):
    response = client.post(reverse("stations:apply"), post_data(contact_phone="12012345678"))
    assert response.status_code == 200 and not Application.objects.exists()
    assert response.context["form"].errors["contact_phone"] == [ZH_MESSAGE]
    assert ZH_MESSAGE in response.content.decode()


def test_application_api_refuses_an_invalid_number_in_chinese():
    payload = application_data(contact_phone="12012345678")
    payload.update(business_licence=pdf_upload(), financial_report=png_upload("r.png"))
    response = api().post("/api/v1/applications/", payload, format="multipart")
    assert response.status_code == 400 and not Application.objects.exists()
    assert response.json()["errors"]["contact_phone"] == [ZH_MESSAGE]


def test_application_service_refuses_an_invalid_number():
    with pytest.raises(ValidationError) as refused:
        services.application_submit(
            data=application_data(contact_phone="12012345678"),
            business_licence=pdf_upload(),
            financial_report=png_upload(),
        )
    assert refused.value.message_dict["contact_phone"] == [EN_MESSAGE]
    assert not Application.objects.exists()


def test_landline_application_is_stored_in_e164_and_found_by_any_spelling(client):
    response = client.post(reverse("stations:apply"), post_data(contact_phone="0371-12345678"))
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.contact_phone == "+8637112345678"
    for typed in ("037112345678", "+86 371 1234 5678", "(0371) 1234-5678"):
        page = client.get(reverse("stations:application-status"), {"reference": app.reference, "phone": typed})
        assert app.company_name in page.content.decode(), typed
    wrong = client.get(reverse("stations:application-status"), {"reference": app.reference, "phone": "037112345679"})
    assert app.company_name not in wrong.content.decode()
    withdrawn = services.application_withdraw_by_applicant(reference=app.reference, phone="0371 1234 5678")
    assert withdrawn.status == Application.Status.WITHDRAWN


def test_application_api_stores_e164():
    payload = application_data(contact_phone="138 1234 5678")
    payload.update(business_licence=pdf_upload(), financial_report=png_upload("r.png"))
    response = api().post("/api/v1/applications/", payload, format="multipart")
    assert response.status_code == 201, response.json()
    assert Application.objects.get().contact_phone == "+8613812345678"


def test_approval_gives_station_and_coordinator_the_e164_number_shown_national_on_the_pages(client_for):
    hq = make_user(roles.HQ)
    app = services.application_submit(
        data=application_data(contact_phone="0371-66668888"),
        business_licence=pdf_upload(),
        financial_report=png_upload(),
    )
    services.application_check_documents(application=app, actor=hq, note="complete")
    services.application_record_visit(
        application=app, actor=hq, visited_on=app.created_at.date(), visited_by="张", notes="ok", photos=[png_upload()]
    )
    services.application_score(application=app, actor=hq, points=FULL_SCORES)
    app = services.application_approve(application=app, actor=hq, tier="centre")
    assert app.station.phone == "+8637166668888"
    assert User.objects.get(station=app.station).phone == "+8637166668888"
    page = client_for(roles.HQ)
    for url in (
        reverse("stations:station-detail", args=[app.station.pk]),
        reverse("stations:application-detail", args=[app.pk]),
    ):
        html = page.get(url).content.decode()
        assert '<a href="tel:+8637166668888" class="text-nowrap">0371 6666 8888</a>' in html, url
        assert "+8637166668888<" not in html  # E.164 only in the link


# --- staff ------------------------------------------------------------------------------------------------


def test_staff_pages_refuse_an_invalid_number_and_store_e164(client_for):
    station = StationFactory()
    coordinator = client_for(roles.COORDINATOR, station)
    person = {"username": "tel1", "last_name": "王", "first_name": "五", "position": "service_clerk"}
    refused = coordinator.post(reverse("stations:staff", args=[station.pk]), {**person, "phone": "12012345678"})
    assert refused.status_code == 200 and not User.objects.filter(username="tel1").exists()
    assert refused.context["form"].errors["phone"] == [ZH_MESSAGE]
    added = coordinator.post(reverse("stations:staff", args=[station.pk]), {**person, "phone": "138 1234 5678"})
    assert added.status_code == 302
    user = User.objects.get(username="tel1")
    assert user.phone == "+8613812345678"
    detail = reverse("stations:staff-detail", args=[user.pk])
    assert 'value="138 1234 5678"' in coordinator.get(detail).content.decode()  # the edit form shows it national
    edit = {"last_name": "王", "first_name": "五", "position": "service_clerk", "active": "on"}
    refused = coordinator.post(detail, {**edit, "phone": "12012345678"})
    assert refused.status_code == 200 and refused.context["form"].errors["phone"] == [ZH_MESSAGE]
    user.refresh_from_db()
    assert user.phone == "+8613812345678"
    assert coordinator.post(detail, {**edit, "phone": "0371-12345678"}).status_code == 302
    user.refresh_from_db()
    assert user.phone == "+8637112345678"


def test_staff_api_refuses_an_invalid_number_in_chinese_and_stores_e164():
    station = StationFactory()
    client = api(make_user(roles.COORDINATOR, station))
    body = {"username": "tel2", "last_name": "赵", "first_name": "六", "position": "repair_technician"}
    refused = client.post("/api/v1/staff/", {**body, "phone": "12012345678"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"]["phone"] == [ZH_MESSAGE]
    assert not User.objects.filter(username="tel2").exists()
    created = client.post("/api/v1/staff/", {**body, "phone": "+86 139 0000 1111"}, format="json")
    assert created.status_code == 201 and created.json()["phone"] == "+8613900001111"
    tech = certified_technician(station)
    update = {"last_name": "改", "first_name": "名", "position": "repair_technician"}
    refused = client.post(f"/api/v1/staff/{tech.pk}/update/", {**update, "phone": "12012345678"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"]["phone"] == [ZH_MESSAGE]
    tech.refresh_from_db()
    assert tech.last_name != "改"


def test_staff_services_refuse_an_invalid_number():
    station = StationFactory()
    coordinator = make_user(roles.COORDINATOR, station)
    person = {"station": station, "actor": coordinator, "username": "tel3", "last_name": "王", "first_name": ""}
    with pytest.raises(ValidationError) as refused:
        services.staff_add(**person, position="service_clerk", phone="12012345678")
    assert refused.value.message_dict == {"phone": [EN_MESSAGE]}
    tech = certified_technician(station)
    with pytest.raises(ValidationError):
        services.staff_update(
            user=tech,
            actor=coordinator,
            last_name="王",
            first_name="",
            phone="12012345678",
            position="repair_technician",
        )
    user = services.staff_add(**person, position="service_clerk", phone="")
    assert user.phone == ""  # a staff phone stays optional


# --- the station's service phone in the admin --------------------------------------------------------------


def test_station_admin_refuses_an_invalid_service_phone_and_stores_e164():
    station = StationFactory()
    admin = Client()
    admin.force_login(make_user(roles.ADMIN, is_staff=True, is_superuser=True))
    url = f"/admin/stations/station/{station.pk}/change/"
    form = admin.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["regions"] = [r.pk for r in station.regions.all()]
    for name in ("scope_accessory_sales", "scope_simple_repair", "scope_swap", "is_remote"):
        if not data.get(name):
            data.pop(name, None)
    refused = admin.post(url, {**data, "phone": "12012345678"})
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["phone"] == [ZH_MESSAGE]
    station.refresh_from_db()
    assert station.phone == ""
    assert admin.post(url, {**data, "phone": "028-80001234"}).status_code == 302
    station.refresh_from_db()
    assert station.phone == "+862880001234"
    assert Station.objects.filter(phone="+862880001234").count() == 1
