import pytest
from rest_framework.test import APIClient

from repairnet import roles
from spares import services
from spares.models import Location, Movement, StockBalance
from tests.factories import make_user

from .conftest import staff_of

pytestmark = pytest.mark.django_db


def api(role, station=None):
    client = APIClient()
    client.force_authenticate(make_user(role, station))
    return client


def test_ship_receive_and_read_through_api(
    station, hq_user, part, django_assert_max_num_queries, django_assert_num_queries
):
    services.hq_stock_receive(item=part, quantity=10, actor=hq_user)
    hq = api(roles.FINANCE)
    response = hq.post(
        "/api/v1/spares/deposits/",
        {"station_id": station.pk, "kind": "paid", "amount": "100.00", "bank_reference": "BJ-0001"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["balance"] == "100.00"
    ship = api(roles.HQ)
    response = ship.post(
        "/api/v1/spares/shipments/",
        {"station_id": station.pk, "lines": [{"item_id": part.pk, "quantity": 5}]},
        format="json",
    )
    assert response.status_code == 400
    assert "¥125.00" in response.json()["detail"]
    response = ship.post(
        "/api/v1/spares/shipments/",
        {"station_id": station.pk, "lines": [{"item_id": part.pk, "quantity": 4}]},
        format="json",
    )
    assert response.status_code == 201
    shipment = response.json()
    coordinator = api(roles.COORDINATOR, station)
    line_id = shipment["lines"][0]["id"]
    response = coordinator.post(
        f"/api/v1/spares/shipments/{shipment['id']}/receive/", {"quantities": {str(line_id): 4}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "received"
    coordinator.get("/api/v1/spares/stock/")  # warm caches (content types, permissions)
    with django_assert_max_num_queries(8) as small:
        rows = coordinator.get("/api/v1/spares/stock/").json()["results"]
    few = len(small.captured_queries)  # now: a later request clears the connection's query log
    assert [(r["location_kind"], r["on_hand"]) for r in rows if r["on_hand"]] == [("station", 4)]
    assert coordinator.get("/api/v1/spares/movements/").json()["count"] == 2  # ship + receive
    assert coordinator.get("/api/v1/spares/items/").json()["results"][0]["unit_cost"] == "25.00"
    # Eight more items in the station's stock: one query per balance row would show here.
    from .conftest import make_item, stock_at

    services.deposit_record(station=station, kind="top_up", amount="1000.00", actor=hq_user)
    stock_at(station, [make_item(f"P-MORE{i}") for i in range(8)], received=3, shipped=2, actor=hq_user)
    with django_assert_num_queries(few):
        rows = coordinator.get("/api/v1/spares/stock/").json()["results"]
    assert len([r for r in rows if r["on_hand"]]) == 9


def test_station_sees_only_its_own(stocked_station, other_station):
    other = api(roles.COORDINATOR, other_station)
    assert other.get("/api/v1/spares/stock/").json()["count"] == 0
    assert other.get("/api/v1/spares/movements/").json()["count"] == 0
    assert other.get("/api/v1/spares/deposits/").json()["count"] == 0
    own = api(roles.COORDINATOR, stocked_station)
    assert own.get("/api/v1/spares/deposits/").json()["count"] == 1


def test_sale_via_api_only_for_own_station(stocked_station, other_station, accessory):
    sale = {"station_id": stocked_station.pk, "item_id": accessory.pk, "quantity": 1}
    assert api(roles.COORDINATOR, other_station).post("/api/v1/spares/sales/", sale, format="json").status_code == 403
    response = api(roles.TECHNICIAN, stocked_station).post("/api/v1/spares/sales/", sale, format="json")
    assert response.status_code == 201 and response.json()["chargeable"] is True
    response = api(roles.TECHNICIAN, stocked_station).post(
        "/api/v1/spares/sales/", {**sale, "quantity": 99}, format="json"
    )
    assert response.status_code == 400 and "99" in response.json()["detail"]


def test_movement_reverse_via_api(stocked_station, accessory):
    sale = services.accessory_sell(
        station=stocked_station, item_id=accessory.pk, quantity=2, actor=staff_of(stocked_station)
    )
    hq = api(roles.HQ)
    response = hq.post(f"/api/v1/spares/movements/{sale.pk}/reverse/", {"note": "录入错误"}, format="json")
    assert response.status_code == 201
    assert response.json()["reversal_of_id"] == sale.pk
    balance = StockBalance.objects.get(
        location__station=stocked_station, location__kind=Location.Kind.STATION, item=accessory
    )
    assert balance.on_hand == 5
    assert (
        api(roles.COORDINATOR, stocked_station)
        .post(f"/api/v1/spares/movements/{sale.pk}/reverse/", {"note": "x"}, format="json")
        .status_code
        == 403
    )
    assert Movement.objects.filter(type="reversal").count() == 1


def test_no_raw_write_to_the_journal():
    hq = api(roles.HQ)
    assert hq.post("/api/v1/spares/movements/", {}, format="json").status_code in (403, 405)
    assert api(roles.FINANCE).delete("/api/v1/spares/deposits/1/").status_code in (403, 405)


def test_write_off_flow_via_api(stocked_station, part):
    coordinator = api(roles.COORDINATOR, stocked_station)
    response = coordinator.post(
        "/api/v1/spares/write-offs/",
        {"station_id": stocked_station.pk, "item_id": part.pk, "quantity": 1, "reason": "摔坏"},
        format="json",
    )
    assert response.status_code == 201
    assert coordinator.post(f"/api/v1/spares/write-offs/{response.json()['id']}/approve/").status_code == 403
    approved = api(roles.HQ).post(f"/api/v1/spares/write-offs/{response.json()['id']}/approve/", {}, format="json")
    assert approved.json()["status"] == "approved"
