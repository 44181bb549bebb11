"""Nothing books twice on a retry: an API write with an Idempotency-Key is done once per caller and key; a page
form's one-time token is done once; ten identical ticket creations at the same moment make one ticket."""

import datetime
import threading

import pytest
from django.db import connections
from django.test import Client

from repairnet import roles
from repairnet.idempotency import idempotency_purge
from repairnet.models import IdempotentRequest
from tests import clock
from tests.factories import StationFactory, make_user
from tests.tickets.test_api import log_call_payload
from tickets.models import Complaint, Customer, Device, Ticket


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _complaint(client, key, description="上门迟到两小时"):
    body = {"station": StationFactory._meta.model.objects.first().pk, "category": "late", "description": description}
    return client.post("/api/v1/complaints/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_key_and_body_answer_the_first_response(db):
    StationFactory()
    agent = _client(make_user(roles.HOTLINE))
    first = _complaint(agent, "k-1")
    again = _complaint(agent, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    other_body = _complaint(agent, "k-1", description="另一件事")
    assert other_body.status_code == 422 and "Idempotency-Key" in other_body.json()["detail"]
    assert Complaint.objects.count() == 1
    # a key is the caller's own: another agent's same key is another request
    assert _complaint(_client(make_user(roles.HOTLINE)), "k-1").status_code == 201
    assert _complaint(agent, "k-2").status_code == 201
    assert Complaint.objects.count() == 3


def test_a_refused_request_is_replayed_and_a_server_error_is_not_kept(db):
    StationFactory()
    agent = _client(make_user(roles.HOTLINE))
    bad = {"category": "late", "description": ""}
    first = agent.post("/api/v1/complaints/", bad, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bad")
    again = agent.post("/api/v1/complaints/", bad, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bad")
    assert first.status_code == again.status_code == 400 and again.json() == first.json()
    assert IdempotentRequest.objects.filter(key="bad", status=400).count() == 1


def test_keys_are_forgotten_after_a_day(db):
    StationFactory()
    agent = _client(make_user(roles.HOTLINE))
    assert _complaint(agent, "old").status_code == 201
    assert idempotency_purge(now=clock.now()) == 0
    IdempotentRequest.objects.update(created_at=clock.now() - datetime.timedelta(hours=25))
    assert _complaint(agent, "old").status_code == 201  # an expired key is a new request
    assert Complaint.objects.count() == 2
    IdempotentRequest.objects.update(created_at=clock.now() - datetime.timedelta(hours=25))
    assert idempotency_purge(now=clock.now()) == 1


def test_a_page_form_sent_twice_is_done_once(db):
    station = StationFactory()
    agent = _client(make_user(roles.HOTLINE))
    form = {"station": station.pk, "category": "charges", "description": "乱收费", "_once": "form-token-1"}
    first = agent.post("/tickets/complaints/new/", form)
    assert first.status_code == 302
    again = agent.post("/tickets/complaints/new/", form, follow=True)
    assert again.redirect_chain[0][0] == first["Location"]
    assert "已提交过" in again.content.decode() or "already sent" in again.content.decode()
    assert Complaint.objects.count() == 1
    # a form shown again with an error keeps its token usable
    invalid = dict(form, description="", _once="form-token-2")
    assert agent.post("/tickets/complaints/new/", invalid).status_code == 200
    assert agent.post("/tickets/complaints/new/", dict(form, _once="form-token-2")).status_code == 302
    assert Complaint.objects.count() == 2


def test_every_page_loads_the_form_token_script(db):
    page = _client(make_user(roles.HOTLINE)).get("/tickets/complaints/new/").content.decode()
    assert "js/forms.js" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_identical_ticket_creations_at_once_make_one_ticket():
    agent = make_user(roles.HOTLINE)
    payload = log_call_payload(serial="HD2503000777", phone="13900007777")
    barrier, results, lock = threading.Barrier(10), [], threading.Lock()

    def create():
        client = _client(agent)
        barrier.wait()
        try:
            response = client.post("/api/v1/tickets/", payload, content_type="application/json")
            outcome = (response.status_code, response["Content-Type"])
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=create) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results) == [201] + [409] * 9, results
    assert all(kind == "application/json" for _, kind in results)
    assert Ticket.objects.count() == Device.objects.count() == Customer.objects.count() == 1
