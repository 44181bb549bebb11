"""The inspection and rectification lists filter through one FilterSet: a page and its API endpoint give the same
rows for the same query string, and both refuse the same invalid value (the API with a 400)."""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from inspections import filters, services
from inspections.models import Inspection, Rectification
from repairnet import roles
from tests import clock
from tests.factories import StationFactory, make_user

from .conftest import fill

pytestmark = pytest.mark.django_db


def _submitted(station, inspector, hq, zero_items: int = 0) -> Inspection:
    """A submitted inspection of ``station`` whose first ``zero_items`` checklist lines scored 0 (one
    rectification each)."""
    inspection = services.inspection_schedule(
        station=station, inspector=inspector, scheduled_for=clock.today(), actor=hq
    )
    codes = list(inspection.scores.order_by("section_position", "position").values_list("item_code", flat=True))
    fill(inspection, inspector, dict.fromkeys(codes[:zero_items], 0))
    return services.inspection_submit(inspection_id=inspection.pk, actor=inspector)


@pytest.fixture
def world(db):
    """Two stations, two inspectors; inspections in both states; rectifications open, overdue, answered,
    confirmed, raised by either inspector."""
    hq = make_user(roles.HQ)
    station_a, station_b = StationFactory(), StationFactory()
    first, second = make_user(roles.INSPECTOR), make_user(roles.INSPECTOR)
    coordinator = make_user(roles.COORDINATOR, station_a)
    a_done = _submitted(station_a, first, hq, zero_items=3)
    b_done = _submitted(station_b, second, hq, zero_items=1)
    a_draft = services.inspection_schedule(station=station_a, inspector=second, scheduled_for=clock.today(), actor=hq)
    a_open, a_answered, a_confirmed = Rectification.objects.filter(inspection=a_done).order_by("pk")
    for rect in (a_answered, a_confirmed):
        services.rectification_answer(rectification_id=rect.pk, actor=coordinator, answer="已整改")
    services.rectification_confirm(rectification_id=a_confirmed.pk, actor=first)
    b_overdue = Rectification.objects.get(inspection=b_done)
    Rectification.objects.filter(pk=b_overdue.pk).update(is_overdue=True)
    return {
        "users": {"hq": hq, "inspector": first, "coordinator": coordinator},
        "station_a": station_a,
        "station_b": station_b,
        "inspections": {"a_done": a_done, "b_done": b_done, "a_draft": a_draft},
        "rectifications": {
            "a_open": a_open,
            "a_answered": a_answered,
            "a_confirmed": a_confirmed,
            "b_overdue": b_overdue,
        },
    }


def _page_ids(client, url: str) -> tuple[int, set[int], list[str]]:
    response = client.get(url)
    if response.status_code != 200:
        return response.status_code, set(), []
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    return 200, {row.pk for row in response.context["page_obj"]}, errors


def _api_ids(user, url: str) -> tuple[int, set[int]]:
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(url)
    if response.status_code != 200:
        return response.status_code, set()
    return 200, {row["id"] for row in response.json()["results"]}


def _same_rows(world, user_key: str, page: str, api: str, query: str) -> set[int]:
    from django.test import Client

    user = world["users"][user_key]
    client = Client()
    client.force_login(user)
    page_status, page_ids, errors = _page_ids(client, f"{page}?{query}")
    api_status, api_ids = _api_ids(user, f"{api}?{query}")
    assert (page_status, api_status) == (200, 200), query
    assert not errors, errors
    assert page_ids == api_ids, query
    return page_ids


# Each query names the rows it must give, before the user's scope is applied.
INSPECTION_QUERIES = [
    ("", {"a_done", "b_done", "a_draft"}),
    ("status=submitted", {"a_done", "b_done"}),
    ("status=draft", {"a_draft"}),
    ("station={a}", {"a_done", "a_draft"}),
    ("station={b}&status=submitted", {"b_done"}),
    ("status=&station=", {"a_done", "b_done", "a_draft"}),
]
INSPECTIONS_VISIBLE = {"hq": {"a_done", "b_done", "a_draft"}, "coordinator": {"a_done"}}


