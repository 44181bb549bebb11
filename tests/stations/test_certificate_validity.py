"""Certificate validity periods and the one owner of "certified on a day" (stations.selectors.certified_on).

A revocation takes effect on a date HQ gives: the certificate is not valid from that day on, and work
completed before it keeps its fees. The stations selector, the tickets API and the monthly settlement run
all give the same answer for the same day. Every instant here is pinned (tests.clock.travel).
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import AuditEvent
from settlement.models import ExcludedTicket, SettlementRun, Statement
from settlement.services import settlement_run_start
from stations import selectors, services
from stations.models import Certificate
from tests import clock
from tests.factories import StationFactory, make_user

from .factories import CertificateFactory

ISSUED = datetime.date(2026, 1, 5)
EXPIRES = datetime.date(2027, 12, 31)
MONTH = datetime.date(2027, 3, 1)
EFFECTIVE = datetime.date(2027, 3, 20)  # revoked with effect from the 20th


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """An aware instant in Asia/Shanghai."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_default_timezone())


def march(day: int) -> datetime.date:
    return MONTH.replace(day=day)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def revoked_from_the_20th(db):
    """A station technician, certified since 2026-01-05; on 25 March HQ revokes with effect from the 20th."""
    station = StationFactory()
    tech = make_user(roles.TECHNICIAN, station)
    cert = CertificateFactory(user=tech, issued_on=ISSUED, expires_on=EXPIRES)
    hq = make_user(roles.HQ)
    with clock.travel(at(march(25)), tick=False):
        services.certificate_revoke(certificate=cert, actor=hq, note="考试舞弊", effective_on=EFFECTIVE)
    return tech


def _completed(tech, when: datetime.datetime):
    from tests.tickets.factories import completed_ticket

    with clock.travel(when, tick=False):
        return completed_ticket(station=tech.station, technician=tech, completed_at=when, callback_outcome="confirmed")


def _run_march(django_capture_on_commit_callbacks):
    """Finance runs March's settlement on 2 April, as the page and the API do (eager Celery, on commit)."""
    with clock.travel(at(datetime.date(2027, 4, 2)), tick=False), django_capture_on_commit_callbacks(execute=True):
        run = settlement_run_start(month=MONTH, actor=make_user(roles.FINANCE))
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.DONE
    return run


def test_revocation_is_recorded_with_its_effective_date_and_audit(revoked_from_the_20th):
    cert = revoked_from_the_20th.certificates.get()
    assert (cert.status, cert.revoked_on) == (Certificate.Status.REVOKED, EFFECTIVE)
    assert timezone.localtime(cert.revoked_at) == at(march(25))
    event = AuditEvent.objects.get(object_id=str(cert.pk), verb="revoked")
    assert (event.note, event.data, event.to_state) == ("考试舞弊", {"effective_on": "2027-03-20"}, "revoked")


def test_revoked_from_the_20th_keeps_earlier_fees_and_earns_none_from_the_20th(
    revoked_from_the_20th, django_capture_on_commit_callbacks
):
    tech = revoked_from_the_20th
    paid = [_completed(tech, at(march(6))), _completed(tech, at(march(19), 23, 50))]  # 15:50 UTC on the 19th
    unpaid = [_completed(tech, at(march(20), 0, 10)), _completed(tech, at(march(27)))]  # 00:10 is still the 19th in UTC

    _run_march(django_capture_on_commit_callbacks)

    statement = Statement.objects.get(station=tech.station, month=MONTH)
    assert sorted(statement.lines.values_list("ticket_id", "amount")) == sorted((t.pk, Decimal("30.00")) for t in paid)
    assert statement.fees_total == Decimal("60.00")
    excluded = dict(ExcludedTicket.objects.filter(statement=statement).values_list("ticket_id", "reason"))
    assert excluded == {t.pk: ExcludedTicket.Reason.UNCERTIFIED for t in unpaid}


