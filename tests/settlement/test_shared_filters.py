"""The statement lists (the statements page, the finance month page) filter through the API's StatementFilter:
the same query string gives the same rows on the page and in /api/v1/settlement/statements/, and an invalid
value is a 400 in the API and an empty page with a message."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from repairnet import roles
from settlement import filters
from settlement.models import Statement
from settlement.services import settlement_month_build, statement_issue
from tests import clock
from tests.factories import make_user

from .conftest import at, certified

pytestmark = pytest.mark.django_db

API = "/api/v1/settlement/statements/"


@pytest.fixture
def world(month, simple_month, finance):
    """Station A: a statement issued for the earlier month, a draft for ``month``; station B: one issued for
    ``month``."""
    from tests.tickets.factories import completed_ticket

    a, b = simple_month
    earlier = (month - datetime.timedelta(days=1)).replace(day=1)
    completed_ticket(station=a, technician=certified(a), completed_at=at(earlier, 5), callback_outcome="confirmed")
    settlement_month_build(month=earlier)
    settlement_month_build(month=month)
    statements = {
        "a_earlier": Statement.objects.get(station=a, month=earlier),
        "a_month": Statement.objects.get(station=a, month=month),
        "b_month": Statement.objects.get(station=b, month=month),
    }
    assert Statement.objects.count() == 3
    for name in ("a_earlier", "b_month"):
        statement_issue(statement_id=statements[name].pk, actor=finance)
    return {
        "users": {"hq": make_user(roles.HQ), "coordinator": make_user(roles.COORDINATOR, a)},
        "a": a,
        "b": b,
        "month": f"{month:%Y-%m}",
        "earlier": f"{earlier:%Y-%m}",
        "statements": statements,
    }


def _page(user, url: str):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    return {row.pk for row in response.context["page_obj"]}, errors


def _api(user, query: str):
    api = APIClient()
    api.force_authenticate(user)
    return api.get(f"{API}?{query}")


def _api_ids(user, query: str) -> set[int]:
    response = _api(user, query)
    assert response.status_code == 200, (query, response.content)
    return {row["id"] for row in response.json()["results"]}


STATEMENT_QUERIES = [
    ("", {"a_earlier", "a_month", "b_month"}),
    ("status=issued", {"a_earlier", "b_month"}),
    ("status=draft", {"a_month"}),
    ("month={month}", {"a_month", "b_month"}),
    ("month={earlier}&status=issued", {"a_earlier"}),
    ("station={b}", {"b_month"}),
    ("station={a}&status=draft", {"a_month"}),
    ("status=&month=", {"a_earlier", "a_month", "b_month"}),
]
VISIBLE = {"hq": {"a_earlier", "a_month", "b_month"}, "coordinator": {"a_earlier", "a_month"}}


def _query(world, query: str) -> str:
    return query.format(month=world["month"], earlier=world["earlier"], a=world["a"].pk, b=world["b"].pk)


@pytest.mark.parametrize("user_key", ["hq", "coordinator"])
@pytest.mark.parametrize(("query", "names"), STATEMENT_QUERIES)
def test_statement_list_page_and_api_give_the_same_rows(world, user_key, query, names):
    user, query = world["users"][user_key], _query(world, query)
    page_ids, errors = _page(user, f"{reverse('settlement:statements')}?{query}")
    assert not errors, errors
    assert page_ids == _api_ids(user, query)
    assert page_ids == {world["statements"][name].pk for name in names & VISIBLE[user_key]}


MONTH_QUERIES = [
    ("", {"a_month", "b_month"}),
    ("status=issued", {"b_month"}),
    ("status=draft", {"a_month"}),
    ("station={a}", {"a_month"}),
    ("status=issued&station={a}", set()),
]


@pytest.mark.parametrize(("query", "names"), MONTH_QUERIES)
def test_month_page_matches_the_api_for_that_month(world, query, names):
    """The finance month page is the API's list with ``month`` set from its URL (station staff are refused it)."""
    hq, query = world["users"]["hq"], _query(world, query)
    url = reverse("settlement:month", kwargs={"month": world["month"]})
    page_ids, errors = _page(hq, f"{url}?{query}")
    assert not errors, errors
    assert page_ids == _api_ids(hq, f"month={world['month']}&{query}")
    assert page_ids == {world["statements"][name].pk for name in names}


def _label(field: str) -> str:
    with translation.override("zh-hans"):
        return str(filters.StatementFilter().form.fields[field].label)


@pytest.mark.parametrize("user_key", ["hq", "coordinator"])
@pytest.mark.parametrize("query", ["status=nonsense", "month=2026-13", "month=nonsense", "station=abc"])
def test_invalid_filter_is_400_in_api_and_an_empty_statement_page_with_a_message(world, user_key, query):
    user = world["users"][user_key]
    assert _api(user, query).status_code == 400
    page_ids, errors = _page(user, f"{reverse('settlement:statements')}?{query}")
    assert page_ids == set()
    assert len(errors) == 1 and f"“{_label(query.split('=')[0])}”" in errors[0], errors


def test_invalid_status_on_month_page_shows_no_rows_and_a_message(world):
    hq = world["users"]["hq"]
    assert _api(hq, f"month={world['month']}&status=nonsense").status_code == 400
    url = reverse("settlement:month", kwargs={"month": world["month"]})
    page_ids, errors = _page(hq, f"{url}?status=nonsense")
    assert page_ids == set()
    assert len(errors) == 1 and f"“{_label('status')}”" in errors[0], errors


def test_future_month_is_refused_alike(world):
    hq = world["users"]["hq"]
    future = f"{clock.today().year + 2}-01"
    response = _api(hq, f"month={future}")
    assert response.status_code == 400
    page_ids, errors = _page(hq, f"{reverse('settlement:statements')}?month={future}")
    assert page_ids == set() and errors
