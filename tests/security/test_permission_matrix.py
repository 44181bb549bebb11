"""Every URL, every role, anonymous too — walked from the URL resolver, so new endpoints are covered.

Checks: anonymous users are sent to the login page (pages) or refused (API) except on the public
allow-list; no role ever gets a server error; where a view declares its rule (``role_required`` pages,
``permission_actions`` API views) a role without it gets 403; a POST without a CSRF token is refused.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from repairnet import roles
from tests.factories import make_user

# URL names anyone may open without logging in.
PUBLIC = {
    "login",
    "set_language",
    "healthz",
    "api-token",
    "stations:apply",
    "stations:apply-done",
    "stations:application-status",
    "application-list",
}
# URL names that accept a POST without a CSRF token on purpose.
CSRF_EXEMPT = {"api-token", "healthz", "application-list"}
SKIP_PREFIXES = ("admin:",)
FAKE_ID = "987654"


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else ""
            yield from _walk(p.url_patterns, prefix + ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name, p


def _kwargs_for(pattern: URLPattern) -> dict[str, str] | None:
    names = list(pattern.pattern.regex.groupindex)
    if "format" in names:
        return None  # DRF format-suffix duplicates
    values = {}
    for name in names:
        if name in ("month", "yyyy_mm", "period"):
            values[name] = "2026-10"
        elif name in ("year",):
            values[name] = "2026"
        elif name in ("app_label",):
            values[name] = "stations"
        elif name in ("model_name",):
            values[name] = "station"
        else:
            values[name] = FAKE_ID
    return values


def _targets():
    seen, out = set(), []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith(SKIP_PREFIXES):
            continue
        kwargs = _kwargs_for(pattern)
        if kwargs is None:
            continue
        try:
            url = reverse(name, kwargs=kwargs)
        except Exception:  # noqa: BLE001 - a converter that refuses our fake value: try a plain digit
            try:
                url = reverse(name, kwargs={k: "1" for k in kwargs})
            except Exception:  # noqa: BLE001
                continue
        if url in seen:
            continue
        seen.add(url)
        out.append((name, url, pattern))
    return out


TARGETS = _targets()


def _declared_rule(pattern: URLPattern, method: str = "get") -> str | None:
    callback = pattern.callback
    rule = getattr(callback, "permission_action", None)
    if rule:
        return rule
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    table = getattr(cls, "permission_actions", None)
    if not table:
        return None
    actions = getattr(callback, "actions", None) or {}
    action = actions.get(method) or method
    return table.get(action) or table.get("*")


def test_matrix_covers_the_product():
    names = {name for name, _url, _p in TARGETS}
    assert {"home", "object-history", "region-list"} <= names
    assert len(TARGETS) >= 10


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url", "pattern"), TARGETS, ids=[t[0] for t in TARGETS])
def test_anonymous_is_refused_everywhere_but_public_pages(client, name, url, pattern):
    response = client.get(url)
    assert response.status_code < 500, f"{url} → {response.status_code}"
    if name in PUBLIC:
        return
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), f"{url} answered {response.status_code} to anonymous"
    else:
        assert response.status_code in (302, 401, 403, 405), f"{url} answered {response.status_code} to anonymous"
        if response.status_code == 302:
            assert re.match(r"^/(accounts/login|admin/login)/", response.url), response.url


@pytest.mark.django_db
@pytest.mark.parametrize("role", roles.ALL_ROLES)
def test_every_role_gets_no_server_error_and_declared_rules_hold(role):
    user = make_user(role)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    failures = []
    for _name, url, pattern in TARGETS:
        response = client.get(url, HTTP_ACCEPT="text/html,application/json")
        if response.status_code >= 500:
            failures.append(f"{url} → {response.status_code}")
            continue
        rule = _declared_rule(pattern)
        refused = rule and rule != "public" and rule in roles.RULES and not roles.can(user, rule)
        if refused and response.status_code not in (403, 405):
            failures.append(f"{url} ({rule}) → {response.status_code}, expected 403 for {role}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused():
    user = make_user(roles.ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    accepted = []
    for name, url, _pattern in TARGETS:
        if name in CSRF_EXEMPT:
            continue
        response = client.post(url, {"x": "1"})
        if response.status_code != 403 and response.status_code != 405:
            accepted.append(f"{url} → {response.status_code}")
    assert not accepted, "POST without CSRF token not refused:\n" + "\n".join(accepted)