def test_selector_tickets_api_and_settlement_agree_on_the_day(
    revoked_from_the_20th, django_capture_on_commit_callbacks
):
    from tests.tickets.factories import TicketFactory
    from tickets.models import Ticket

    tech = revoked_from_the_20th
    days = [ISSUED - datetime.timedelta(days=1), ISSUED, march(19), EFFECTIVE, march(31)]

    by_selector = {day: selectors.technician_is_certified(user=tech, on=day) for day in days}

    by_tickets_api = {}
    for day in days:
        with clock.travel(at(day), tick=False):
            ticket = TicketFactory(station=tech.station, status=Ticket.Status.DISPATCHED, dispatched_at=clock.now())
            response = api(tech).post(
                f"/api/v1/tickets/{ticket.pk}/accept/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
            )
        ticket.refresh_from_db()
        by_tickets_api[day] = response.status_code == 200
        if response.status_code == 200:
            assert (ticket.status, ticket.technician_id) == (Ticket.Status.ACCEPTED, tech.pk)
        else:
            assert response.status_code == 400
            assert "no valid technician certificate" in response.json()["detail"]
            assert (ticket.status, ticket.technician_id) == (Ticket.Status.DISPATCHED, None)

    march_days = [day for day in days if day.replace(day=1) == MONTH]
    tickets = {day: _completed(tech, at(day, 12)) for day in march_days}
    _run_march(django_capture_on_commit_callbacks)
    statement = Statement.objects.get(station=tech.station, month=MONTH)
    paid = set(statement.lines.values_list("ticket_id", flat=True))
    by_settlement = {day: tickets[day].pk in paid for day in march_days}

    assert by_selector == {days[0]: False, ISSUED: True, march(19): True, EFFECTIVE: False, march(31): False}
    assert by_tickets_api == by_selector
    assert by_settlement == {day: by_selector[day] for day in march_days}


def test_certified_on_is_the_expression_behind_the_selector(revoked_from_the_20th):
    """The published expression, used with a plain date, gives the selector's answer (one definition)."""
    from repairnet.models import User

    tech = revoked_from_the_20th
    for day in (ISSUED, march(19), EFFECTIVE, EXPIRES, EXPIRES + datetime.timedelta(days=1)):
        annotated = User.objects.annotate(ok=selectors.certified_on(tech.pk, day)).get(pk=tech.pk).ok
        assert annotated == selectors.technician_is_certified(user=tech, on=day), day


