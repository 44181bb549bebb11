"""Under /api/ every error is JSON — a crash (500), an unknown URL (404), a request refused before any view
(400), a throttled one (429) — while pages keep their HTML error pages."""

import pytest
from django.test import Client, override_settings
from rest_framework import exceptions
from rest_framework.test import APIClient

from repairnet import api_views, roles
from repairnet.api import exception_handler
from tests.factories import api_token, make_user

pytestmark = pytest.mark.django_db

CRASH = "系统遇到意外错误，已记录日志，请稍后重试。"


def _boom(*args, **kwargs):
    raise RuntimeError("unhandled")


def _json(response) -> dict:
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    return response.json()


def test_an_unhandled_exception_under_the_api_is_a_json_500(monkeypatch):
    monkeypatch.setattr(api_views.MeView, "get", _boom)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(make_user(roles.HQ))}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert _json(response) == {"detail": CRASH}


def test_a_page_that_crashes_keeps_the_html_error_page(monkeypatch):
    monkeypatch.setattr("repairnet.roles.require", _boom)
    client = Client(raise_request_exception=False)
    client.force_login(make_user(roles.HQ))
    response = client.get("/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html") and CRASH in response.content.decode()


def test_an_unknown_api_url_is_a_json_404():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert _json(response) == {"detail": "您要访问的页面或记录不存在，或已被删除。"}
    assert Client().get("/no-such-page/")["Content-Type"].startswith("text/html")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_request_refused_before_any_view_is_a_json_400():
    response = Client().post("/api/v1/auth/token/", {"username": "x" * 200, "password": "y"})
    assert response.status_code == 400
    assert _json(response)["detail"] == "请求无法接受"


def test_a_throttled_api_request_is_a_json_429():
    response = exception_handler(exceptions.Throttled(wait=30), {})
    assert response.status_code == 429
    assert set(response.data) == {"detail"} and "30" in response.data["detail"]


def test_a_locked_out_token_login_is_a_json_429():
    user = make_user(roles.HQ)
    client = Client(REMOTE_ADDR="10.3.0.1")
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"})
    locked = client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"})
    assert locked.status_code == 429
    assert _json(locked) == {"detail": "登录失败次数过多，请稍后再试。"}
