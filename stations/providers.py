"""What the stations area shows or decides from the areas above it: a station's deposit and the HQ stock it
still holds (spares), its open tickets and the quarterly assessment's ticket figures (tickets), its latest
inspection scores (inspections), its monthly statements (settlement). Approving a penalty whose rule forfeits
the deposit, and a station's exit, book the ledger entries through spares' providers.

Stations may not import those areas (`lint-imports`: areas depend downwards). Each registers its provider
here when it starts (its AppConfig.ready); asking for one that is not registered raises, so nothing is ever
silently skipped.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

NAMES = frozenset(
    {
        "deposit_balance",  # (station) -> Decimal: the deposit held, from the spares ledger
        "deposit_record",  # (station, kind, amount, actor, note, paid_on, bank_reference) -> the ledger entry
        "deposit_forfeit",  # (station, actor, note) -> the forfeit entry of the whole balance, None when 0.00
        "deposit_refund",  # (station, actor, note, paid_on, bank_reference) -> the refund of the whole balance
        "stock_outstanding",  # (station) -> HQ stock at the station, in transit or on loan: [{item, where, quantity}]
        "open_tickets",  # (station, limit) -> the station's open tickets, newest first
        "assessment_inputs",  # (station_ids, start, end) -> per-station ticket figures for a quarter
        "latest_inspection_scores",  # (station_ids, on) -> {station_id: latest inspection score}
        "station_statements",  # (user, station_id) -> the station's statements the user may see, newest month first
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
