"""Every page sends a Content-Security-Policy that allows no inline script, and no template needs one (the
browser journeys also fail on any violation Chromium reports, tests/e2e/conftest.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from repairnet import roles
from tests.factories import make_user

ROOT = Path(settings.BASE_DIR)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/tickets/", "/api/docs/", "/api/v1/me/"])
def test_every_response_sends_the_policy(client, path):
    client.force_login(make_user(roles.HQ))
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_no_template_has_inline_script_or_handlers():
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        offenders += [f"{template.relative_to(ROOT)}: {m.group(0)}" for m in INLINE_HANDLER.finditer(text)]
        offenders += [f"{template.relative_to(ROOT)}: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
    assert not offenders, offenders
