"""Selling compatible or counterfeit products (SPEC 1.5): approving the record forfeits the whole deposit in the
spares ledger and revokes the station, in the same transaction, each with who/when/why; once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from repairnet.models import AuditEvent
from repairnet.selectors import audit_list_for_object
from repairnet.services import InvalidTransition
from spares import services as spares
from spares.models import DepositEntry
from spares.selectors import deposit_balance
from stations import providers, services
from stations.models import Sanction, SanctionRule, Station
from tests import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(station, hq):
    """A station that paid ¥5,000 and topped up ¥1,234.56: a balance of ¥6,234.56."""
    spares.deposit_record(station=station, kind="paid", amount=Decimal("5000.00"), actor=hq, bank_reference="BJ-1")
    spares.deposit_record(station=station, kind="top_up", amount=Decimal("1234.56"), actor=hq, bank_reference="BJ-2")
    return station


def raise_counterfeit(station, hq):
    return services.sanction_raise(
        station=station, rule_code="counterfeit_sales", actor=hq, note="巡检发现销售假冒遥控器", evidence_ref="照片3张"
    )


def ledger(station):
    return list(DepositEntry.objects.filter(station=station).order_by("pk").values_list("kind", "signed_amount"))


def test_the_rule_forfeits_and_revokes_by_configuration():
    rule = SanctionRule.objects.get(code="counterfeit_sales")
    assert (rule.amount, rule.forfeits_deposit, rule.revokes_station) == (Decimal("0.00"), True, True)
    assert not SanctionRule.objects.exclude(code="counterfeit_sales").filter(forfeits_deposit=True).exists()
    assert not SanctionRule.objects.exclude(code="counterfeit_sales").filter(revokes_station=True).exists()


def test_approval_forfeits_the_whole_balance_and_revokes_the_station(funded, hq):
    sanction = raise_counterfeit(funded, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=True, note="证据确凿")

    assert ledger(funded) == [
        ("paid", Decimal("5000.00")),
        ("top_up", Decimal("1234.56")),
        ("forfeit", Decimal("-6234.56")),
    ]
    assert deposit_balance(station=funded) == Decimal("0.00")
    forfeit = DepositEntry.objects.get(station=funded, kind="forfeit")
    assert (forfeit.amount, forfeit.actor, forfeit.paid_on) == (Decimal("6234.56"), hq, clock.today())
    assert "销售兼容或假冒产品" in forfeit.note and f"#{sanction.pk}" in forfeit.note and "证据确凿" in forfeit.note
    funded.refresh_from_db()
    assert funded.status == Station.Status.REVOKED
    sanction.refresh_from_db()
    assert (sanction.status, sanction.decided_by, sanction.amount) == ("approved", hq, Decimal("0.00"))

    # who / when / why: the station's audit trail has the forfeit and both moves, by HQ, with the reason
    station_events = [
        (e.verb, e.from_state, e.to_state, e.actor_id)
        for e in audit_list_for_object(obj=funded).filter(verb__in=["deposit_forfeit", "suspend", "revoke"])
    ]
    assert station_events == [
        ("deposit_forfeit", "", "", hq.pk),
        ("suspend", "active", "suspended", hq.pk),
        ("revoke", "suspended", "revoked", hq.pk),
    ]
    for event in audit_list_for_object(obj=funded).filter(verb__in=["deposit_forfeit", "suspend", "revoke"]):
        assert f"#{sanction.pk}" in event.note and "证据确凿" in event.note and event.at is not None
    forfeit_event = audit_list_for_object(obj=funded).get(verb="deposit_forfeit")
    assert forfeit_event.data["amount"] == "-6234.56"
    consequences = audit_list_for_object(obj=sanction).get(verb="consequences_applied")
    assert consequences.actor == hq
    assert consequences.data == {"station": funded.code, "deposit_forfeited": "6234.56", "station_status": "revoked"}


def test_approving_twice_books_once(funded, hq):
    sanction = raise_counterfeit(funded, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidTransition):
        services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    assert ledger(funded) == [
        ("paid", Decimal("5000.00")),
        ("top_up", Decimal("1234.56")),
        ("forfeit", Decimal("-6234.56")),
    ]
    assert deposit_balance(station=funded) == Decimal("0.00")
    assert AuditEvent.objects.count() == events


def test_a_suspended_station_is_revoked_directly(funded, hq):
    services.station_suspend(station=funded, actor=hq, note="投诉多")
    sanction = raise_counterfeit(funded, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    funded.refresh_from_db()
    assert funded.status == Station.Status.REVOKED
    assert list(audit_list_for_object(obj=funded).filter(verb="revoke").values_list("from_state", "to_state")) == [
        ("suspended", "revoked")
    ]
    assert deposit_balance(station=funded) == Decimal("0.00")


def test_an_already_revoked_station_still_loses_what_it_holds(funded, hq):
    services.station_suspend(station=funded, actor=hq, note="暂停")
    services.station_revoke(station=funded, actor=hq, note="取消授权")
    sanction = raise_counterfeit(funded, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    funded.refresh_from_db()
    assert funded.status == Station.Status.REVOKED
    assert audit_list_for_object(obj=funded).filter(verb="revoke").count() == 1
    assert ledger(funded)[-1] == ("forfeit", Decimal("-6234.56")) and deposit_balance(station=funded) == Decimal("0.00")


def test_a_station_without_deposit_is_revoked_and_books_nothing(station, hq):
    sanction = raise_counterfeit(station, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    station.refresh_from_db()
    assert station.status == Station.Status.REVOKED
    assert ledger(station) == []
    assert audit_list_for_object(obj=sanction).get(verb="consequences_applied").data["deposit_forfeited"] == "0.00"


def test_cancelling_the_record_changes_nothing(funded, hq):
    sanction = raise_counterfeit(funded, hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=False, note="证据不足")
    funded.refresh_from_db()
    assert funded.status == Station.Status.ACTIVE
    assert deposit_balance(station=funded) == Decimal("6234.56")


def test_other_penalties_neither_forfeit_nor_revoke(funded, hq):
    sanction = services.sanction_raise(station=funded, rule_code="complaint_upheld", actor=hq)
    services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    funded.refresh_from_db()
    assert funded.status == Station.Status.ACTIVE
    assert deposit_balance(station=funded) == Decimal("6234.56")


def test_a_missing_forfeit_provider_raises_and_changes_nothing(funded, hq, monkeypatch):
    sanction = raise_counterfeit(funded, hq)
    monkeypatch.delitem(providers._registered, "deposit_forfeit")
    with pytest.raises(ImproperlyConfigured, match="deposit_forfeit"):
        services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    sanction.refresh_from_db()
    funded.refresh_from_db()
    assert (sanction.status, funded.status) == ("raised", "active")
    assert deposit_balance(station=funded) == Decimal("6234.56")


def test_an_exited_station_cannot_be_sanctioned_this_way(station, hq):
    sanction = raise_counterfeit(station, hq)
    services.station_exit(station=station, actor=hq, note="主动退出")
    with pytest.raises(ValidationError, match="has exited"):
        services.sanction_decide(sanction=sanction, actor=hq, approve=True)
    sanction.refresh_from_db()
    assert sanction.status == "raised"


def test_the_daily_job_leaves_the_decision_to_hq(funded, hq):
    counterfeit = raise_counterfeit(funded, hq)
    late = services.sanction_raise(station=funded, rule_code="daily_report_late", actor=hq)
    assert services.sanctions_confirm_unappealed(on=clock.today() + datetime.timedelta(days=30)) == 1
    counterfeit.refresh_from_db()
    late.refresh_from_db()
    funded.refresh_from_db()
    assert (counterfeit.status, late.status, funded.status) == ("raised", "approved", "active")
    assert deposit_balance(station=funded) == Decimal("6234.56")


def test_the_page_and_the_api_approve_with_the_same_consequences(funded, other_station, hq, client):
    spares.deposit_record(station=other_station, kind="paid", amount=Decimal("2000.00"), actor=hq)
    on_page, by_api = raise_counterfeit(funded, hq), raise_counterfeit(other_station, hq)
    client.force_login(hq)
    response = client.post(
        reverse("stations:sanction-action", args=[on_page.pk, "decide"]), {"decision": "approve", "note": "核实"}
    )
    assert response.status_code == 302
    api = APIClient()
    api.force_authenticate(hq)
    response = api.post(f"/api/v1/sanctions/{by_api.pk}/decide/", {"approve": True, "note": "核实"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    for station in (funded, other_station):
        station.refresh_from_db()
        assert station.status == Station.Status.REVOKED
        assert deposit_balance(station=station) == Decimal("0.00")
        assert DepositEntry.objects.filter(station=station, kind="forfeit").count() == 1
    again = api.post(f"/api/v1/sanctions/{by_api.pk}/decide/", {"approve": True}, format="json")
    assert again.status_code == 400
    assert DepositEntry.objects.filter(station=other_station, kind="forfeit").count() == 1
    assert Sanction.objects.get(pk=by_api.pk).status == "approved"
