import gettext
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import AuditEvent, Region
from repairnet.money import format_cny, quantize
from repairnet.services import apply_transition
from stations.models import Station
from tests.factories import PASSWORD, StationFactory, make_user

ROOT = Path(__file__).resolve().parents[2]


def test_money_quantize_rounds_half_up_and_refuses_float():
    assert str(quantize("2.345")) == "2.35"
    assert format_cny("-1234.5") == "-¥1,234.50"
    with pytest.raises(TypeError):
        quantize(0.1)


@pytest.mark.django_db
def test_regions_cover_henan_and_sichuan_to_district_level():
    assert Region.objects.get(code="410102").full_name == "河南省郑州市中原区"
    assert Region.objects.get(code="513221").full_name == "四川省阿坝藏族羌族自治州汶川县"
    assert Region.objects.filter(level="district", parent__code__startswith="41").count() > 150
    assert Region.objects.filter(level="district", parent__code__startswith="51").count() > 180


@pytest.mark.django_db
def test_role_groups_exist_for_every_role():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


@pytest.mark.django_db
def test_anonymous_is_redirected_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", roles.ALL_ROLES)
def test_each_role_sees_its_overview_page(client_for, role):
    response = client_for(role).get(reverse("overview"))
    assert response.status_code == 200
    assert str(roles.ROLE_LABELS[role]) in response.content.decode()


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client):
    body = client.get(reverse("login")).content.decode()
    assert "登录 RepairNet 维修网" in body
    assert 'lang="zh-hans"' in body


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(client):
    user = make_user(roles.HQ)
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        assert client.post(reverse("login"), {"username": user.username, "password": "wrong"}).status_code == 200
    # the failure that reaches the limit is refused already, and so is the right password after it
    assert client.post(reverse("login"), {"username": user.username, "password": "wrong"}).status_code == 429
    locked = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_technician_scope_limited_to_own_station(user_for):
    own, other = StationFactory(), StationFactory()
    tech = user_for(roles.TECHNICIAN, station=own)
    assert roles.can(tech, "stations.view", own)
    assert not roles.can(tech, "stations.view", other)
    assert list(roles.scope_queryset(tech, Station.objects.all(), "pk")) == [own]
    hq = user_for(roles.HQ)
    assert roles.can(hq, "stations.view", other)


@pytest.mark.django_db
def test_technician_cannot_open_another_stations_history_or_hq_page(client_for):
    own, other = StationFactory(), StationFactory()
    client = client_for(roles.TECHNICIAN, station=own)
    assert client.get(reverse("object-history", args=["stations", "station", other.pk])).status_code == 403
    assert client.get(reverse("object-history", args=["stations", "station", own.pk])).status_code == 200
    for app_label, model in (("stations", "nosuchmodel"), ("nosuchapp", "station")):  # not a model: a 404
        assert client.get(reverse("object-history", args=[app_label, model, own.pk])).status_code == 404
    assert client.get(reverse("job-runs")).status_code == 403
    forbidden = client.get(reverse("job-runs"))
    assert "无权访问" in forbidden.content.decode()


@pytest.mark.django_db
def test_transition_is_checked_and_audited(user_for):
    hq = user_for(roles.HQ)
    station = StationFactory()
    apply_transition(station, to=Station.Status.SUSPENDED, actor=hq, note="证书不足")
    event = AuditEvent.objects.get(object_id=str(station.pk))
    assert (event.from_state, event.to_state, event.actor, event.note) == ("active", "suspended", hq, "证书不足")
    station.status = Station.Status.REVOKED
    with pytest.raises(ValidationError) as exc:
        apply_transition(station, to=Station.Status.ACTIVE, actor=hq)
    assert "不能从" in exc.value.messages[0]


@pytest.mark.django_db
def test_api_refuses_unauthenticated_calls_with_json_message():
    response = APIClient().get("/api/v1/regions/")
    assert response.status_code in (401, 403)
    assert response.json()["detail"]


@pytest.mark.django_db
def test_api_token_login_and_regions(user_for):
    user = user_for(roles.HOTLINE)
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    data = client.get("/api/v1/regions/?code=410102").json()
    assert data["results"][0]["full_name"] == "河南省郑州市中原区"
    me = client.get("/api/v1/me/").json()
    assert me["roles"] == [roles.HOTLINE]


@pytest.mark.django_db
def test_api_token_bad_password_is_json_400():
    response = APIClient().post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.django_db
def test_openapi_schema_and_docs_served(client_for):
    client = client_for(roles.HQ)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()


@pytest.mark.django_db
def test_healthz_reports_database(client):
    assert client.get("/healthz").json()["database"] == "ok"


def _read_po(path: Path) -> dict[tuple, str]:
    """(msgctxt or None, msgid) → msgstr: a word may be translated differently in a context (``pgettext``)."""
    sys.path.insert(0, str(ROOT))
    from tools import po

    return {(e.get("msgctxt"), e["msgid"]): e["msgstr"][0] for e in po.parse(path) if e["msgid"] and not e["obsolete"]}


def test_zh_hans_catalogues_complete_and_compiled():
    sys.path.insert(0, str(ROOT))
    from tools import po

    catalogues = po.catalogues()
    assert catalogues, "no catalogues found"
    for path in catalogues:
        assert po.problems(path) == [], path
        compiled = gettext.GNUTranslations(open(path.with_suffix(".mo"), "rb"))  # noqa: SIM115
        for (context, msgid), msgstr in _read_po(path).items():
            found = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
            assert found == msgstr, f"{path}: .mo is stale for {msgid!r}; run make messages"


def test_templates_and_code_have_no_untranslated_strings_left_out_of_catalogues(tmp_path):
    """makemessages finds nothing new: every gettext string is already in a catalogue."""
    sys.path.insert(0, str(ROOT))
    from tools import po

    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "messages.py"), "--check"], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode == 2:
        pytest.skip("GNU gettext (xgettext) is not installed")
    assert result.returncode == 0, result.stdout + result.stderr
    assert po.catalogues()


def test_production_settings_pass_check_deploy():
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "False",
        "SECRET_KEY": "x" * 30 + "production-secret-key-for-test-0123456789",
        "ALLOWED_HOSTS": "repairnet.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "False", "ALLOWED_HOSTS": "x", "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
