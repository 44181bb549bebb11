"""NUL, control characters and overlong text are refused before any view: a 400 with a message in the user's
language, nothing changed, never a 500 (the three stations views that read request.POST by hand included)."""

import pytest
from django.test import Client

from repairnet import roles
from tests.factories import StationFactory, make_user
from tickets.models import Complaint

pytestmark = pytest.mark.django_db


def _client(role):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(make_user(role))
    return client


@pytest.mark.parametrize(
    "text", ["投诉\x00内容", "投诉\x07内容", "投诉\x1b[31m内容", "长" * 10001], ids=["nul", "bell", "escape", "long"]
)
def test_the_api_refuses_bad_text(text):
    station = StationFactory()
    body = {"station": station.pk, "category": "late", "description": text}
    response = _client(roles.HOTLINE).post("/api/v1/complaints/", body, content_type="application/json")
    assert response.status_code == 400
    assert "description" in response.json()["detail"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("text", ["乱收费\x00", "乱收费\x0c", "长" * 10001], ids=["nul", "form-feed", "long"])
def test_pages_refuse_bad_text(text):
    station = StationFactory()
    form = {"station": station.pk, "category": "charges", "description": text}
    response = _client(roles.HOTLINE).post("/tickets/complaints/new/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求无法接受" in page and "“description”" in page
    assert not Complaint.objects.exists()


def test_hand_read_fields_are_covered_too():
    """The sanction appeal and decision notes were read from request.POST by hand: a NUL there was a 500."""
    hq = _client(roles.HQ)
    response = hq.post("/stations/sanctions/1/decide/", {"decision": "approve", "note": "好\x00"})
    assert response.status_code == 400


def test_ordinary_text_with_newlines_and_tabs_passes():
    station = StationFactory()
    form = {"station": station.pk, "category": "charges", "description": "第一行\n第二行\t备注"}
    assert _client(roles.HOTLINE).post("/tickets/complaints/new/", form).status_code == 302
    assert Complaint.objects.get().description == "第一行\n第二行\t备注"
