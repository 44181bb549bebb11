"""One login policy for the page and the token endpoint (django-axes, in the database): it works with the cache
down; a lock is per username and address; an address spraying many usernames is refused for all of them."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from repairnet import roles
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: every cache call fails
    }
}


def _login(ip, username, password, api=False):
    client = Client(REMOTE_ADDR=ip)
    if api:
        return client.post("/api/v1/auth/token/", {"username": username, "password": password})
    return client.post(reverse("login"), {"username": username, "password": password})


@override_settings(CACHES=UNREACHABLE_CACHE, SESSION_ENGINE="django.contrib.sessions.backends.db")
def test_login_works_with_the_cache_down():
    user = make_user(roles.HQ)
    assert _login("10.0.0.1", user.username, "wrong").status_code == 200
    assert _login("10.0.0.1", user.username, PASSWORD).status_code == 302
    token = _login("10.0.0.1", user.username, PASSWORD, api=True)
    assert token.status_code == 200 and token.json()["token"]


def test_a_lock_is_per_username_and_address():
    user = make_user(roles.HQ)
    for _ in range(settings.LOGIN_MAX_FAILURES):
        _login("10.0.0.1", user.username, "wrong")
    assert _login("10.0.0.1", user.username, PASSWORD).status_code == 429
    locked = _login("10.0.0.1", user.username, PASSWORD, api=True)
    assert locked.status_code == 429 and locked["Content-Type"] == "application/json"
    assert locked.json()["detail"]
    # the same user from another address, and another user from the first address, are not locked
    assert _login("10.0.0.2", user.username, PASSWORD).status_code == 302
    other = make_user(roles.HOTLINE)
    assert _login("10.0.0.1", other.username, PASSWORD).status_code == 302


def test_spraying_many_usernames_from_one_address_is_refused():
    victims = [make_user(roles.TECHNICIAN) for _ in range(3)]
    for n in range(30):
        _login("10.0.0.9", f"guess{n:02d}", "123456", api=n % 2 == 0)
    for victim in victims:  # even the right password from that address
        assert _login("10.0.0.9", victim.username, PASSWORD).status_code == 429
        assert _login("10.0.0.9", victim.username, PASSWORD, api=True).status_code == 429
    assert _login("10.0.0.10", victims[0].username, PASSWORD).status_code == 302


@override_settings(AXES_IPWARE_PROXY_COUNT=0, AXES_IPWARE_META_PRECEDENCE_ORDER=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"])
def test_behind_a_trusted_proxy_each_client_is_its_own_address():
    """TRUSTED_PROXY_COUNT=1 (one nginx in front) gives these settings."""
    user = make_user(roles.HQ)
    proxy = "172.16.0.1"
    for _ in range(settings.LOGIN_MAX_FAILURES):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5").post(
            reverse("login"), {"username": user.username, "password": "wrong"}
        )
    # another client behind the same proxy logs in as that user
    ok = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").post(
        reverse("login"), {"username": user.username, "password": PASSWORD}
    )
    assert ok.status_code == 302
