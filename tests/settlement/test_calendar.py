"""SPEC 4 calendar: a month's statements are approved and paid by the 20th of the next month (REPAIRNET
``STATEMENT_DUE_DAY``). The month page and the API show the due date and the overdue statements; a daily job
e-mails finance once per statement and day. The rule chosen for weekends and holidays: the due date stays the
20th — it is never moved, so on the 21st an unpaid statement is overdue whatever day the 20th was."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import AuditEvent, JobRun
from settlement import selectors
from settlement.models import OverdueReminder, Statement, statement_due_on
from settlement.services import statements_overdue_remind
from settlement.tasks import statements_overdue_remind_task
from tests import clock
from tests.factories import StationFactory, make_user
from tickets.models import Holiday

pytestmark = pytest.mark.django_db

S = Statement.Status


def shanghai(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hour, minute, tzinfo=timezone.get_default_timezone())


def statements(month: datetime.date, *states: str) -> dict[str, Statement]:
    """One station's statement of ``month`` per state (the flow's own tests cover how they get there)."""
    return {state: Statement.objects.create(station=StationFactory(), month=month, status=state) for state in states}


@pytest.fixture
def finance_mailboxes(db):
    """Two finance users with an address, one without; an HQ user with one (not finance: not mailed)."""
    make_user(roles.FINANCE, email="cw1@repairnet.example")
    make_user(roles.FINANCE, email="cw2@repairnet.example")
    make_user(roles.FINANCE)
    make_user(roles.HQ, email="hq@repairnet.example")
    return ["cw1@repairnet.example", "cw2@repairnet.example"]


def test_due_date_is_the_20th_of_the_next_month_and_stays_put(settings):
    assert statement_due_on(datetime.date(2026, 10, 1)) == datetime.date(2026, 11, 20)
    assert statement_due_on(datetime.date(2026, 12, 1)) == datetime.date(2027, 1, 20)  # over the year end
    # on a Saturday: stays the 20th (not moved to Monday 22nd, nor to Friday 19th)
    assert datetime.date(2026, 6, 20).weekday() == 5
    assert statement_due_on(datetime.date(2026, 5, 1)) == datetime.date(2026, 6, 20)
    # in the Spring Festival holiday: stays the 20th too (holidays pause SLA clocks, not the settlement calendar)
    Holiday.objects.update_or_create(date=datetime.date(2026, 2, 20), defaults={"name": "春节"})
    assert statement_due_on(datetime.date(2026, 1, 1)) == datetime.date(2026, 2, 20)
    # the day is a setting; beyond the next month's length it is its last day
    settings.REPAIRNET = {**settings.REPAIRNET, "STATEMENT_DUE_DAY": 31}
    assert statement_due_on(datetime.date(2027, 1, 1)) == datetime.date(2027, 2, 28)
    assert statement_due_on(datetime.date(2027, 2, 1)) == datetime.date(2027, 3, 31)


def test_at_a_month_end_last_months_unapproved_statements_are_overdue(client_for):
    october, september, november = datetime.date(2026, 10, 1), datetime.date(2026, 9, 1), datetime.date(2026, 11, 1)
    with clock.travel(shanghai(2026, 11, 30, 23, 30), tick=False):
        oct_ = statements(october, S.DRAFT, S.ISSUED, S.CONFIRMED, S.DISPUTED, S.APPROVED, S.PAID)
        sep_ = statements(september, S.CONFIRMED)
        nov_ = statements(november, S.DRAFT)
        late = {oct_[s].pk for s in (S.DRAFT, S.ISSUED, S.CONFIRMED, S.DISPUTED)} | {sep_[S.CONFIRMED].pk}
        assert {s.pk for s in selectors.statements_overdue()} == late
        assert not nov_[S.DRAFT].is_overdue and oct_[S.DRAFT].is_overdue and not oct_[S.APPROVED].is_overdue

        page = client_for(roles.FINANCE).get(reverse("settlement:month", kwargs={"month": "2026-10"}))
        body = page.content.decode()
        assert "2026-11-20" in body
        assert body.count("data-overdue=") == 4
        assert page.context["overview"]["overdue"] == 4
        overdue_only = client_for(roles.FINANCE).get(
            reverse("settlement:month", kwargs={"month": "2026-10"}) + "?overdue=true"
        )
        assert {s.pk for s in overdue_only.context["page_obj"]} == late - {sep_[S.CONFIRMED].pk}
        body = client_for(roles.FINANCE).get(reverse("settlement:month", kwargs={"month": "2026-11"})).content
        assert "2026-12-20" in body.decode() and b"data-overdue=" not in body

        api = APIClient()
        api.force_authenticate(make_user(roles.FINANCE))
        rows = api.get("/api/v1/settlement/statements/?overdue=true").json()["results"]
        assert {r["id"] for r in rows} == late
        one = api.get(f"/api/v1/settlement/statements/{oct_[S.DRAFT].pk}/").json()
        assert one["due_on"] == "2026-11-20" and one["is_overdue"] is True
        paid = api.get(f"/api/v1/settlement/statements/{oct_[S.PAID].pk}/").json()
        assert paid["due_on"] == "2026-11-20" and paid["is_overdue"] is False


def test_on_the_due_date_nothing_of_last_month_is_overdue_yet_the_next_day_it_is():
    october = datetime.date(2026, 10, 1)
    with clock.travel(shanghai(2026, 11, 20, 23, 59), tick=False):
        draft = statements(october, S.DRAFT)[S.DRAFT]
        assert not draft.is_overdue and not selectors.statements_overdue().exists()
    with clock.travel(shanghai(2026, 11, 21, 0, 1), tick=False):
        assert draft.is_overdue and list(selectors.statements_overdue()) == [draft]


def test_at_the_year_end_december_is_due_on_20_january(client_for):
    december, november = datetime.date(2026, 12, 1), datetime.date(2026, 11, 1)
    with clock.travel(shanghai(2026, 12, 31, 23, 0), tick=False):
        dec = statements(december, S.ISSUED)[S.ISSUED]
        nov = statements(november, S.CONFIRMED)[S.CONFIRMED]
        assert dec.due_on == datetime.date(2027, 1, 20)
        assert list(selectors.statements_overdue()) == [nov]  # November's was due 20 December
    with clock.travel(shanghai(2027, 1, 20, 18, 0), tick=False):
        assert list(selectors.statements_overdue()) == [nov]
        body = client_for(roles.FINANCE).get(reverse("settlement:month", kwargs={"month": "2026-12"})).content
        assert "2027-01-20" in body.decode() and b"data-overdue=" not in body
    with clock.travel(shanghai(2027, 1, 21, 9, 0), tick=False):
        assert [s.pk for s in selectors.statements_overdue()] == [nov.pk, dec.pk]  # oldest month first


def test_a_due_date_on_a_weekend_or_holiday_is_not_moved():
    may, january = datetime.date(2026, 5, 1), datetime.date(2026, 1, 1)
    Holiday.objects.update_or_create(date=datetime.date(2026, 2, 20), defaults={"name": "春节"})
    with clock.travel(shanghai(2026, 2, 21, 9, 0), tick=False):  # Saturday, still the Spring Festival break
        held = statements(january, S.CONFIRMED)[S.CONFIRMED]
        assert held.due_on == datetime.date(2026, 2, 20) and held.is_overdue
    with clock.travel(shanghai(2026, 6, 21, 9, 0), tick=False):  # Sunday; the 20th was a Saturday
        weekend = statements(may, S.ISSUED)[S.ISSUED]
        assert weekend.due_on == datetime.date(2026, 6, 20) and weekend.is_overdue


def test_reminder_mails_finance_once_per_statement_and_day(finance_mailboxes, mailoutbox):
    october = datetime.date(2026, 10, 1)
    with clock.travel(shanghai(2026, 11, 30, 9, 0), tick=False):
        late = statements(october, S.DRAFT, S.CONFIRMED, S.APPROVED)
        statements_overdue_remind_task.delay()
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert sorted(mail.to) == finance_mailboxes
        assert late[S.DRAFT].station.code in mail.body and late[S.CONFIRMED].station.code in mail.body
        assert late[S.APPROVED].station.code not in mail.body
        assert "2026-11-20" in mail.body
        reminders = OverdueReminder.objects.order_by("statement_id")
        assert [(r.statement_id, r.day, r.due_on) for r in reminders] == [
            (late[S.DRAFT].pk, datetime.date(2026, 11, 30), datetime.date(2026, 11, 20)),
            (late[S.CONFIRMED].pk, datetime.date(2026, 11, 30), datetime.date(2026, 11, 20)),
        ]
        assert reminders[0].recipients == finance_mailboxes
        event = AuditEvent.objects.get(verb="statement_overdue_reminded", object_id=str(late[S.DRAFT].pk))
        assert event.actor is None and "2026-11-20" in event.note  # the job, when, why

        # a rerun the same day (or a retry) sends nothing new
        statements_overdue_remind_task.delay()
        assert len(mailoutbox) == 1 and OverdueReminder.objects.count() == 2
        runs = JobRun.objects.filter(name="settlement_overdue_remind").order_by("pk")
        assert [(r.ok, r.counts) for r in runs] == [
            (True, {"flagged": 2, "mailed": 2}),
            (True, {"flagged": 2, "mailed": 0}),
        ]
        # a statement that falls overdue later the same day is mailed alone
        newly = statements(datetime.date(2026, 9, 1), S.ISSUED)[S.ISSUED]
        assert statements_overdue_remind(actor=roles.SYSTEM) == {"flagged": 3, "mailed": 1}
        assert len(mailoutbox) == 2 and newly.station.code in mailoutbox[1].body
        assert late[S.DRAFT].station.code not in mailoutbox[1].body

    with clock.travel(shanghai(2026, 12, 1, 9, 0), tick=False):  # the next day: reminded again, once
        Statement.objects.filter(pk=late[S.CONFIRMED].pk).update(status=S.APPROVED)
        assert statements_overdue_remind(actor=roles.SYSTEM) == {"flagged": 2, "mailed": 2}
        assert statements_overdue_remind(actor=roles.SYSTEM) == {"flagged": 2, "mailed": 0}
        assert len(mailoutbox) == 3 and late[S.CONFIRMED].station.code not in mailoutbox[2].body


def test_reminder_over_the_year_end_names_december(finance_mailboxes, mailoutbox):
    with clock.travel(shanghai(2027, 1, 20, 9, 0), tick=False):
        dec = statements(datetime.date(2026, 12, 1), S.ISSUED)[S.ISSUED]
        assert statements_overdue_remind(actor=roles.SYSTEM) == {"flagged": 0, "mailed": 0}
    with clock.travel(shanghai(2027, 1, 21, 9, 0), tick=False):
        assert statements_overdue_remind(actor=roles.SYSTEM) == {"flagged": 1, "mailed": 1}
        assert "2026-12" in mailoutbox[0].body and dec.station.code in mailoutbox[0].body
        assert "2027-01-20" in mailoutbox[0].body


def test_reminder_without_a_finance_address_records_nothing(mailoutbox):
    make_user(roles.FINANCE)  # no e-mail address
    with clock.travel(shanghai(2026, 11, 30, 9, 0), tick=False):
        statements(datetime.date(2026, 10, 1), S.DRAFT)
        assert statements_overdue_remind(actor=roles.SYSTEM) == {"flagged": 1, "mailed": 0}
    assert not mailoutbox and not OverdueReminder.objects.exists()


def test_reminder_checks_its_actor(finance_mailboxes, mailoutbox):
    from django.core.exceptions import PermissionDenied

    with clock.travel(shanghai(2026, 11, 30, 9, 0), tick=False):
        statements(datetime.date(2026, 10, 1), S.DRAFT)
        for actor in (None, make_user(roles.HQ), make_user(roles.COORDINATOR)):
            with pytest.raises(PermissionDenied):
                statements_overdue_remind(actor=actor)
        assert not mailoutbox and not OverdueReminder.objects.exists()
        assert statements_overdue_remind(actor=make_user(roles.FINANCE)) == {"flagged": 1, "mailed": 1}


def test_reminder_is_scheduled_daily_by_a_data_migration():
    task = PeriodicTask.objects.get(task="settlement.tasks.statements_overdue_remind_task")
    assert task.enabled and task.crontab.hour == "9" and task.crontab.day_of_month == "*"
    assert str(task.crontab.timezone) == "Asia/Shanghai"
