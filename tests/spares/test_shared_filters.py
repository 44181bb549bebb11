"""Each spares list that is both a page and an API endpoint filters through one FilterSet (spares.filters):
the same query string gives the same rows on the page and in the API, for HQ and for station staff, and an
invalid value is a 400 in the API and an empty page with an error message."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet import roles
from spares import services
from spares.models import Item, Movement, Obligation, Shipment, StocktakeProposal, WriteOff
from tests import clock
from tests.factories import make_user
from tests.tickets.factories import TicketFactory

from .conftest import make_item, staff_of

pytestmark = pytest.mark.django_db


def _use(station, part, *, return_it=False):
    """An in-warranty repair at ``station`` fitting one ``part``; its obligation, optionally returned to HQ."""
    ticket = TicketFactory(station=station, in_warranty=True)
    (use,) = services.stock_use_for_ticket(
        ticket=ticket, parts=[{"item_id": part.pk, "quantity": 1}], actor=staff_of(station)
    )
    if return_it:
        services.defective_return(station=station, obligation_ids=[use.obligation.pk], actor=staff_of(station))
    return ticket


@pytest.fixture
def network(stocked_station, other_station, hq_user, part, accessory, machine):
    """Two stations with rows of every list in several states, so each filter keeps some rows and drops others."""
    a, b = stocked_station, other_station
    services.deposit_record(station=b, kind="paid", amount=Decimal("2000.00"), actor=hq_user)
    received = services.shipment_create(station=b, lines=[{"item_id": part.pk, "quantity": 6}], actor=hq_user)
    services.shipment_receive(shipment=received, actor=staff_of(b))
    services.shipment_create(station=a, lines=[{"item_id": accessory.pk, "quantity": 2}], actor=hq_user)
    services.shipment_create(station=b, lines=[{"item_id": accessory.pk, "quantity": 1}], actor=hq_user)
    # Obligations: overdue at both stations, then one returned and one still open at A.
    first = _use(a, part)
    _use(a, part)
    _use(b, part)
    services.obligation_mark_overdue(today=clock.today() + datetime.timedelta(days=365))
    _use(a, part, return_it=True)
    _use(a, part)
    # Write-offs: pending at both stations, one approved at A.
    services.write_off_request(station=a, item_id=part.pk, quantity=1, reason="受潮", actor=staff_of(a))
    approved = services.write_off_request(station=a, item_id=accessory.pk, quantity=1, reason="丢失", actor=staff_of(a))
    services.write_off_decide(write_off=approved, approve=True, actor=hq_user)
    services.write_off_request(station=b, item_id=part.pk, quantity=2, reason="损坏", actor=staff_of(b))
    # Stocktakes: pending at both stations, one rejected at A.
    (rejected,) = services.stocktake_propose(
        station=a, counts=[{"item_id": accessory.pk, "counted_quantity": 0}], actor=hq_user, source_ref="insp-a1"
    )
    services.stocktake_decide(proposal=rejected, approve=False, actor=hq_user, note="复盘无误")
    services.stocktake_propose(
        station=a, counts=[{"item_id": part.pk, "counted_quantity": 1}], actor=hq_user, source_ref="insp-a2"
    )
    services.stocktake_propose(
        station=b, counts=[{"item_id": part.pk, "counted_quantity": 1}], actor=hq_user, source_ref="insp-b1"
    )
    Item.objects.filter(pk=make_item("P-OLD").pk).update(is_active=False)  # not in the catalogue
    return {"a": a, "b": b, "part": part, "accessory": accessory, "machine": machine, "ticket": first}


def _page_ids(response):
    if "page_obj" in response.context:
        page = response.context["page_obj"]
        assert page.paginator.num_pages == 1, "more rows than one page: the comparison would be partial"
        return {row.pk for row in page}
    return {item.pk for item, _price in response.context["items"]}  # the catalogue lists (item, price)


def _api_ids(response):
    body = response.json()
    assert body["next"] is None, "more rows than one API page: the comparison would be partial"
    return {row["id"] for row in body["results"]}


# list → (page, API endpoint, query strings with valid values, one with an invalid value)
LISTS = {
    "shipments": (
        "spares:shipments",
        "/api/v1/spares/shipments/",
        ["status=received", "status=in_transit", "station={b}", "status=in_transit&station={a}"],
        "status=nonsense",
    ),
    "movements": (
        "spares:movements",
        "/api/v1/spares/movements/",
        ["type=use", "type=ship", "station={a}", "item={accessory}", "ticket_id={ticket}", "type=receive&station={b}"],
        "type=nonsense",
    ),
    "obligations": (
        "spares:obligations-overdue",
        "/api/v1/spares/obligations/",
        ["status=overdue", "status=open", "status=returned", "status=overdue&station={b}"],
        "status=nonsense",
    ),
    "write-offs": (
        "spares:write-offs",
        "/api/v1/spares/write-offs/",
        ["status=pending", "status=approved", "station={b}", "status=pending&station={a}"],
        "status=nonsense",
    ),
    "stocktakes": (
        "spares:stocktakes",
        "/api/v1/spares/stocktakes/",
        ["status=pending", "status=rejected", "station={a}", "status=pending&station={b}"],
        "status=nonsense",
    ),
    "catalogue": (
        "spares:catalogue",
        "/api/v1/spares/items/",
        ["kind=part", "kind=machine", "code=A-REMOTE", "kind=accessory&code=A-REMOTE"],
        "kind=nonsense",
    ),
}
MODELS = {
    "shipments": Shipment,
    "movements": Movement,
    "obligations": Obligation,
    "write-offs": WriteOff,
    "stocktakes": StocktakeProposal,
    "catalogue": Item,
}


def _clients(role, station=None):
    user = make_user(role, station)
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(user)
    return page, api


def _fill(query, network):
    return query.format(
        a=network["a"].pk,
        b=network["b"].pk,
        accessory=network["accessory"].pk,
        ticket=network["ticket"].pk,
    )


@pytest.mark.parametrize("as_station", [False, True], ids=["hq", "station"])
@pytest.mark.parametrize("name", list(LISTS))
def test_page_and_api_give_the_same_rows(network, name, as_station):
    url_name, endpoint, queries, _invalid = LISTS[name]
    page, api = _clients(roles.TECHNICIAN, network["a"]) if as_station else _clients(roles.HQ)
    url = reverse(url_name)
    everything = _api_ids(api.get(endpoint))
    model = MODELS[name]
    if model is Item:
        assert everything == set(Item.objects.filter(is_active=True).values_list("pk", flat=True))
    elif as_station:
        # Station staff see their own station only, and the other station has rows of its own to hide.
        assert everything == set(model.objects.filter(station=network["a"]).values_list("pk", flat=True))
        assert model.objects.filter(station=network["b"]).exists()
    else:
        assert everything == set(model.objects.values_list("pk", flat=True))
    seen = set()
    for query in queries:
        query = _fill(query, network)
        response = page.get(f"{url}?{query}")
        assert response.status_code == 200, query
        assert not [m for m in response.context["messages"] if m.level == messages.ERROR], query
        answer = api.get(f"{endpoint}?{query}")
        assert answer.status_code == 200, (query, answer.json())
        rows = _page_ids(response)
        assert rows == _api_ids(answer), query
        assert rows <= everything, query
        if not as_station:
            assert rows and rows != everything, f"{query} does not tell HQ's rows apart"
        seen.add(frozenset(rows))
    assert len(seen) >= 3, "the filters hardly tell rows apart"


@pytest.mark.parametrize("as_station", [False, True], ids=["hq", "station"])
@pytest.mark.parametrize("name", list(LISTS))
def test_invalid_value_is_400_in_api_and_empty_page_with_error(network, name, as_station):
    url_name, endpoint, _queries, invalid = LISTS[name]
    page, api = _clients(roles.TECHNICIAN, network["a"]) if as_station else _clients(roles.HQ)
    answer = api.get(f"{endpoint}?{invalid}")
    assert answer.status_code == 400
    assert answer.json()["detail"]
    response = page.get(f"{reverse(url_name)}?{invalid}")
    assert response.status_code == 200
    assert _page_ids(response) == set()
    errors = [str(m) for m in response.context["messages"] if m.level == messages.ERROR]
    assert len(errors) == 1 and "nonsense" in errors[0], errors
    assert errors[0] in response.content.decode()


@pytest.mark.parametrize("query", ["station=999999", "item=999999", "ticket_id=abc"])
def test_other_invalid_values_are_refused_alike(network, query):
    page, api = _clients(roles.HQ)
    assert api.get(f"/api/v1/spares/movements/?{query}").status_code == 400
    response = page.get(f"{reverse('spares:movements')}?{query}")
    assert response.status_code == 200 and _page_ids(response) == set()
    assert [m for m in response.context["messages"] if m.level == messages.ERROR]


def test_overdue_page_defaults_to_the_overdue_status(network):
    page, api = _clients(roles.HQ)
    rows = _page_ids(page.get(reverse("spares:obligations-overdue")))
    assert rows == _api_ids(api.get("/api/v1/spares/obligations/?status=overdue"))
    assert rows == set(Obligation.objects.filter(status=Obligation.Status.OVERDUE).values_list("pk", flat=True))
    assert rows < _api_ids(api.get("/api/v1/spares/obligations/"))
