"""API tokens (django-rest-knox, repairnet.tokens): they expire after API_TOKEN_DAYS, end on logout, and every
token of a user ends when the password changes (any way) or the user is deactivated."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.tokens import tokens_expired_purge
from stations import services as stations_services
from tests import clock
from tests.factories import PASSWORD, api_token, make_user

pytestmark = pytest.mark.django_db

EXPIRED = "您的 API 令牌已过期，请重新登录以获取新令牌。"
INVALID = "令牌无效。"


def _login(user, password=PASSWORD):
    return APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": password})


def _me(token: str):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")


def _parse(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_token_login_answers_token_and_expiry_after_the_configured_days():
    user = make_user(roles.HOTLINE)
    start = clock.now().replace(microsecond=0)
    with clock.travel(start, tick=False):
        body = _login(user).json()
    assert set(body) == {"token", "expiry"}
    assert _parse(body["expiry"]) == start + datetime.timedelta(days=30)
    assert _me(body["token"]).json()["username"] == user.username
    with override_settings(API_TOKEN_DAYS=2), clock.travel(start, tick=False):
        assert _parse(_login(user).json()["expiry"]) == start + datetime.timedelta(days=2)


def test_an_expired_token_is_refused_with_a_chinese_json_401():
    user = make_user(roles.HOTLINE)
    start = clock.now()
    with clock.travel(start, tick=False):
        token = _login(user).json()["token"]
    with clock.travel(start + datetime.timedelta(days=30) - datetime.timedelta(seconds=1), tick=False):
        assert _me(token).status_code == 200
    with clock.travel(start + datetime.timedelta(days=30, seconds=1), tick=False):
        refused = _me(token)
        assert refused.status_code == 401
        assert refused["Content-Type"] == "application/json"
        assert refused.json() == {"detail": EXPIRED}
        assert refused["WWW-Authenticate"] == "Token"
        assert _me(token).json() == {"detail": EXPIRED}  # the same answer on a retry
        assert tokens_expired_purge() == 1
        assert _me(token).json() == {"detail": INVALID}


def test_an_unknown_or_malformed_token_is_refused_with_401():
    assert _me("0" * 64).status_code == 401
    assert _me("0" * 64).json() == {"detail": INVALID}
    assert _me("不是令牌".encode().decode("latin-1")).json() == {"detail": INVALID}  # UTF-8 bytes, as WSGI reads them
    assert _me("不是令牌").status_code == 401
    bare = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION="Token")
    assert bare.status_code == 401 and bare.json()["detail"]


def test_changing_the_password_on_the_page_ends_every_token_of_the_user():
    user = make_user(roles.HOTLINE)
    first, second = _login(user).json()["token"], _login(user).json()["token"]
    other = api_token(make_user(roles.HOTLINE))
    client = APIClient()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "xin-mima-2027!", "new_password2": "xin-mima-2027!"},
    )
    assert response.status_code == 302
    assert _me(first).json() == {"detail": INVALID}
    assert _me(second).status_code == 401
    assert _me(other).status_code == 200  # only that user's tokens
    assert _login(user, "xin-mima-2027!").status_code == 200  # and the new password gives a new token


def test_a_password_set_anywhere_ends_the_tokens_and_other_saves_keep_them():
    user = make_user(roles.FINANCE)
    token = api_token(user)
    user.first_name = "改名"
    user.save()
    user.save(update_fields=["last_login"])
    assert _me(token).status_code == 200
    user.set_password("ling-yi-ge-mima!")  # as the admin, a command or a service does
    user.save()
    assert _me(token).json() == {"detail": INVALID}


def test_deactivating_a_person_ends_their_tokens_for_good():
    station = make_user(roles.COORDINATOR).station
    coordinator = station.users.get()
    technician = make_user(roles.TECHNICIAN, station)
    token = api_token(technician)
    details = {"last_name": "王", "first_name": "五", "phone": "", "position": "repair_technician"}
    stations_services.staff_update(user=technician, actor=coordinator, active=False, **details)
    assert _me(token).status_code == 401
    stations_services.staff_update(user=technician, actor=coordinator, active=True, **details)
    assert _me(token).json() == {"detail": INVALID}  # back at work, the old token stays revoked


def test_logout_revokes_the_token_it_carries_only():
    user = make_user(roles.HOTLINE)
    kept, ended = api_token(user), api_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ended}")
    response = client.post("/api/v1/auth/logout/")
    assert response.status_code == 200 and response.json() == {"detail": "已退出登录。"}
    assert _me(ended).json() == {"detail": INVALID}
    assert _me(kept).status_code == 200
    assert client.post("/api/v1/auth/logout/").status_code == 401


def test_logout_without_a_token_ends_the_browser_session():
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user(roles.HQ))
    assert client.post("/api/v1/auth/logout/").status_code == 403  # a session needs its CSRF token
    client = APIClient()
    client.force_login(make_user(roles.HQ))
    assert client.post("/api/v1/auth/logout/").status_code == 200
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401
