"""A station's exit (SPEC 1.2): only when all HQ stock is back, no ticket is open and its last statement is paid;
then the deposit balance is refunded in the spares ledger and the station is exited, with a confirmation PDF.
Through the real services of spares, tickets and settlement (their providers), the page and the API."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.selectors import audit_list_for_object
from settlement.models import Statement
from spares import services as spares
from spares.models import DepositEntry, Movement
from spares.selectors import deposit_balance
from stations import exports, providers, selectors, services
from stations.models import Station
from tests import clock
from tests.spares.conftest import make_item, staff_of
from tests.tickets.factories import TicketFactory, completed_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaving(station, hq):
    """A station with ¥5,250.50 of deposit (paid + top-up) that is free to leave: the stock it had is back at
    HQ, its tickets are closed and its last statement is paid."""
    spares.deposit_record(station=station, kind="paid", amount=Decimal("5000.00"), actor=hq, bank_reference="BJ-1")
    spares.deposit_record(station=station, kind="top_up", amount=Decimal("250.50"), actor=hq, bank_reference="BJ-2")
    part = make_item("P-EXIT", cost="25.00")
    spares.hq_stock_receive(item=part, quantity=5, actor=hq)
    shipment = spares.shipment_create(station=station, lines=[{"item_id": part.pk, "quantity": 2}], actor=hq)
    spares.movement_reverse(movement=Movement.objects.get(shipment=shipment), actor=hq, note="退回总部")
    completed_ticket(station=station, callback_outcome="confirmed")
    Statement.objects.create(station=station, month=month_before(1), status=Statement.Status.PAID)
    return station


def month_before(months: int) -> datetime.date:
    day = clock.today().replace(day=1)
    for _ in range(months):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


def pdf_text(path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "".join(page.extract_text() for page in reader.pages)


def refunds(station):
    return list(DepositEntry.objects.filter(station=station, kind="refund").values_list("amount", flat=True))


def test_nothing_blocks_a_station_that_is_free_to_leave(leaving, hq):
    assert selectors.station_exit_blockers(station=leaving, user=hq) == []


def _stock_at_station(station, hq):
    part = make_item("P-HELD", cost="25.00", name="高频头")
    spares.hq_stock_receive(item=part, quantity=5, actor=hq)
    shipment = spares.shipment_create(station=station, lines=[{"item_id": part.pk, "quantity": 3}], actor=hq)
    spares.shipment_receive(shipment=shipment, actor=staff_of(station))


def _stock_in_transit(station, hq):
    part = make_item("P-ROAD", cost="25.00", name="电源板")
    spares.hq_stock_receive(item=part, quantity=5, actor=hq)
    spares.shipment_create(station=station, lines=[{"item_id": part.pk, "quantity": 1}], actor=hq)


def _open_ticket(station, hq):
    TicketFactory(station=station, number="T2098120100007")


def _unpaid_statement(station, hq):
    """A newer statement than the paid one of last month, approved but not paid yet."""
    Statement.objects.create(station=station, month=month_before(0), status=Statement.Status.APPROVED)


@pytest.mark.parametrize(
    ("make_blocker", "expected"),
    [
        (_stock_at_station, "HQ stock is not all back: P-HELD 高频头 × 3 (Station stock)."),
        (_stock_in_transit, "HQ stock is not all back: P-ROAD 电源板 × 1 (In transit to station)."),
        (_open_ticket, "Tickets are still open: T2098120100007."),
        (_unpaid_statement, "The last statement ({month}) is not paid: it is Approved."),
    ],
    ids=["stock", "in-transit", "open-ticket", "unpaid-statement"],
)
def test_each_blocker_alone_refuses_the_exit_and_changes_nothing(leaving, hq, make_blocker, expected):
    make_blocker(leaving, hq)
    expected = expected.format(month=f"{month_before(0):%Y-%m}")
    assert selectors.station_exit_blockers(station=leaving, user=hq) == [expected]
    with pytest.raises(ValidationError) as refused:
        services.station_exit(station=leaving, actor=hq, note="经营者退出", bank_reference="TK-1")
    assert refused.value.messages == [f"Station {leaving.code} cannot exit yet: {expected}"]
    leaving.refresh_from_db()
    assert leaving.status == Station.Status.ACTIVE
    assert refunds(leaving) == []
    assert deposit_balance(station=leaving) == Decimal("5250.50")


def test_a_station_that_never_had_a_statement_may_exit(station, hq):
    spares.deposit_record(station=station, kind="paid", amount=Decimal("2000.00"), actor=hq, bank_reference="BJ-1")
    assert not Statement.objects.filter(station=station).exists()
    services.station_exit(station=station, actor=hq, note="未开展业务", bank_reference="TK-2")
    station.refresh_from_db()
    assert station.status == Station.Status.EXITED and refunds(station) == [Decimal("2000.00")]


def test_exit_refunds_the_exact_balance_and_the_confirmation_prints_it(leaving, hq):
    refunded_on = clock.today() - datetime.timedelta(days=1)
    services.station_exit(
        station=leaving, actor=hq, note="经营者主动退出", refunded_on=refunded_on, bank_reference="TK-20261201-01"
    )
    leaving.refresh_from_db()
    assert leaving.status == Station.Status.EXITED
    entry = DepositEntry.objects.get(station=leaving, kind="refund")
    assert (entry.amount, entry.signed_amount, entry.paid_on, entry.bank_reference, entry.actor) == (
        Decimal("5250.50"),
        Decimal("-5250.50"),
        refunded_on,
        "TK-20261201-01",
        hq,
    )
    assert list(DepositEntry.objects.filter(station=leaving).order_by("pk").values_list("kind", "signed_amount")) == [
        ("paid", Decimal("5000.00")),
        ("top_up", Decimal("250.50")),
        ("refund", Decimal("-5250.50")),
    ]
    assert deposit_balance(station=leaving) == Decimal("0.00")
    event = selectors.station_exit_event(station=leaving)
    assert (event.actor, event.note, event.from_state, event.to_state) == (hq, "经营者主动退出", "active", "exited")
    assert event.data["refund"] == "5250.50" and event.data["bank_reference"] == "TK-20261201-01"
    assert audit_list_for_object(obj=leaving).filter(verb="deposit_refund", actor=hq).count() == 1

    path = exports.station_exit_confirmation_pdf(station=leaving)
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    for expected in ("退出确认书", leaving.code, leaving.name, "¥5,250.50", "TK-20261201-01", "经营者主动退出"):
        assert expected in text, expected


def test_a_refund_needs_its_bank_reference_and_a_past_date(leaving, hq):
    with pytest.raises(ValidationError) as refused:
        services.station_exit(station=leaving, actor=hq, note="退出")
    assert list(refused.value.message_dict) == ["bank_reference"]
    assert "¥5,250.50" in refused.value.message_dict["bank_reference"][0]
    with pytest.raises(ValidationError) as refused:
        services.station_exit(
            station=leaving,
            actor=hq,
            note="退出",
            bank_reference="TK",
            refunded_on=clock.today() + datetime.timedelta(1),
        )
    assert list(refused.value.message_dict) == ["refunded_on"]
    with pytest.raises(ValidationError, match="reason"):
        services.station_exit(station=leaving, actor=hq, note=" ", bank_reference="TK")
    leaving.refresh_from_db()
    assert leaving.status == Station.Status.ACTIVE and refunds(leaving) == []


def test_only_hq_exits_a_station_and_only_once(leaving, hq):
    with pytest.raises(PermissionDenied):
        services.station_exit(station=leaving, actor=staff_of(leaving), note="x", bank_reference="TK")
    services.station_exit(station=leaving, actor=hq, note="退出", bank_reference="TK")
    with pytest.raises(ValidationError):
        services.station_exit(station=leaving, actor=hq, note="again", bank_reference="TK")
    assert refunds(leaving) == [Decimal("5250.50")]


@pytest.mark.parametrize("name", ["stock_outstanding", "station_statements", "deposit_refund", "open_tickets"])
def test_a_missing_provider_raises_rather_than_letting_the_station_go(leaving, hq, monkeypatch, name):
    monkeypatch.delitem(providers._registered, name)
    with pytest.raises(ImproperlyConfigured, match=name):
        services.station_exit(station=leaving, actor=hq, note="退出", bank_reference="TK")
    leaving.refresh_from_db()
    assert leaving.status == Station.Status.ACTIVE and refunds(leaving) == []


# --- page ----------------------------------------------------------------------------------------------


def test_station_page_lists_the_blockers_for_hq_only(leaving, hq, client_for):
    _stock_at_station(leaving, hq)
    _open_ticket(leaving, hq)
    page = client_for(roles.HQ).get(reverse("stations:station-detail", args=[leaving.pk]))
    assert len(page.context["exit_blockers"]) == 2
    html = page.content.decode()
    assert 'id="exit-blockers"' in html and "T2098120100007" in html and "btn-exit" not in html
    coordinator = client_for(roles.COORDINATOR, leaving).get(reverse("stations:station-detail", args=[leaving.pk]))
    assert "exit_blockers" not in coordinator.context and 'id="station-exit"' not in coordinator.content.decode()


def test_page_exit_refunds_and_offers_the_confirmation(leaving, client_for):
    hq = client_for(roles.HQ)
    page = hq.get(reverse("stations:station-detail", args=[leaving.pk]))
    assert page.context["exit_blockers"] == [] and 'id="btn-exit"' in page.content.decode()
    url = reverse("stations:station-state", args=[leaving.pk])
    refused = hq.post(url, {"action": "exit", "note": "退出"}, follow=True)
    assert "银行" in str(list(refused.context["messages"])[-1])  # the refund's bank reference is missing
    leaving.refresh_from_db()
    assert leaving.status == Station.Status.ACTIVE
    response = hq.post(
        url,
        {
            "action": "exit",
            "note": "经营者主动退出",
            "refunded_on": clock.today().isoformat(),
            "bank_reference": "TK-9",
        },
        follow=True,
    )
    leaving.refresh_from_db()
    assert leaving.status == Station.Status.EXITED, [str(m) for m in response.context["messages"]]
    assert refunds(leaving) == [Decimal("5250.50")]
    assert 'id="exit-confirmation"' in response.content.decode()
    pdf = hq.get(reverse("stations:station-exit-confirmation", args=[leaving.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF")
    assert leaving.code in "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    # the station's own coordinator may download it too
    own = client_for(roles.COORDINATOR, leaving).get(reverse("stations:station-exit-confirmation", args=[leaving.pk]))
    assert own.status_code == 200


def test_page_refuses_with_the_blockers_named(leaving, hq, client_for):
    _open_ticket(leaving, hq)
    response = client_for(roles.HQ).post(
        reverse("stations:station-state", args=[leaving.pk]),
        {"action": "exit", "note": "退出", "bank_reference": "TK"},
        follow=True,
    )
    message = str(list(response.context["messages"])[-1])
    assert "T2098120100007" in message and leaving.code in message
    leaving.refresh_from_db()
    assert leaving.status == Station.Status.ACTIVE


def test_no_exit_confirmation_for_an_active_station(leaving, client_for):
    response = client_for(roles.HQ).get(reverse("stations:station-exit-confirmation", args=[leaving.pk]), follow=True)
    assert response.redirect_chain and "pdf" not in response["Content-Type"]


# --- API -----------------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_exit_names_every_blocker_then_exits(leaving, hq):
    _stock_at_station(leaving, hq)
    _open_ticket(leaving, hq)
    _unpaid_statement(leaving, hq)
    client = api(hq)
    response = client.post(
        f"/api/v1/stations/{leaving.pk}/exit/", {"reason": "退出", "bank_reference": "TK"}, format="json"
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    for blocker in ("高频头 × 3", "T2098120100007", f"{month_before(0):%Y-%m}"):
        assert blocker in detail, detail
    assert Station.objects.get(pk=leaving.pk).status == Station.Status.ACTIVE


def test_api_exit_refunds_and_serves_the_confirmation(leaving, hq):
    client = api(hq)
    assert client.get(f"/api/v1/stations/{leaving.pk}/exit-confirmation/").status_code == 404
    missing = client.post(f"/api/v1/stations/{leaving.pk}/exit/", {"reason": "退出"}, format="json")
    assert missing.status_code == 400 and list(missing.json()["errors"]) == ["bank_reference"]
    response = client.post(
        f"/api/v1/stations/{leaving.pk}/exit/",
        {"reason": "退出", "refunded_on": clock.today().isoformat(), "bank_reference": "TK-API"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "exited"
    assert refunds(leaving) == [Decimal("5250.50")] and deposit_balance(station=leaving) == Decimal("0.00")
    pdf = client.get(f"/api/v1/stations/{leaving.pk}/exit-confirmation/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert "TK-API" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