@pytest.mark.parametrize(
    ("effective_on", "message", "shown_message"),
    [
        (
            ISSUED - datetime.timedelta(days=1),
            "cannot take effect before the certificate was issued (2026-01-05)",
            "吊销生效日期不能早于发证日期（2026-01-05）。",
        ),
        (march(26), "cannot take effect in the future", "吊销生效日期不能晚于今天。"),
    ],
)
def test_revoke_before_issue_or_in_the_future_is_refused_and_changes_nothing(db, effective_on, message, shown_message):
    tech = make_user(roles.TECHNICIAN)
    cert = CertificateFactory(user=tech, issued_on=ISSUED, expires_on=EXPIRES)
    hq = make_user(roles.HQ)
    client = api(hq)
    page = APIClient()
    with clock.travel(at(march(25)), tick=False):
        page.force_login(hq)  # the session is opened at the pinned instant
        with pytest.raises(ValidationError) as err:
            services.certificate_revoke(certificate=cert, actor=hq, note="违规", effective_on=effective_on)
        response = client.post(
            f"/api/v1/certificates/{cert.pk}/revoke/",
            {"reason": "违规", "effective_on": effective_on.isoformat()},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        chinese = client.post(
            f"/api/v1/certificates/{cert.pk}/revoke/",
            {"reason": "违规", "effective_on": effective_on.isoformat()},
            format="json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        shown = page.post(
            reverse("stations:certificate-action", args=[cert.pk, "revoke"]),
            {"note": "违规", "effective_on": effective_on.isoformat()},
            follow=True,
        )
    assert message in err.value.messages[0]
    assert response.status_code == 400 and message in response.json()["detail"]
    assert chinese.status_code == 400 and "吊销生效日期" in chinese.json()["detail"]
    assert shown.status_code == 200
    assert [str(m) for m in shown.context["messages"]] == [shown_message]  # pages speak Chinese by default
    cert.refresh_from_db()
    assert (cert.status, cert.revoked_on, cert.revoked_at) == (Certificate.Status.VALID, None, None)
    assert not AuditEvent.objects.filter(object_id=str(cert.pk), verb="revoked").exists()
    with clock.travel(at(march(25)), tick=False):
        assert selectors.technician_is_certified(user=tech)


def test_revoke_page_and_api_default_to_today_and_accept_a_date(db):
    hq = make_user(roles.HQ)
    by_page = CertificateFactory(user=make_user(roles.TECHNICIAN), issued_on=ISSUED, expires_on=EXPIRES)
    by_api = CertificateFactory(user=make_user(roles.TECHNICIAN), issued_on=ISSUED, expires_on=EXPIRES)
    dated = CertificateFactory(user=make_user(roles.TECHNICIAN), issued_on=ISSUED, expires_on=EXPIRES)
    page = APIClient()
    with clock.travel(at(march(25), 0, 5), tick=False):  # 16:05 UTC on the 24th: today is the 25th in Shanghai
        page.force_login(hq)  # the session is opened at the pinned instant
        shown = page.post(
            reverse("stations:certificate-action", args=[by_page.pk, "revoke"]),
            {"note": "离职", "effective_on": ""},
            follow=True,
        )
        body = api(hq).post(f"/api/v1/certificates/{by_api.pk}/revoke/", {"reason": "离职"}, format="json").json()
        dated_body = (
            api(hq)
            .post(
                f"/api/v1/certificates/{dated.pk}/revoke/",
                {"reason": "离职", "effective_on": "2027-03-20"},
                format="json",
            )
            .json()
        )
    by_page.refresh_from_db()
    assert [str(m) for m in shown.context["messages"]] == ["证书已吊销。"]
    assert (by_page.status, by_page.revoked_on) == (Certificate.Status.REVOKED, march(25))
    assert (body["status"], body["revoked_on"]) == ("revoked", "2027-03-25")
    assert (dated_body["status"], dated_body["revoked_on"]) == ("revoked", "2027-03-20")


def test_revoke_without_a_reason_is_still_refused(db):
    hq = make_user(roles.HQ)
    cert = CertificateFactory(user=make_user(roles.TECHNICIAN), issued_on=ISSUED, expires_on=EXPIRES)
    with clock.travel(at(march(25)), tick=False), pytest.raises(ValidationError, match="Please give a reason"):
        services.certificate_revoke(certificate=cert, actor=hq, note=" ", effective_on=march(20))
    cert.refresh_from_db()
    assert (cert.status, cert.revoked_on) == (Certificate.Status.VALID, None)


# --- the migration's data step ------------------------------------------------------------------------

BEFORE = [("stations", "0004_beat_schedules")]
AFTER = [("stations", "0005_certificate_revoked_on")]


@pytest.mark.django_db(transaction=True)
def test_migration_dates_existing_revocations_from_their_audit_event():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Certificate0004 = old.get_model("stations", "Certificate")
        User = old.get_model("repairnet", "User")
        ContentType = old.get_model("contenttypes", "ContentType")
        AuditEvent0004 = old.get_model("repairnet", "AuditEvent")
        holder = User.objects.create(username="migration-holder")

        def cert(number, status):
            return Certificate0004.objects.create(
                number=number,
                user=holder,
                kind="repair_technician",
                issued_on=ISSUED,
                expires_on=EXPIRES,
                status=status,
            )

        audited, unaudited = cert("M-1", "revoked"), cert("M-2", "revoked")
        cert("M-3", "valid")
        content_type, _ = ContentType.objects.get_or_create(app_label="stations", model="certificate")
        for when in (at(march(10), 0, 30), at(march(12))):  # 00:30 in Shanghai is the 9th in UTC; first one wins
            event = AuditEvent0004.objects.create(
                content_type=content_type, object_id=str(audited.pk), verb="revoked", to_state="revoked"
            )
            AuditEvent0004.objects.filter(pk=event.pk).update(at=when)
        updated = at(datetime.date(2026, 7, 1), 23, 30)
        Certificate0004.objects.filter(pk=unaudited.pk).update(updated_at=updated)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("stations", "Certificate")
        rows = {c.number: (c.revoked_on, c.revoked_at) for c in new.objects.filter(user_id=holder.pk)}
        assert rows == {
            "M-1": (march(10), at(march(10), 0, 30)),
            "M-2": (datetime.date(2026, 7, 1), updated),
            "M-3": (None, None),
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)


def test_revoke_page_refuses_an_unreadable_date(db):
    hq = make_user(roles.HQ)
    cert = CertificateFactory(user=make_user(roles.TECHNICIAN), issued_on=ISSUED, expires_on=EXPIRES)
    page = APIClient()
    with clock.travel(at(march(25)), tick=False):
        page.force_login(hq)
        shown = page.post(
            reverse("stations:certificate-action", args=[cert.pk, "revoke"]),
            {"note": "违规", "effective_on": "2027-13-40"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert [str(m) for m in shown.context["messages"]] == ["Enter a valid date."]
    cert.refresh_from_db()
    assert (cert.status, cert.revoked_on) == (Certificate.Status.VALID, None)
