import threading
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from repairnet import roles
from tests.factories import StationFactory, make_user, region
from tickets.models import Callback, Ticket

from .factories import DeviceModelFactory, certified_technician, completed_ticket, log_call_payload


def api(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_hotline_logs_and_dispatches_through_api_alone(station):
    agent = api(make_user(roles.HOTLINE))
    created = agent.post("/api/v1/tickets/", log_call_payload(), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("T") and len(body["number"]) == 14 and body["in_warranty"]
    assert agent.get("/api/v1/customers/?phone=1380000").json()["results"][0]["name"] == "赵六"
    assert agent.get("/api/v1/devices/?serial=HD25020").json()["results"][0]["serial"] == "HD2502000123"
    suggestions = agent.get(f"/api/v1/tickets/{body['id']}/dispatch-suggestions/").json()
    assert suggestions[0]["station"] == station.pk and suggestions[0]["reasons"]
    response = agent.post(
        f"/api/v1/tickets/{body['id']}/dispatch/", {"station": station.pk}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "dispatched"
    again = agent.post(
        f"/api/v1/tickets/{body['id']}/dispatch/", {"station": station.pk}, content_type="application/json"
    )
    assert again.status_code == 400 and again.json()["detail"]


@pytest.mark.django_db
def test_technician_accepts_arrives_completes_via_api(station):
    agent = make_user(roles.HOTLINE)
    tid = api(agent).post("/api/v1/tickets/", log_call_payload(), content_type="application/json").json()["id"]
    api(agent).post(f"/api/v1/tickets/{tid}/dispatch/", {"station": station.pk}, content_type="application/json")
    tech = api(certified_technician(station))
    assert tech.post(f"/api/v1/tickets/{tid}/accept/", {}, content_type="application/json").status_code == 200
    assert tech.post(f"/api/v1/tickets/{tid}/arrive/").json()["status"] == "in_repair"
    missing = tech.post(
        f"/api/v1/tickets/{tid}/complete/", {"fault_found": "x", "work_done": "y"}, content_type="application/json"
    )
    assert missing.status_code == 400 and "signoff_name" in missing.json()["errors"]
    done = tech.post(
        f"/api/v1/tickets/{tid}/complete/",
        {"fault_found": "电源坏", "work_done": "换电源", "signoff_name": "赵六"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"


@pytest.mark.django_db
def test_station_staff_cannot_see_other_station_tickets_and_phone_masked_when_closed(station):
    ticket = completed_ticket(station=station, callback_outcome=Callback.Outcome.CONFIRMED)
    mine = api(make_user(roles.COORDINATOR, station)).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert "****" in mine["customer_phone"]
    other = api(make_user(roles.COORDINATOR, StationFactory())).get(f"/api/v1/tickets/{ticket.pk}/")
    assert other.status_code == 404
    assert api(make_user(roles.TECHNICIAN, station)).get("/api/v1/customers/?phone=139").status_code == 403


@pytest.mark.django_db
def test_callback_attempt_api_closes_ticket():
    ticket = completed_ticket()
    agent = api(make_user(roles.HOTLINE))
    cid = agent.get("/api/v1/callbacks/?status=open").json()["results"][0]["id"]
    response = agent.post(
        f"/api/v1/callbacks/{cid}/attempt/",
        {"reached": True, "repaired": True, "satisfaction": 9},
        content_type="application/json",
    )
    assert response.status_code == 400
    response = agent.post(
        f"/api/v1/callbacks/{cid}/attempt/",
        {"reached": True, "repaired": True, "satisfaction": 4},
        content_type="application/json",
    )
    assert response.json()["outcome"] == "confirmed"
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


@pytest.mark.django_db
def test_ticket_list_query_count(django_assert_max_num_queries, django_assert_num_queries):
    station = StationFactory()
    completed_ticket(station=station, callback_outcome=Callback.Outcome.CONFIRMED)
    client = api(make_user(roles.HQ))
    client.get("/api/v1/tickets/")  # warm caches (session, the user's roles)
    with django_assert_max_num_queries(6) as small:
        assert client.get("/api/v1/tickets/").status_code == 200
    few = len(small.captured_queries)
    # Fourteen more at four stations, with and without callbacks: per-ticket lookups would show.
    for i in range(14):
        completed_ticket(
            station=StationFactory() if i % 5 == 0 else station,
            callback_outcome=Callback.Outcome.CONFIRMED if i % 2 else None,
        )
    with django_assert_num_queries(few):
        response = client.get("/api/v1/tickets/")
    body = response.json()
    # Cursor pagination: the page, no count of every ticket, no further page.
    assert response.status_code == 200 and len(body["results"]) == 15
    assert "count" not in body and body["next"] is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_dispatching_at_once_exactly_one_wins():
    from tickets import services

    station_a, station_b = StationFactory(), StationFactory()
    agent_a, agent_b = make_user(roles.HOTLINE), make_user(roles.HOTLINE)
    ticket = services.ticket_create(
        actor=agent_a,
        phone="13900000000",
        customer_name="并发",
        serial="HD2501999999",
        device_model=DeviceModelFactory(),
        has_invoice=False,
        fault_category="no_signal",
        region=region("410102"),
    )
    barrier = threading.Barrier(2)
    results = []

    def go(agent, station):
        try:
            barrier.wait()
            services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
            results.append("ok")
        except Exception as exc:  # noqa: BLE001
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=a) for a in ((agent_a, station_a), (agent_b, station_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ValidationError", "ok"]
    ticket.refresh_from_db()
    assert ticket.status == "dispatched" and ticket.station_id in (station_a.pk, station_b.pk)


@pytest.mark.django_db
def test_bad_input_is_json_400_not_500():
    agent = api(make_user(roles.HOTLINE))
    for payload in (
        log_call_payload(customer_id=999999),
        log_call_payload(phone="12"),
        log_call_payload(purchase_date="2999-01-01"),
        log_call_payload(serial="??"),
        {"serial": "x"},
    ):
        response = agent.post("/api/v1/tickets/", payload, content_type="application/json")
        assert response.status_code == 400, (payload, response.content)
        assert response.json()["detail"]


def _in_repair(station):
    """A ticket logged, dispatched to ``station`` and started by its technician, through the API."""
    agent = api(make_user(roles.HOTLINE))
    tid = agent.post("/api/v1/tickets/", log_call_payload(), content_type="application/json").json()["id"]
    agent.post(f"/api/v1/tickets/{tid}/dispatch/", {"station": station.pk}, content_type="application/json")
    tech = api(certified_technician(station))
    assert tech.post(f"/api/v1/tickets/{tid}/accept/", {}, content_type="application/json").status_code == 200
    assert tech.post(f"/api/v1/tickets/{tid}/arrive/").json()["status"] == "in_repair"
    return tid, tech


def _jpeg(name):
    out = BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db
def test_complete_via_api_with_before_and_after_photos(station, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    tid, tech = _in_repair(station)
    report = {"fault_found": "电源坏", "work_done": "换电源", "signoff_name": "赵六"}

    fake = SimpleUploadedFile("before.jpg", b"not an image at all", content_type="image/jpeg")
    refused = tech.post(f"/api/v1/tickets/{tid}/complete/", {**report, "photo_before": fake})
    assert refused.status_code == 400
    assert refused.json()["detail"] == refused.json()["errors"]["photo_before"][0]  # the upload check's message
    assert Ticket.objects.get(pk=tid).status == Ticket.Status.IN_REPAIR

    outsider = api(certified_technician(StationFactory()))
    body = {**report, "photo_before": _jpeg("before.jpg"), "photo_after": _jpeg("after.jpg")}
    assert outsider.post(f"/api/v1/tickets/{tid}/complete/", body).status_code in (403, 404)
    ticket = Ticket.objects.get(pk=tid)
    assert ticket.status == Ticket.Status.IN_REPAIR and not ticket.photo_before

    body = {**report, "photo_before": _jpeg("before.jpg"), "photo_after": _jpeg("after.jpg")}
    done = tech.post(f"/api/v1/tickets/{tid}/complete/", body)
    assert done.status_code == 200, done.content
    ticket = Ticket.objects.get(pk=tid)
    assert ticket.status == Ticket.Status.COMPLETED
    for field in (ticket.photo_before, ticket.photo_after):
        with Image.open(field.path) as img:  # the stored files open back as images
            assert img.size == (80, 60)
