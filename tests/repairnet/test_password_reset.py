"""Password reset: station staff by e-mail (Django's views, Chinese pages and mail), requests counted per client
address and per e-mail address in the database; HQ forcing a reset (page and API), refused to everyone else."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import AuditEvent, PasswordResetRequest, User
from repairnet.services import user_password_reset_force
from tests import clock
from tests.factories import PASSWORD, api_token, make_user
from tests.repairnet.test_login_throttle import UNREACHABLE_CACHE

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "xin-mima-2027!"
THROTTLED = "密码重置请求过于频繁，请稍后再试。"
TOKEN_INVALID = {"detail": "令牌无效。"}


def _me(token: str):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")


def _ask(email: str, ip: str = "10.1.0.1"):
    return Client(REMOTE_ADDR=ip).post(reverse("password_reset"), {"email": email})


def _link_path(message) -> str:
    (url,) = re.findall(r"https?://\S+", message.body)
    return re.sub(r"^https?://[^/]+", "", url)


def _set_new_password(path: str) -> Client:
    client = Client()
    form = client.get(path, follow=True)  # the link moves its token into the session, then shows the form
    assert form.status_code == 200 and "设置新密码" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    return client


def _logs_in(user, password) -> bool:
    response = Client().post(reverse("login"), {"username": user.username, "password": password})
    return response.status_code == 302


@pytest.fixture
def technician():
    return make_user(roles.TECHNICIAN, email="wang.wu@example.com")


def test_login_page_links_to_the_reset_page():
    page = Client().get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page and "忘记密码？" in page


def test_reset_by_email_end_to_end(technician):
    token = api_token(technician)
    session = Client()
    session.force_login(technician)
    page = Client().get(reverse("password_reset")).content.decode()
    assert "请输入您 RepairNet 账号的电子邮箱" in page
    response = _ask("Wang.Wu@example.com")
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["wang.wu@example.com"]
    assert message.subject == "RepairNet：重置您的密码"
    assert "请打开以下链接设置新密码" in message.body and f"您的用户名：{technician.username}" in message.body
    assert "http://testserver/accounts/password/reset/" in message.body

    _set_new_password(_link_path(message))
    assert _logs_in(technician, NEW_PASSWORD)
    assert not _logs_in(technician, PASSWORD)
    assert _me(token).json() == TOKEN_INVALID
    assert session.get(reverse("home")).status_code == 302  # the old session is logged out
    # the link worked once
    again = Client().get(_link_path(message), follow=True).content.decode()
    assert "该链接已失效" in again


def test_an_unknown_address_gets_the_same_answer_and_no_mail(technician):
    known, unknown = _ask(technician.email), _ask("nobody@example.com")
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert [m.to for m in mail.outbox] == [[technician.email]]
    assert "如果该电子邮箱对应某个账号" in Client().get(known.url).content.decode()


def test_a_bad_address_is_a_form_error():
    response = _ask("不是邮箱")
    assert response.status_code == 200
    assert "请输入合法的邮件地址。" in response.content.decode()
    assert not PasswordResetRequest.objects.exists() and not mail.outbox


def test_requests_are_limited_per_client_address(technician):
    for n in range(5):
        assert _ask(f"guess{n}@example.com", ip="10.1.0.7").status_code == 302
    refused = _ask(technician.email, ip="10.1.0.7")
    assert refused.status_code == 429
    assert THROTTLED in refused.content.decode()
    assert not mail.outbox  # refused before anything is sent
    assert _ask(technician.email, ip="10.1.0.8").status_code == 302  # another address is not held back
    assert len(mail.outbox) == 1


def test_requests_are_limited_per_email_address_whether_or_not_it_exists(technician):
    for address in (technician.email, "nobody@example.com"):
        for n in range(5):
            assert _ask(address.upper() if n % 2 else address, ip=f"10.2.{n}.1").status_code == 302
        refused = _ask(address, ip="10.2.9.9")
        assert refused.status_code == 429 and THROTTLED in refused.content.decode()
    assert len(mail.outbox) == 5
    # the window passes: the address may ask again
    with clock.travel(clock.now() + datetime.timedelta(hours=1, minutes=1), tick=False):
        assert _ask(technician.email, ip="10.2.9.9").status_code == 302
    assert len(mail.outbox) == 6


@override_settings(CACHES=UNREACHABLE_CACHE, SESSION_ENGINE="django.contrib.sessions.backends.db")
def test_reset_requests_and_their_limit_work_with_the_cache_down(technician):
    for _ in range(5):
        assert _ask(technician.email).status_code == 302
    assert _ask(technician.email).status_code == 429
    assert len(mail.outbox) == 5
    _set_new_password(_link_path(mail.outbox[-1]))
    assert _logs_in(technician, NEW_PASSWORD)


# --- HQ forces a reset --------------------------------------------------------------------------------


def _force_on_page(client, person, reason="疑似密码泄露"):
    staff_page = reverse("stations:staff-detail", args=[person.pk])
    url = reverse("user-password-reset-force", args=[person.pk])
    return client.post(url, {"reason": reason, "next": staff_page})


def test_hq_forces_a_reset_from_the_staff_page(technician, client_for, django_capture_on_commit_callbacks):
    token = api_token(technician)
    session = Client()
    session.force_login(technician)
    hq = client_for(roles.HQ)
    staff_page = reverse("stations:staff-detail", args=[technician.pk])
    page = hq.get(staff_page).content.decode()
    assert 'id="password-reset-force-form"' in page and "强制重置密码" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = _force_on_page(hq, technician)
    assert response.status_code == 302 and response.url == staff_page
    assert "重置链接正在发送至 wang.wu@example.com" in hq.get(staff_page).content.decode()
    technician.refresh_from_db()
    assert not technician.has_usable_password()
    assert not _logs_in(technician, PASSWORD)
    assert _me(token).json() == TOKEN_INVALID
    assert session.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.get(verb="password_reset_forced")
    assert (event.object_id, event.actor.groups.get().name, event.note) == (
        str(technician.pk),
        roles.HQ,
        "疑似密码泄露",
    )

    (message,) = mail.outbox
    assert message.subject == "RepairNet：总部已重置您的密码"
    assert "总部已重置您的 RepairNet 账号密码" in message.body
    _set_new_password(_link_path(message))
    assert _logs_in(technician, NEW_PASSWORD)


@pytest.mark.parametrize("role", [roles.COORDINATOR, roles.TECHNICIAN, roles.HOTLINE, roles.INSPECTOR])
def test_only_hq_may_force_a_reset_and_a_refusal_changes_nothing(role, technician, django_capture_on_commit_callbacks):
    token = api_token(technician)
    actor = make_user(role, technician.station)  # station staff: even of the person's own station
    page, api = Client(), APIClient()
    page.force_login(actor)
    api.force_authenticate(actor)
    with django_capture_on_commit_callbacks(execute=True):
        assert _force_on_page(page, technician).status_code == 403
        refused = api.post(f"/api/v1/staff/{technician.pk}/force-password-reset/", {"reason": "x"}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"]
    technician.refresh_from_db()
    assert technician.check_password(PASSWORD)
    assert _me(token).status_code == 200
    assert not AuditEvent.objects.filter(verb="password_reset_forced").exists() and not mail.outbox


def test_hq_forces_a_reset_through_the_api(technician, django_capture_on_commit_callbacks):
    token = api_token(technician)
    hq = APIClient()
    hq.credentials(HTTP_AUTHORIZATION=f"Token {api_token(make_user(roles.HQ))}")
    url = f"/api/v1/staff/{technician.pk}/force-password-reset/"
    blank = hq.post(url, {"reason": " "}, format="json")
    assert blank.status_code == 400 and set(blank.json()["errors"]) == {"reason"}
    assert _me(token).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = hq.post(url, {"reason": "离职交接"}, format="json")
    assert response.status_code == 200 and response.json()["email"] == "wang.wu@example.com"
    assert _me(token).json() == TOKEN_INVALID
    assert len(mail.outbox) == 1 and "总部已重置" in mail.outbox[0].subject


def test_a_forced_reset_needs_a_reason_an_address_and_an_active_account(technician):
    hq = make_user(roles.HQ)
    mute = make_user(roles.TECHNICIAN, technician.station)  # no e-mail address
    left = make_user(roles.TECHNICIAN, technician.station, email="left@example.com", is_active=False)
    cases = [
        (technician, " ", "请填写原因"),
        (mute, "忘记密码", "没有可接收重置链接的电子邮箱"),
        (left, "x", "该账号已停用"),
    ]
    for person, reason, message in cases:
        with pytest.raises(Exception) as exc:
            user_password_reset_force(user=person, actor=hq, reason=reason)
        assert message in " ".join(exc.value.messages)
        person.refresh_from_db()
        assert person.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(verb="password_reset_forced").exists()


def test_only_an_administrator_may_force_an_administrators_reset():
    admin = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    with pytest.raises(Exception) as refused:
        user_password_reset_force(user=admin, actor=make_user(roles.HQ), reason="x")
    assert type(refused.value).__name__ == "PermissionDenied"
    other_admin = make_user(roles.HQ)
    other_admin.groups.add(Group.objects.get(name=roles.ADMIN))
    user_password_reset_force(user=admin, actor=other_admin, reason="交接")
    admin.refresh_from_db()
    assert not admin.has_usable_password()


def test_staff_email_is_set_on_the_staff_pages(client_for):
    coordinator = make_user(roles.COORDINATOR)
    client = Client()
    client.force_login(coordinator)
    data = {
        "username": "zhao6",
        "last_name": "赵",
        "first_name": "六",
        "position": "repair_technician",
        "email": "Zhao6@Example.COM",
    }
    assert client.post(reverse("stations:staff", args=[coordinator.station_id]), data).status_code == 302
    person = User.objects.get(username="zhao6")
    assert person.email == "Zhao6@example.com"
    edit = {k: v for k, v in data.items() if k != "username"} | {"email": "zhao.liu@example.com", "active": "on"}
    assert client.post(reverse("stations:staff-detail", args=[person.pk]), edit).status_code == 302
    person.refresh_from_db()
    assert person.email == "zhao.liu@example.com"


def test_an_administrator_forces_a_reset_from_the_admin_user_page(technician, django_capture_on_commit_callbacks):
    admin = Client()
    admin.force_login(make_user(roles.ADMIN, is_staff=True, is_superuser=True))
    change_page = f"/admin/repairnet/user/{technician.pk}/change/"
    page = admin.get(change_page).content.decode()
    assert 'id="password-reset-force-form"' in page and "强制重置密码" in page and "wang.wu@example.com" in page
    url = reverse("user-password-reset-force", args=[technician.pk])
    assert f'action="{url}"' in page  # the staff page's route and service, not a second way to do it

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url, {"reason": "离职交接", "next": change_page})
    assert response.status_code == 302 and response.url == change_page
    technician.refresh_from_db()
    assert not technician.has_usable_password()
    assert AuditEvent.objects.get(verb="password_reset_forced").note == "离职交接"
    assert len(mail.outbox) == 1


def test_the_admin_user_page_offers_no_reset_for_a_new_user():
    admin = Client()
    admin.force_login(make_user(roles.ADMIN, is_staff=True, is_superuser=True))
    assert 'id="password-reset-force-form"' not in admin.get("/admin/repairnet/user/add/").content.decode()
