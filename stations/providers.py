"""What the stations area shows or decides from the areas above it: a station's deposit (spares), its open
tickets and the quarterly assessment's ticket figures (tickets), its latest inspection scores (inspections).

Stations may not import those areas (`lint-imports`: areas depend downwards). Each registers its provider
here when it starts (its AppConfig.ready); asking for one that is not registered raises, so nothing is ever
silently skipped.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

NAMES = frozenset(
    {
        "deposit_balance",  # (station) -> Decimal: the deposit held, from the spares ledger
        "deposit_record",  # (station, kind, amount, actor, note) -> the ledger entry of a deposit paid on approval
        "open_tickets",  # (station, limit) -> the station's open tickets, newest first
        "assessment_inputs",  # (station_ids, start, end) -> per-station ticket figures for a quarter
        "latest_inspection_scores",  # (station_ids, on) -> {station_id: latest inspection score}
    }
)
_registered: dict[str, Callable] = {}


def register(name: str, provider: Callable) -> None:
    if name not in NAMES:
        raise ImproperlyConfigured(f"stations.providers has no provider called {name!r}")
    _registered[name] = provider


def provider(name: str) -> Callable:
    try:
        return _registered[name]
    except KeyError:
        raise ImproperlyConfigured(f"no area registered the stations provider {name!r}") from None
