import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from repairnet import roles
from spares import services
from spares.models import Location, Shipment, StockBalance
from tests.factories import StationFactory

from .conftest import staff_of

pytestmark = pytest.mark.django_db


def test_hq_overview_constant_queries(
    client_for, stocked_station, part, hq_user, django_assert_max_num_queries, django_assert_num_queries
):
    StationFactory()
    client = client_for(roles.HQ)
    client.get(reverse("spares:stock"))  # warm caches (content types, session)
    with django_assert_max_num_queries(15) as small:
        response = client.get(reverse("spares:stock"))
    few = len(small.captured_queries)
    assert response.status_code == 200
    assert stocked_station.code in response.content.decode()
    # Six more stations, each with a deposit and stock on hand: per-station sums would add queries.
    for _ in range(6):
        station = StationFactory()
        services.deposit_record(station=station, kind="paid", amount=Decimal("500.00"), actor=hq_user)
        shipment = services.shipment_create(station=station, lines=[{"item_id": part.pk, "quantity": 2}], actor=hq_user)
        services.shipment_receive(shipment=shipment, actor=staff_of(shipment.station))
    with django_assert_num_queries(few):
        response = client.get(reverse("spares:stock"))
    assert response.status_code == 200
    assert station.code in response.content.decode()


def test_station_staff_is_sent_to_own_stock_and_refused_others(client_for, stocked_station, other_station):
    client = client_for(roles.COORDINATOR, station=stocked_station)
    response = client.get(reverse("spares:stock"))
    assert response.url == reverse("spares:station-stock", args=[stocked_station.pk])
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("spares:station-stock", args=[other_station.pk])).status_code == 403
    assert client.get(reverse("spares:export-stock")).status_code == 403


def test_ship_and_receive_through_pages(client_for, station, hq_user, part):
    services.deposit_record(station=station, kind="paid", amount=Decimal("500.00"), actor=hq_user)
    services.hq_stock_receive(item=part, quantity=20, actor=hq_user)
    hq = client_for(roles.HQ)
    data = {
        "station": station.pk,
        "note": "",
        "line-TOTAL_FORMS": "5",
        "line-INITIAL_FORMS": "0",
        "line-0-item": part.pk,
        "line-0-quantity": "30",
    }
    response = hq.post(reverse("spares:shipment-create"), data)
    assert response.status_code == 200
    assert "¥750.00" in response.content.decode()  # the stock-limit message with its figures
    data["line-0-quantity"] = "4"
    response = hq.post(reverse("spares:shipment-create"), data)
    shipment = Shipment.objects.get()
    assert response.url == reverse("spares:shipment-detail", args=[shipment.pk])
    station_client = client_for(roles.COORDINATOR, station=station)
    line = shipment.lines.get()
    response = station_client.post(reverse("spares:shipment-detail", args=[shipment.pk]), {f"qty_{line.pk}": "4"})
    assert response.status_code == 302
    assert StockBalance.objects.get(location__station=station, location__kind=Location.Kind.STATION).on_hand == 4
    page = station_client.get(reverse("spares:station-stock", args=[station.pk])).content.decode()
    assert 'class="text-end on-hand">4<' in page


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def test_station_stock_export_opens_with_openpyxl(client_for, stocked_station, other_station, part):
    response = client_for(roles.HQ).get(reverse("spares:station-stock-export", args=[stocked_station.pk]))
    assert f"stock-{stocked_station.code}-" in response["Content-Disposition"]
    rows = _sheet(response)
    assert rows[0][:4] == ("物料编码", "名称", "类型", "在库数量")
    tuner = next(r for r in rows if r[0] == part.code)
    assert (tuner[3], tuner[8]) == (10, 250)  # ten tuners on hand, ¥250 at cost
    station_client = client_for(roles.TECHNICIAN, station=stocked_station)
    assert station_client.get(reverse("spares:station-stock-export", args=[stocked_station.pk])).status_code == 200
    assert station_client.get(reverse("spares:station-stock-export", args=[other_station.pk])).status_code == 403
    assert client_for(roles.HQ).get(reverse("spares:station-stock-export", args=[999999])).status_code == 404


def test_overview_export_carries_the_page_filters(client_for, stocked_station, other_station):
    hq = client_for(roles.HQ)
    page = hq.get(reverse("spares:stock"), {"q": stocked_station.code}).content.decode()
    assert other_station.code not in page
    link = f"{reverse('spares:export-stock')}?q={stocked_station.code}"
    assert f'href="{link}"' in page  # the page's "导出 XLSX" link keeps its filters
    rows = _sheet(hq.get(link))
    assert rows[0][:2] == ("站点编号", "站点名称")
    assert [r[0] for r in rows[1:]] == [stocked_station.code]
    assert rows[1][5] == 5000  # the deposit balance, a number in CNY format
    everyone = [r[0] for r in _sheet(hq.get(reverse("spares:export-stock")))[1:]]
    assert {stocked_station.code, other_station.code} <= set(everyone)
    # a bad filter value exports no rows and says why, never a 500
    bad = hq.get(reverse("spares:export-stock"), {"tier": "nonsense"})
    assert _sheet(bad)[1:] == []


@pytest.mark.parametrize(
    "name",
    [
        "shipments",
        "defectives",
        "obligations-overdue",
        "loans",
        "write-offs",
        "stocktakes",
        "movements",
        "ageing",
        "catalogue",
    ],
)
def test_pages_render_for_hq_and_station(client_for, stocked_station, name):
    assert client_for(roles.HQ).get(reverse(f"spares:{name}")).status_code == 200
    assert client_for(roles.TECHNICIAN, station=stocked_station).get(reverse(f"spares:{name}")).status_code == 200


def test_hotline_cannot_see_spares(client_for):
    assert client_for(roles.HOTLINE).get(reverse("spares:stock")).status_code == 403


def test_station_pages_constant_queries(
    client_for, stocked_station, part, hq_user, django_assert_max_num_queries, django_assert_num_queries
):
    from tests.tickets.factories import TicketFactory

    from .conftest import make_item, stock_at

    def use_parts(n, item):
        """n in-warranty repairs fitting one ``item`` each; every other defective is sent back to HQ."""
        for i in range(n):
            ticket = TicketFactory(station=stocked_station, in_warranty=True)
            (use,) = services.stock_use_for_ticket(
                ticket=ticket, parts=[{"item_id": item.pk, "quantity": 1}], actor=staff_of(ticket.station)
            )
            if i % 2:
                services.defective_return(
                    station=stocked_station, obligation_ids=[use.obligation.pk], actor=staff_of(stocked_station)
                )

    pages = [
        (reverse("spares:station-stock", args=[stocked_station.pk]), 25),
        (reverse("spares:movements"), 12),
        (reverse("spares:defectives"), 12),
    ]
    use_parts(2, part)
    client = client_for(roles.HQ)
    client.get(pages[0][0])  # warm caches (content types, session)
    few = []
    for url, ceiling in pages:
        with django_assert_max_num_queries(ceiling) as small:
            assert client.get(url).status_code == 200
        few.append(len(small.captured_queries))
    # More of everything these pages list: items in stock, fitted parts, open and returned defectives,
    # deposit entries (each with its actor).
    items = [make_item(f"P-MORE{i}") for i in range(6)]
    stock_at(stocked_station, items, received=5, shipped=3, actor=hq_user)
    for item in items:
        use_parts(2, item)
    for _ in range(6):
        services.deposit_record(station=stocked_station, kind="top_up", amount=Decimal("10.00"), actor=hq_user)
    for (url, _ceiling), expected in zip(pages, few, strict=True):
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200
