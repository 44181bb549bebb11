"""Replenishment requests (issue 18.6): quantities suggested from usage and turnover within the deposit, one
pending request per station, and HQ's one-action approval into a shipment."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from repairnet import roles
from spares import selectors, services
from spares.models import Location, Movement, Replenishment, SerialUnit, Shipment, StockBalance
from tests import clock
from tests.tickets.factories import TicketFactory

from .conftest import staff_of
from .test_api import api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # the messages are matched in English; the pages test the Chinese
        yield


def _use(station, item, quantity):
    ticket = TicketFactory(station=station, in_warranty=False)
    services.stock_use_for_ticket(
        ticket=ticket, parts=[{"item_id": item.pk, "quantity": quantity}], actor=staff_of(station)
    )


@pytest.fixture
def busy_station(station, hq_user, part, accessory, machine):
    """¥2,000 deposit; received 40 tuners; used 10 of them 100 days ago (outside the 90-day window) and 27
    within it. HQ keeps 60 tuners, 50 remotes and four spare machines."""
    services.deposit_record(station=station, kind="paid", amount=Decimal("2000.00"), actor=hq_user)
    services.hq_stock_receive(item=part, quantity=100, actor=hq_user)
    services.hq_stock_receive(item=accessory, quantity=50, actor=hq_user)
    services.hq_stock_receive(item=machine, serials=["HQ-M4", "HQ-M2", "HQ-M3", "HQ-M1"], actor=hq_user)
    with clock.travel(clock.now() - datetime.timedelta(days=100), tick=True):
        shipment = services.shipment_create(
            station=station, lines=[{"item_id": part.pk, "quantity": 40}], actor=hq_user
        )
        services.shipment_receive(shipment=shipment, actor=staff_of(station))
        _use(station, part, 10)
    _use(station, part, 27)
    return station


def test_suggestion_covers_fifteen_days_of_usage_less_the_shelf(busy_station, part):
    suggestions = selectors.replenishment_suggestions(station=busy_station)
    (row,) = suggestions["rows"]  # only what was used in the window
    # 27 used in 90 days = 0.3 a day; 15 days of it is 4.5 → 5; 3 on the shelf → 2 more
    assert (row["item"], row["used"], row["target"], row["on_hand"], row["needed"]) == (part, 27, 5, 3, 2)
    assert (row["suggested"], row["limited"], row["value"], row["hq_on_hand"]) == (2, False, Decimal("50.00"), 60)
    assert suggestions["headroom"] == Decimal("2000.00") - Decimal("75.00")  # three tuners at ¥25 held


def test_suggestion_is_cut_to_the_deposit_headroom(busy_station, part, hq_user):
    services.deposit_record(station=busy_station, kind="refund", amount=Decimal("1915.00"), actor=hq_user)
    (row,) = selectors.replenishment_suggestions(station=busy_station)["rows"]
    # ¥85 deposit, ¥75 held: ¥10 of headroom buys no ¥25 tuner
    assert (row["needed"], row["suggested"], row["limited"]) == (2, 0, True)


def test_request_then_hq_approves_it_into_a_shipment_in_one_action(busy_station, part, machine, hq_user):
    coordinator = staff_of(busy_station)
    lines = [{"item_id": part.pk, "quantity": 4}, {"item_id": machine.pk, "quantity": 2}]
    request = services.replenishment_request(station=busy_station, lines=lines, actor=coordinator, note="旺季备货")
    assert request.status == Replenishment.Status.PENDING
    assert {(line.item_id, line.quantity, line.suggested) for line in request.lines.all()} == {
        (part.pk, 4, 2),
        (machine.pk, 2, 0),
    }
    with pytest.raises(ValidationError, match="already has a replenishment request"):
        services.replenishment_request(station=busy_station, lines=lines, actor=coordinator)

    approved = services.replenishment_decide(replenishment=request, approve=True, actor=hq_user)
    assert approved.status == Replenishment.Status.APPROVED and approved.decided_by == hq_user
    shipment = approved.shipment
    assert shipment.status == Shipment.Status.IN_TRANSIT and shipment.station == busy_station
    shipped = sorted(
        (line.item_id, line.quantity, getattr(line.serial_unit, "serial", None)) for line in shipment.lines.all()
    )
    # the machines come off HQ's shelf lowest serial first
    assert shipped == sorted([(part.pk, 4, None), (machine.pk, 1, "HQ-M1"), (machine.pk, 1, "HQ-M2")])
    assert SerialUnit.objects.get(serial="HQ-M1").location.kind == Location.Kind.TRANSIT
    assert [line.shipped for line in approved.lines.order_by("pk")] == [4, 2]
    with pytest.raises(ValidationError, match="already been decided"):
        services.replenishment_decide(replenishment=request, approve=True, actor=hq_user)
    # decided: the station may ask again
    services.replenishment_request(station=busy_station, lines=lines[:1], actor=coordinator)


def test_hq_may_ship_less_and_drop_a_line(busy_station, part, machine, hq_user):
    request = services.replenishment_request(
        station=busy_station,
        lines=[{"item_id": part.pk, "quantity": 4}, {"item_id": machine.pk, "quantity": 1}],
        actor=staff_of(busy_station),
    )
    tuner, spare = request.lines.order_by("pk")
    approved = services.replenishment_decide(
        replenishment=request, approve=True, actor=hq_user, quantities={tuner.pk: 1, spare.pk: 0}
    )
    assert [(line.item_id, line.quantity) for line in approved.shipment.lines.all()] == [(part.pk, 1)]
    with pytest.raises(ValidationError, match="whole numbers"):
        other = services.replenishment_request(
            station=busy_station, lines=[{"item_id": part.pk, "quantity": 1}], actor=staff_of(busy_station)
        )
        services.replenishment_decide(
            replenishment=other, approve=True, actor=hq_user, quantities={other.lines.get().pk: "x"}
        )


def test_the_stock_limit_and_hq_stock_refuse_an_approval_and_leave_it_pending(busy_station, part, machine, hq_user):
    coordinator = staff_of(busy_station)
    too_many = services.replenishment_request(
        station=busy_station, lines=[{"item_id": part.pk, "quantity": 61}], actor=coordinator
    )
    with pytest.raises(ValidationError, match="60 available, 61 wanted"):  # HQ's shelf
        services.replenishment_decide(replenishment=too_many, approve=True, actor=hq_user)
    services.replenishment_decide(replenishment=too_many, approve=False, actor=hq_user, note="总部库存不足")
    request = services.replenishment_request(
        station=busy_station, lines=[{"item_id": part.pk, "quantity": 60}], actor=coordinator
    )
    services.deposit_record(station=busy_station, kind="refund", amount=Decimal("1000.00"), actor=hq_user)
    with pytest.raises(ValidationError) as refused:
        services.replenishment_decide(replenishment=request, approve=True, actor=hq_user)
    assert refused.value.code == "stock_limit"  # ¥75 held + ¥1,500 is above the ¥1,000 deposit
    request.refresh_from_db()
    assert request.status == Replenishment.Status.PENDING and request.shipment is None
    assert not Shipment.objects.filter(station=busy_station, status=Shipment.Status.IN_TRANSIT).exists()
    with pytest.raises(ValidationError, match="at least one line"):
        services.replenishment_decide(
            replenishment=request, approve=True, actor=hq_user, quantities={request.lines.get().pk: 0}
        )
    services.replenishment_decide(replenishment=request, approve=False, actor=hq_user, note="先返还坏件")
    machines = services.replenishment_request(
        station=busy_station, lines=[{"item_id": machine.pk, "quantity": 5}], actor=coordinator
    )
    with pytest.raises(ValidationError, match="HQ has 4 of"):
        services.replenishment_decide(replenishment=machines, approve=True, actor=hq_user)


def test_bad_requests_are_refused_and_change_nothing(busy_station, other_station, part, hq_user):
    coordinator = staff_of(busy_station)
    cases = [
        ([], "at least one item"),
        ([{"item_id": part.pk, "quantity": 0}], "positive"),
        ([{"item_id": part.pk, "quantity": "两"}], "whole numbers"),
        ([{"item_id": 999999, "quantity": 1}], "Unknown catalogue item"),
        ([{"item_id": part.pk, "quantity": 1}, {"item_id": part.pk, "quantity": 2}], "listed twice"),
    ]
    for lines, message in cases:
        with pytest.raises(ValidationError, match=message):
            services.replenishment_request(station=busy_station, lines=lines, actor=coordinator)
    assert not Replenishment.objects.exists()
    for actor, station in [
        (staff_of(busy_station, roles.TECHNICIAN), busy_station),
        (coordinator, other_station),
        (hq_user, busy_station),
    ]:
        with pytest.raises(PermissionDenied):
            services.replenishment_request(station=station, lines=[{"item_id": part.pk, "quantity": 1}], actor=actor)
    request = services.replenishment_request(
        station=busy_station, lines=[{"item_id": part.pk, "quantity": 1}], actor=coordinator
    )
    with pytest.raises(PermissionDenied):
        services.replenishment_decide(replenishment=request, approve=True, actor=coordinator)
    with pytest.raises(ValidationError):
        services.replenishment_decide(replenishment=request, approve=False, actor=hq_user, note="")  # a note to reject
    assert Replenishment.objects.get().status == Replenishment.Status.PENDING


def test_pages_station_asks_with_suggestions_and_hq_approves(client_for, busy_station, other_station, part):
    station_client = client_for(roles.COORDINATOR, station=busy_station)
    page = station_client.get(reverse("spares:replenishment-create")).content.decode()
    assert 'id="suggestions"' in page and "P-TUNER" in page
    assert 'name="line-0-quantity" value="2"' in page  # the suggestion fills the first line
    response = station_client.post(
        reverse("spares:replenishment-create"),
        {
            "line-TOTAL_FORMS": "2",
            "line-INITIAL_FORMS": "0",
            "line-0-item": part.pk,
            "line-0-quantity": "3",
            "line-1-item": "",
            "line-1-quantity": "",
            "note": "",
        },
    )
    request = Replenishment.objects.get()
    assert response.url == reverse("spares:replenishment-detail", args=[request.pk])
    assert f"#{request.pk}" in station_client.get(reverse("spares:replenishments")).content.decode()
    assert (
        station_client.post(
            reverse("spares:replenishment-detail", args=[request.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    assert (
        client_for(roles.COORDINATOR, station=other_station)
        .get(reverse("spares:replenishment-detail", args=[request.pk]))
        .status_code
        == 404
    )

    hq = client_for(roles.HQ)
    detail = hq.get(reverse("spares:replenishment-detail", args=[request.pk])).content.decode()
    assert 'id="approve-ship"' in detail and f'name="qty_{request.lines.get().pk}" value="3"' in detail
    hq.post(
        reverse("spares:replenishment-detail", args=[request.pk]),
        {"decision": "approve", "note": "", f"qty_{request.lines.get().pk}": "3"},
    )
    request.refresh_from_db()
    assert request.status == Replenishment.Status.APPROVED
    assert request.shipment.lines.get().quantity == 3
    after = hq.get(reverse("spares:replenishment-detail", args=[request.pk])).content.decode()
    assert request.shipment.number in after and 'id="approve-ship"' not in after
    history = hq.get(reverse("object-history", args=["spares", "replenishment", request.pk])).content.decode()
    assert "提出申请" in history and "批准" in history  # the verbs in the reader's language
    # bad input on the page: a message, nothing changes, never a 500
    again = station_client.post(
        reverse("spares:replenishment-create"),
        {"line-TOTAL_FORMS": "1", "line-INITIAL_FORMS": "0", "line-0-item": part.pk, "line-0-quantity": "-1"},
    )
    assert again.status_code == 200 and Replenishment.objects.count() == 1


def test_api_create_suggest_approve_and_scope(busy_station, other_station, part):
    station_api = api(roles.COORDINATOR, station=busy_station)
    suggested = station_api.get(f"/api/v1/spares/replenishments/suggestions/?station={busy_station.pk}").json()
    assert suggested["rows"][0]["suggested"] == 2 and suggested["headroom"] == "1925.00"
    assert station_api.get(f"/api/v1/spares/replenishments/suggestions/?station={other_station.pk}").status_code == 403
    assert station_api.get("/api/v1/spares/replenishments/suggestions/?station=x").status_code == 400
    body = {"station_id": busy_station.pk, "lines": [{"item_id": part.pk, "quantity": 2}]}
    created = station_api.post("/api/v1/spares/replenishments/", body, format="json")
    assert created.status_code == 201, created.content
    again = station_api.post("/api/v1/spares/replenishments/", body, format="json")
    assert again.status_code == 400 and Replenishment.objects.count() == 1
    pk = created.json()["id"]
    assert station_api.post(f"/api/v1/spares/replenishments/{pk}/approve/", {}, format="json").status_code == 403
    other_api = api(roles.COORDINATOR, station=other_station)
    assert other_api.get(f"/api/v1/spares/replenishments/{pk}/").status_code == 404
    hq_api = api(roles.HQ)
    approved = hq_api.post(f"/api/v1/spares/replenishments/{pk}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["shipment_number"] and approved.json()["lines"][0]["shipped"] == 2
    assert (
        StockBalance.objects.get(
            location__station=busy_station, location__kind=Location.Kind.TRANSIT, item=part
        ).on_hand
        == 2
    )
    assert Movement.objects.filter(type=Movement.Type.SHIP, station=busy_station, item=part).count() == 2  # 40, then 2
