"""Login throttling: after N failures for a username from one address, refuse logins for a while.

Counts live in the cache (Redis in production, so every gunicorn worker shares them). Used by the
login page and the API token endpoint alike.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(username: str, ip: str) -> str:
    ident = hashlib.sha256(f"{(username or '').strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-fail:{ident}"


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def login_is_locked(*, username: str, ip: str) -> bool:
    return cache.get(_key(username, ip), 0) >= settings.LOGIN_MAX_FAILURES


def login_failed(*, username: str, ip: str) -> None:
    key = _key(username, ip)
    cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


def login_succeeded(*, username: str, ip: str) -> None:
    cache.delete(_key(username, ip))