@pytest.mark.parametrize("user_key", ["hq", "coordinator"])
@pytest.mark.parametrize(("query", "names"), INSPECTION_QUERIES)
def test_inspection_list_page_and_api_give_the_same_rows(world, user_key, query, names):
    query = query.format(a=world["station_a"].pk, b=world["station_b"].pk)
    ids = _same_rows(world, user_key, reverse("inspections:list"), "/api/v1/inspections/", query)
    expected = names & INSPECTIONS_VISIBLE[user_key]
    assert ids == {world["inspections"][name].pk for name in expected}


RECTIFICATION_QUERIES = [
    ("", lambda user_key: {"a_open", "a_answered", "a_confirmed", "b_overdue"}),
    ("status=open", lambda user_key: {"a_open", "b_overdue"}),
    ("status=answered", lambda user_key: {"a_answered"}),
    ("status=confirmed", lambda user_key: {"a_confirmed"}),
    ("overdue=true", lambda user_key: {"b_overdue"}),
    ("overdue=1", lambda user_key: {"b_overdue"}),
    ("overdue=false&status=open", lambda user_key: {"a_open", "b_overdue"}),
    # "mine": items raised on inspections the requesting user is the inspector of.
    ("mine=true", lambda user_key: {"a_open", "a_answered", "a_confirmed"} if user_key == "inspector" else set()),
    ("mine=true&status=open", lambda user_key: {"a_open"} if user_key == "inspector" else set()),
    ("mine=false&overdue=true", lambda user_key: {"b_overdue"}),
]
RECTIFICATIONS_VISIBLE = {
    "hq": {"a_open", "a_answered", "a_confirmed", "b_overdue"},
    "inspector": {"a_open", "a_answered", "a_confirmed", "b_overdue"},
    "coordinator": {"a_open", "a_answered", "a_confirmed"},
}


@pytest.mark.parametrize("user_key", ["hq", "inspector", "coordinator"])
@pytest.mark.parametrize(("query", "names"), RECTIFICATION_QUERIES)
def test_rectification_list_page_and_api_give_the_same_rows(world, user_key, query, names):
    ids = _same_rows(world, user_key, reverse("inspections:rectifications"), "/api/v1/rectifications/", query)
    expected = names(user_key) & RECTIFICATIONS_VISIBLE[user_key]
    assert ids == {world["rectifications"][name].pk for name in expected}


@pytest.mark.parametrize("user_key", ["hq", "coordinator"])
@pytest.mark.parametrize(
    ("page", "api", "query"),
    [
        ("inspections:list", "/api/v1/inspections/", "status=nonsense"),
        ("inspections:list", "/api/v1/inspections/", "station=abc"),
        ("inspections:rectifications", "/api/v1/rectifications/", "status=nonsense"),
        ("inspections:rectifications", "/api/v1/rectifications/", "status=closed&overdue=true"),
    ],
)
def test_invalid_filter_is_400_in_api_and_an_empty_page_with_a_message(world, user_key, page, api, query):
    """The page shows no rows (not every row) and names the field, in the language the page is in."""
    from django.test import Client

    user = world["users"][user_key]
    api_status, _ = _api_ids(user, f"{api}?{query}")
    assert api_status == 400
    client = Client()
    client.force_login(user)
    page_status, page_ids, errors = _page_ids(client, f"{reverse(page)}?{query}")
    assert (page_status, page_ids) == (200, set())
    filterset = {
        "inspections:list": filters.InspectionFilter,
        "inspections:rectifications": filters.RectificationFilter,
    }
    with translation.override("zh-hans"):
        label = str(filterset[page]().form.fields[query.split("=")[0]].label)
    assert len(errors) == 1, errors
    assert f"“{label}”" in errors[0], errors
