"""Fail closed: a call into another area never hides behind ``except ImportError``/``LookupError`` to fall
back to a default (STYLE.md, "Between areas"). Every area is installed; a missing contract is a bug.

The scan reads the app code (every area and repairnet, migrations and tests left out) and lists each
handler that catches ImportError, ModuleNotFoundError or LookupError, alone or in a tuple. The behavioural
tests check the contracts whose fallbacks used to change a result: settlement applies penalties and parts
charges, a station's approval records its deposit in spares' ledger, spares shows stations' deposit rule.
"""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from repairnet import roles
from tests import clock
from tests.factories import StationFactory, make_user

ROOT = Path(__file__).resolve().parents[2]
AREAS = ("repairnet", "stations", "spares", "tickets", "inspections", "settlement")
CAUGHT = frozenset({"ImportError", "ModuleNotFoundError", "LookupError"})


def _caught_names(handler: ast.ExceptHandler) -> set[str]:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = set()
    for node in types:
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def _handlers(path: Path):
    """(line, enclosing function name, caught names) of every ``except`` with a type in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(node, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from walk(child, child.name)
                continue
            if isinstance(child, ast.ExceptHandler) and child.type is not None:
                yield child.lineno, function, _caught_names(child)
            yield from walk(child, function)

    yield from walk(tree, None)


def _app_files():
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "tests" in parts:
                continue
            yield path


def test_app_code_scan_covers_every_area():
    scanned = {path.relative_to(ROOT).parts[0] for path in _app_files()}
    assert scanned == set(AREAS)
    assert any(path.name == "services.py" for path in _app_files())


def test_no_area_falls_back_on_import_or_lookup_errors():
    found = []
    for path in _app_files():
        name = path.relative_to(ROOT).as_posix()
        for line, function, caught in _handlers(path):
            if caught & CAUGHT:
                found.append(f"{name}:{line} ({function or 'module'}) except {', '.join(sorted(caught & CAUGHT))}")
    assert not found, "fallbacks that skip a call into another area:\n" + "\n".join(found)


# --- the contracts the fallbacks used to skip ------------------------------------------------------


@pytest.mark.django_db
def test_settlement_applies_an_approved_penalty_and_a_parts_charge():
    from settlement.models import Adjustment, Statement
    from settlement.services import settlement_month_build, statement_issue
    from stations.models import Sanction
    from tests.settlement.helpers import penalised_station

    setup = penalised_station()
    month, station, penalty, sale = (setup[k] for k in ("month", "station", "penalty", "sale"))
    finance = make_user(roles.FINANCE)

    settlement_month_build(month=month)

    statement = Statement.objects.get(station=station, month=month)
    assert sorted(statement.adjustments.values_list("kind", "amount", "source_ref")) == [
        (Adjustment.Kind.PARTS_CHARGE, Decimal("-24.00"), f"spares:spares-movement-{sale.pk}"),
        (Adjustment.Kind.SANCTION, Decimal("-50.00"), f"sanction:{penalty.pk}"),
    ]
    assert statement.notes == []  # no "… not available yet; none applied."
    assert (statement.deductions, statement.net) == (Decimal("74.00"), Decimal("-74.00"))

    statement_issue(statement_id=statement.pk, actor=finance)
    penalty.refresh_from_db()
    assert penalty.settled_ref == f"settlement:{month:%Y-%m}:{station.code}"
    settlement_month_build(month=clock.next_month(month))  # consumed: no later month counts it again
    assert not Adjustment.objects.filter(source_ref=f"sanction:{penalty.pk}").exclude(statement=statement).exists()
    assert Sanction.objects.get(pk=penalty.pk).settled_ref == penalty.settled_ref


@pytest.mark.django_db
def test_station_approval_records_the_tier_deposit_in_the_spares_ledger():
    from spares.models import DepositEntry
    from spares.selectors import deposit_balance
    from stations import selectors, services
    from stations.models import TierRequirement
    from tests.stations.test_applications import screened

    TierRequirement.objects.filter(tier="centre").update(deposit=Decimal("12345.60"))
    hq = make_user(roles.HQ)
    app = services.application_approve(application=screened(hq), actor=hq, tier="centre")

    entry = DepositEntry.objects.get(station=app.station)
    assert (entry.kind, entry.amount) == ("paid", Decimal("12345.60"))
    assert deposit_balance(station=app.station) == Decimal("12345.60")
    assert selectors.station_deposit_balance(station=app.station) == Decimal("12345.60")


@pytest.mark.django_db
def test_spares_shows_the_deposit_stations_requires(client):
    from spares.selectors import required_deposit
    from stations.models import Tier, TierRequirement

    TierRequirement.objects.filter(tier=Tier.STATION).update(deposit=Decimal("7777.70"))
    station = StationFactory(tier=Tier.STATION)
    assert required_deposit(station=station) == Decimal("7777.70")

    client.force_login(make_user(roles.HQ))
    response = client.get(reverse("spares:station-stock", args=[station.pk]))
    assert response.status_code == 200
    assert response.context["required_deposit"] == Decimal("7777.70")


@pytest.mark.django_db
def test_spares_refuses_to_guess_a_deposit_stations_has_no_rule_for():
    from spares.selectors import required_deposit
    from stations.models import Tier, TierRequirement

    station = StationFactory(tier=Tier.ACCESSORY_POINT)
    TierRequirement.objects.filter(tier=Tier.ACCESSORY_POINT).delete()
    with pytest.raises(LookupError):
        required_deposit(station=station)
