"""The ticket list API answered from the cache (repairnet.dataversion): never a stale answer after a commit,
whatever wrote (a service, a bulk update, raw SQL), never across users, never past a clock change of an SLA."""

import datetime

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from repairnet import dataversion, roles
from tests import clock
from tests.factories import StationFactory, make_user
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket

LIST = "/api/v1/tickets/"
cached = override_settings(RESPONSE_CACHE_SECONDS=60)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client) -> tuple[dict, int]:
    """The list's rows by id, and how many queries of tickets answering it took."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST)
    assert response.status_code == 200, response.content
    queries = sum("tickets_ticket" in q["sql"] for q in ctx.captured_queries)
    return {row["id"]: row for row in response.json()["results"]}, queries


def test_reads_are_not_writes_and_unrelated_tables_leave_the_version():
    changes = dataversion._changes_data
    assert not changes('SELECT "tickets_ticket"."id" FROM "tickets_ticket"')
    assert not changes("SAVEPOINT s1")
    assert changes('INSERT INTO "tickets_ticket" ("number") VALUES (%s)')
    assert changes('UPDATE "tickets_ticket" SET "status" = %s')
    assert changes("delete from tickets_customer where id = 1")
    assert changes('WITH moved AS (UPDATE "tickets_ticket" SET status = 1 RETURNING id) SELECT count(*) FROM moved')
    assert changes("TRUNCATE tickets_ticket")  # a target it cannot read counts
    assert not changes('INSERT INTO "repairnet_auditevent" ("verb") VALUES (%s)')
    assert not changes('UPDATE "django_session" SET "session_data" = %s')
    assert changes('INSERT INTO "settlement_statementline" SELECT 1; UPDATE "repairnet_auditevent" SET x = 1')


@cached
@pytest.mark.django_db(transaction=True)
def test_a_repeated_list_comes_from_the_cache_until_any_commit_changes_the_data():
    station = StationFactory()
    first = TicketFactory(station=station)
    hq = client_of(make_user(roles.HQ))
    rows, queries = listed(hq)
    assert set(rows) == {first.pk} and queries >= 1
    rows, queries = listed(hq)
    assert set(rows) == {first.pk} and queries == 0  # the rows came from the cache

    second = TicketFactory(station=station)  # the ORM, committed
    rows, _queries = listed(hq)
    assert set(rows) == {first.pk, second.pk}

    Ticket.objects.filter(pk=first.pk).update(status=Ticket.Status.CANCELLED)  # a bulk update
    assert listed(hq)[0][first.pk]["status"] == "cancelled"

    with connection.cursor() as cursor:  # raw SQL
        cursor.execute("UPDATE tickets_ticket SET priority = %s WHERE id = %s", ["urgent", second.pk])
    assert listed(hq)[0][second.pk]["priority"] == "urgent"

    with transaction.atomic():
        Ticket.objects.filter(pk=second.pk).update(description="回滚")
        transaction.set_rollback(True)
    with transaction.atomic():  # a rolled-back transaction leaves nothing behind: the next commit still counts
        Ticket.objects.filter(pk=second.pk).update(description="已提交")
    assert listed(hq)[0][second.pk]["description"] == "已提交"


@cached
@pytest.mark.django_db(transaction=True)
def test_a_transaction_reads_its_own_uncommitted_writes():
    ticket = TicketFactory()
    hq = client_of(make_user(roles.HQ))
    listed(hq)
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(description="未提交")
        rows, queries = listed(hq)
        assert rows[ticket.pk]["description"] == "未提交" and queries >= 1


@cached
@pytest.mark.django_db(transaction=True)
def test_each_user_gets_only_their_own_answer():
    mine, theirs = StationFactory(), StationFactory()
    own, other = TicketFactory(station=mine), TicketFactory(station=theirs)
    assert set(listed(client_of(make_user(roles.HQ)))[0]) == {own.pk, other.pk}
    coordinator = client_of(make_user(roles.COORDINATOR, mine))
    assert set(listed(coordinator)[0]) == {own.pk}
    assert set(listed(coordinator)[0]) == {own.pk}


def backend(name: str) -> dict:
    if name == "locmem":
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    return {"default": settings.CACHES["default"]}  # the worker's own Redis database (tests/conftest.py)


@cached
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize("cache", ["locmem", "redis"])  # Redis expires entries by its own clock, not the test's
def test_sla_statuses_and_late_minutes_follow_the_clock(zone, cache):
    start = datetime.datetime(2026, 12, 31, 23, 59, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    with clock.travel(start, tick=False) as traveller, override_settings(TIME_ZONE=zone, CACHES=backend(cache)):
        ticket = TicketFactory(
            station=StationFactory(),
            status=Ticket.Status.DISPATCHED,
            dispatched_at=start - datetime.timedelta(hours=1),
            accept_due_at=start + datetime.timedelta(seconds=20),  # due at 23:59:50, New Year's Eve
        )
        hq = client_of(make_user(roles.HQ))

        def accept_leg():
            return next(leg for leg in listed(hq)[0][ticket.pk]["sla"] if leg["leg"] == "accept")

        assert accept_leg()["status"] == "due"
        traveller.shift(datetime.timedelta(seconds=19))
        assert accept_leg()["status"] == "due" and listed(hq)[1] == 0  # still the cached answer
        traveller.shift(datetime.timedelta(seconds=2))  # past the deadline
        assert accept_leg() | {"due": None} == {"leg": "accept", "due": None, "status": "breached", "late_minutes": 0}
        traveller.shift(datetime.timedelta(seconds=58))  # 59 s late: the same minute
        assert accept_leg()["late_minutes"] == 0 and listed(hq)[1] == 0
        traveller.shift(datetime.timedelta(seconds=2))  # 61 s late, in the new year
        assert accept_leg()["late_minutes"] == 1


@override_settings(
    RESPONSE_CACHE_SECONDS=60,
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}},
)
@pytest.mark.django_db(transaction=True)
def test_an_unreachable_cache_answers_from_the_database():
    ticket = TicketFactory()
    hq = Client()
    hq.force_login(make_user(roles.HQ))
    for _ in range(2):
        rows, queries = listed(hq)
        assert set(rows) == {ticket.pk} and queries >= 1
