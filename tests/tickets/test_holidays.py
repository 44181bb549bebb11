"""Public holidays from the State Council calendar (chinesecalendar): loaded per year, once, by a command and
a monthly job; HQ's edits survive; SLA deadlines skip the Spring Festival and count its make-up Saturday."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from repairnet import roles
from repairnet.models import JobRun
from tests import clock
from tests.factories import make_user
from tickets import services, sla
from tickets.models import Holiday, Ticket
from tickets.tasks import holidays_refresh_task

from .test_api import api, log_call_payload

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


def test_load_takes_the_spring_festival_and_leaves_make_up_saturdays_as_service_days():
    added = services.holidays_load(year=2026, actor=roles.SYSTEM)
    days = dict(Holiday.objects.filter(date__year=2026).values_list("date", "name"))
    assert added == len(days) > 20
    assert all(datetime.date(2026, 2, d) in days for d in range(15, 24)) and days[datetime.date(2026, 2, 17)] == "春节"
    assert datetime.date(2026, 2, 14) not in days and datetime.date(2026, 2, 28) not in days  # 调休 Saturdays
    assert datetime.date(2026, 10, 1) in days and days[datetime.date(2026, 10, 1)] == "国庆节"


def test_a_loaded_year_keeps_hq_edits_and_force_replaces_only_the_calendars_days():
    services.holidays_load(year=2026, actor=roles.SYSTEM)
    Holiday.objects.filter(date=datetime.date(2026, 10, 7)).delete()  # HQ: the 7th is a service day for us
    Holiday.objects.create(date=datetime.date(2026, 12, 24), name="公司年会")  # HQ adds a day
    assert services.holidays_load(year=2026, actor=roles.SYSTEM) == 0
    assert not Holiday.objects.filter(date=datetime.date(2026, 10, 7)).exists()
    assert services.holidays_load(year=2026, actor=roles.SYSTEM, force=True) > 0
    assert Holiday.objects.filter(date=datetime.date(2026, 10, 7)).exists()
    assert Holiday.objects.get(date=datetime.date(2026, 12, 24)).source == Holiday.Source.ADMIN


def test_an_unpublished_year_loads_nothing_and_the_job_is_idempotent():
    assert services.holidays_load(year=2099, actor=roles.SYSTEM) == 0
    with clock.travel(datetime.datetime(2026, 12, 1, 3, 10, tzinfo=TZ), tick=False):
        first = holidays_refresh_task.delay().get()
        second = holidays_refresh_task.delay().get()
    assert first["loaded"] > 20 and second == {"loaded": 0}
    assert JobRun.objects.filter(name="holidays_refresh", ok=True).count() == 2


def test_only_hq_or_the_system_may_load():
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.holidays_load(year=2026, actor=make_user(roles.HOTLINE))
    assert not Holiday.objects.exists()


def test_command_loads_the_given_years():
    out = io.StringIO()
    call_command("holidays_load", "2026", stdout=out)
    assert "2026:" in out.getvalue() and Holiday.objects.filter(date__year=2026).exists()


def test_deadline_crosses_the_spring_festival_and_counts_the_make_up_saturday():
    services.holidays_load(year=2026, actor=roles.SYSTEM)
    friday_five = datetime.datetime(2026, 2, 13, 17, 0, tzinfo=TZ)
    calendar = sla.calendar_for(None)
    # 1 h on Friday, 9.5 h on the make-up Saturday the 14th, nothing 15th–23rd, then 9.5 h a day from the 24th
    assert calendar.add(friday_five, 48 * 60) == datetime.datetime(2026, 2, 27, 17, 30, tzinfo=TZ)
    with clock.travel(friday_five, tick=False):
        agent = api(make_user(roles.HOTLINE))
        response = agent.post("/api/v1/tickets/", log_call_payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.priority == Ticket.Priority.NORMAL
    assert timezone.localtime(ticket.complete_due_at) == datetime.datetime(2026, 2, 27, 17, 30, tzinfo=TZ)
