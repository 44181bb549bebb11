"""Deposits are money received or paid out: amount (> 0, 2 decimals), the day and the bank reference, the
same in the service, on the station's stock page and in the API; the page shows the deposit the level requires
against the balance."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from repairnet import roles
from repairnet.models import AuditEvent
from spares import services
from spares.models import DepositEntry
from spares.selectors import deposit_balance
from stations.models import Tier
from tests import clock
from tests.factories import StationFactory, make_user

pytestmark = pytest.mark.django_db


def entries(station):
    return list(
        DepositEntry.objects.filter(station=station)
        .order_by("pk")
        .values_list("kind", "signed_amount", "paid_on", "bank_reference")
    )


def test_entries_keep_amount_day_and_bank_reference(station, hq_user):
    day = clock.today() - datetime.timedelta(days=3)
    services.deposit_record(
        station=station, kind="paid", amount="5000.00", actor=hq_user, paid_on=day, bank_reference=" BJ-001 "
    )
    services.deposit_record(
        station=station, kind="top_up", amount=Decimal("500.25"), actor=hq_user, bank_reference="BJ-2"
    )
    services.deposit_record(
        station=station, kind="refund", amount=Decimal("0.25"), actor=hq_user, bank_reference="TK-1"
    )
    services.deposit_record(station=station, kind="forfeit", amount=Decimal("100.00"), actor=hq_user, bank_reference="")
    today = clock.today()
    assert entries(station) == [
        ("paid", Decimal("5000.00"), day, "BJ-001"),
        ("top_up", Decimal("500.25"), today, "BJ-2"),
        ("refund", Decimal("-0.25"), today, "TK-1"),
        ("forfeit", Decimal("-100.00"), today, ""),
    ]
    assert deposit_balance(station=station) == Decimal("5400.00")
    event = AuditEvent.objects.filter(verb="deposit_paid").get()
    assert (event.actor, event.data["bank_reference"], event.data["paid_on"]) == (hq_user, "BJ-001", day.isoformat())


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"amount": "0"}, "amount", "The amount must be positive."),
        ({"amount": "-5.00"}, "amount", "The amount must be positive."),
        ({"amount": "1.234"}, "amount", "Money amounts have at most 2 decimal places."),
        ({"amount": "abc"}, "amount", "Enter an amount in yuan, e.g. 5000.00."),
        ({"bank_reference": "  "}, "bank_reference", "Give the bank reference of the transfer."),
        ({"paid_on": datetime.date(2999, 1, 1)}, "paid_on", "The payment date may not be in the future."),
        ({"kind": "gift"}, "kind", "Unknown deposit entry kind."),
        ({"kind": "refund", "amount": "1.00"}, "amount", "Cannot refund ¥1.00: the deposit balance is ¥0.00."),
    ],
)
def test_bad_entries_are_refused_on_their_field_and_book_nothing(station, hq_user, kwargs, field, message):
    values = {"kind": "paid", "amount": "100.00", "bank_reference": "BJ-1"} | kwargs
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.deposit_record(station=station, actor=hq_user, **values)
    assert refused.value.message_dict == {field: [message]}
    assert entries(station) == []


def test_forfeit_never_exceeds_the_balance(station, hq_user):
    services.deposit_record(station=station, kind="paid", amount="10.00", actor=hq_user, bank_reference="BJ")
    with translation.override("en"), pytest.raises(ValidationError, match="forfeit ¥10.01"):
        services.deposit_record(station=station, kind="forfeit", amount="10.01", actor=hq_user)
    assert deposit_balance(station=station) == Decimal("10.00")


def test_whole_balance_forfeit_and_refund_book_it_once(station, other_station, hq_user):
    services.deposit_record(station=station, kind="paid", amount="300.10", actor=hq_user, bank_reference="BJ")
    entry = services.deposit_forfeit_balance(station=station, actor=hq_user, note="假冒产品")
    assert (entry.kind, entry.amount, entry.note) == ("forfeit", Decimal("300.10"), "假冒产品")
    assert services.deposit_forfeit_balance(station=station, actor=hq_user, note="again") is None
    assert deposit_balance(station=station) == Decimal("0.00")
    services.deposit_record(station=other_station, kind="paid", amount="80.00", actor=hq_user, bank_reference="BJ")
    entry = services.deposit_refund_balance(station=other_station, actor=hq_user, note="退出", bank_reference="TK")
    assert (entry.kind, entry.amount, entry.bank_reference) == ("refund", Decimal("80.00"), "TK")
    assert deposit_balance(station=other_station) == Decimal("0.00")


# --- page -------------------------------------------------------------------------------------------------


def test_page_shows_required_deposit_against_the_balance(client, hq_user):
    station = StationFactory(tier=Tier.CENTRE)  # ¥10,000 required
    services.deposit_record(station=station, kind="paid", amount="6000.00", actor=hq_user, bank_reference="BJ-77")
    client.force_login(make_user(roles.FINANCE))
    page = client.get(reverse("spares:station-stock", args=[station.pk]))
    assert (page.context["deposit"], page.context["required_deposit"], page.context["deposit_shortfall"]) == (
        Decimal("6000.00"),
        Decimal("10000.00"),
        Decimal("4000.00"),
    )
    html = page.content.decode()
    assert 'id="deposit-shortfall"' in html and "¥4,000.00" in html and "BJ-77" in html and "¥10,000.00" in html


def test_page_entry_with_zero_amount_is_refused_on_the_amount_field(client, station, hq_user):
    client.force_login(hq_user)
    url = reverse("spares:deposit-record", args=[station.pk])
    response = client.post(
        url, {"kind": "top_up", "amount": "0", "paid_on": clock.today().isoformat(), "bank_reference": "BJ"}
    )
    assert response.status_code == 400
    form = response.context["deposit_form"]
    assert form.errors == {"amount": ["金额必须大于零。"]}
    response = client.post(url, {"kind": "top_up", "amount": "20.00", "paid_on": clock.today().isoformat()})
    assert response.status_code == 400
    assert list(response.context["deposit_form"].errors) == ["bank_reference"]
    assert entries(station) == []
    response = client.post(
        url, {"kind": "paid", "amount": "20.00", "paid_on": clock.today().isoformat(), "bank_reference": "BJ-9"}
    )
    assert response.status_code == 302
    assert entries(station) == [("paid", Decimal("20.00"), clock.today(), "BJ-9")]


# --- API --------------------------------------------------------------------------------------------------


def api(role):
    client = APIClient()
    client.force_authenticate(make_user(role))
    return client


def test_api_zero_deposit_names_the_amount_field_in_chinese(station):
    response = api(roles.FINANCE).post(
        "/api/v1/spares/deposits/",
        {"station_id": station.pk, "kind": "paid", "amount": "0.00", "bank_reference": "BJ-1"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"amount": ["金额必须大于零。"]} and body["detail"] == "金额必须大于零。"
    assert "non_field_errors" not in body["errors"]
    assert entries(station) == []


def test_api_money_entries_need_the_bank_reference(station):
    client = api(roles.FINANCE)
    response = client.post(
        "/api/v1/spares/deposits/", {"station_id": station.pk, "kind": "top_up", "amount": "10.00"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["bank_reference"]
    day = clock.today() - datetime.timedelta(days=1)
    response = client.post(
        "/api/v1/spares/deposits/",
        {
            "station_id": station.pk,
            "kind": "paid",
            "amount": "2000.00",
            "paid_on": day.isoformat(),
            "bank_reference": "BJ-API",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["paid_on"], body["bank_reference"], body["balance"]) == (day.isoformat(), "BJ-API", "2000.00")
    listed = client.get("/api/v1/spares/deposits/", {"station": station.pk}).json()["results"]
    assert [(e["kind"], e["amount"], e["bank_reference"]) for e in listed] == [("paid", "2000.00", "BJ-API")]


# --- the migration --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_entries_booked_before_the_migration_keep_an_empty_reference():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("spares", "0004_obligation_cancelled"), ("stations", "0005_certificate_revoked_on")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        station = old.get_model("stations", "Station").objects.create(code="MIG01", name="迁移前站点", tier="station")
        old.get_model("spares", "DepositEntry").objects.create(
            station_id=station.pk, kind="paid", amount=Decimal("5000.00"), signed_amount=Decimal("5000.00")
        )
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    entry = DepositEntry.objects.get(station__code="MIG01")
    assert (entry.amount, entry.bank_reference, entry.paid_on) == (Decimal("5000.00"), "", None)
    from stations.models import SanctionRule

    rule = SanctionRule.objects.get(code="counterfeit_sales")
    assert (rule.forfeits_deposit, rule.revokes_station) == (True, True)
