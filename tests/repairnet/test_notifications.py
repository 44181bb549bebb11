"""In-app notifications (issue 16): raised once per event, listed on a page and in the API, marked read; each
person sees and marks only their own (station staff included), and a forbidden read is refused."""

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client

from repairnet import roles, selectors, services
from repairnet.models import Notification
from tests.factories import StationFactory, make_user

pytestmark = pytest.mark.django_db
K = Notification.Kind


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_stations(db):
    a, b = StationFactory(), StationFactory()
    return {
        "a": make_user(roles.COORDINATOR, a),
        "a_tech": make_user(roles.TECHNICIAN, a),
        "b": make_user(roles.COORDINATOR, b),
        "station_a": a,
    }


def raise_dispatch(users, key="ticket_dispatched:1:t0", number="T2026120100001"):
    return services.notification_raise(
        kind=K.TICKET_DISPATCHED,
        key=key,
        recipient_ids=[u.pk for u in users],
        params={"number": number},
        url="/tickets/1/",
    )


def test_raising_twice_with_the_same_key_adds_nothing(two_stations):
    people = [two_stations["a"], two_stations["a_tech"]]
    raise_dispatch(people)
    raise_dispatch(people)  # a retried action, a job run twice
    raise_dispatch(people + [two_stations["a"]])  # a recipient named twice
    assert Notification.objects.count() == 2
    raise_dispatch(people, key="ticket_dispatched:1:t1")  # the next dispatch is a new event
    assert Notification.objects.count() == 4


def test_an_unknown_kind_or_a_bad_key_is_refused(two_stations):
    with pytest.raises(ValueError):
        services.notification_raise(kind="gossip", key="x", recipient_ids=[two_stations["a"].pk])
    with pytest.raises(ValueError):
        services.notification_raise(kind=K.TICKET_DISPATCHED, key="", recipient_ids=[two_stations["a"].pk])


def test_messages_are_in_the_readers_language(two_stations):
    from django.utils import translation

    raise_dispatch([two_stations["a"]])
    notification = Notification.objects.get()
    with translation.override("en"):
        assert notification.message == "New ticket T2026120100001 dispatched to your station."
    with translation.override("zh-hans"):
        assert "T2026120100001" in notification.message


def test_recipients_are_the_active_staff_of_the_station(two_stations):
    gone = make_user(roles.TECHNICIAN, two_stations["station_a"])
    gone.is_active = False
    gone.save()
    ids = selectors.station_staff_ids(station_id=two_stations["station_a"].pk)
    assert ids == sorted([two_stations["a"].pk, two_stations["a_tech"].pk])


def test_mark_read_own_only(two_stations):
    raise_dispatch([two_stations["a"], two_stations["b"]])
    mine = Notification.objects.get(recipient=two_stations["a"])
    theirs = Notification.objects.get(recipient=two_stations["b"])
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(notification_id=theirs.pk, actor=two_stations["a"])
    services.notification_mark_read(notification_id=mine.pk, actor=two_stations["a"])
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert selectors.notification_unread_count(user=two_stations["a"]) == 0
    assert selectors.notification_unread_count(user=two_stations["b"]) == 1


def test_page_lists_own_notifications_and_marks_them_read(two_stations):
    raise_dispatch([two_stations["a"]])
    raise_dispatch([two_stations["b"]], key="ticket_dispatched:2:t0", number="T2026120100002")
    client = login(two_stations["a"])
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "T2026120100001" in page and "T2026120100002" not in page
    mine = Notification.objects.get(recipient=two_stations["a"])
    response = client.post(f"/notifications/{mine.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/tickets/1/"
    assert client.get("/notifications/unread.json").json() == {"unread": 0}
    raise_dispatch([two_stations["a"]], key="ticket_dispatched:1:t9")
    raise_dispatch([two_stations["a"]], key="ticket_dispatched:1:t10")
    assert client.get("/notifications/unread.json").json() == {"unread": 2}
    assert client.post("/notifications/read-all/").status_code == 302
    assert client.get("/notifications/?unread=1").context["page_obj"].paginator.count == 0


def test_marking_someone_elses_notification_on_the_page_is_refused(two_stations):
    raise_dispatch([two_stations["b"]])
    theirs = Notification.objects.get()
    response = login(two_stations["a"]).post(f"/notifications/{theirs.pk}/read/")
    assert response.status_code == 403
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert Client().get("/notifications/").status_code == 302  # logged out: to the login page


def test_api_lists_own_and_refuses_a_forbidden_read(two_stations):
    raise_dispatch([two_stations["a"]])
    raise_dispatch([two_stations["b"]], key="ticket_dispatched:2:t0", number="T2026120100002")
    mine = Notification.objects.get(recipient=two_stations["a"])
    theirs = Notification.objects.get(recipient=two_stations["b"])
    api = login(two_stations["a"])
    rows = api.get("/api/v1/notifications/").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["unread"] is True and rows[0]["kind"] == K.TICKET_DISPATCHED
    assert api.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 403
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 403
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    answer = api.post(f"/api/v1/notifications/{mine.pk}/read/").json()
    assert answer["unread"] is False and answer["read_at"]
    assert api.get("/api/v1/notifications/?unread=1").json()["results"] == []
    raise_dispatch([two_stations["a"]], key="ticket_dispatched:1:t2")
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert Client().get("/api/v1/notifications/").status_code in (401, 403)


def test_badge_partial_costs_no_query_and_is_counted_by_its_endpoint(client, two_stations):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    raise_dispatch([two_stations["a"]])
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("partials/notifications_badge.html", {"user": two_stations["a"]})
    assert not queries.captured_queries  # the page shows it hidden; the script asks the endpoint
    assert 'id="notifications-badge-count"' in html and "/notifications/unread.json" in html
    client.force_login(two_stations["a"])
    assert client.get("/notifications/unread.json").json()["unread"] == 1
