"""Fee rules: the kinds paid per ticket and the rule book in force during a month."""

import datetime
from collections import defaultdict

from django.db.models import Q

from ..models import FeeKind, FeeRule
from .months import month_bounds

FEE_KINDS_FOR_TICKETS = (
    FeeKind.ONSITE_REPAIR,
    FeeKind.CARRY_IN_REPAIR,
    FeeKind.SWAP,
    FeeKind.ACCESSORY_REPLACEMENT,
    FeeKind.NO_FAULT_FOUND,
)


# ------------------------------------------------------------------------------------------ fee rules
class RuleBook:
    """The fee rules in force during a month, looked up by kind and day without further queries."""

    def __init__(self, month: datetime.date):
        start, end = month_bounds(month)
        last = (end - datetime.timedelta(days=1)).date()
        self.rules = list(
            FeeRule.objects.filter(effective_from__lte=last)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start.date()))
            .order_by("kind", "effective_from")
        )
        self.by_kind: dict[str, list[FeeRule]] = defaultdict(list)
        for rule in self.rules:
            self.by_kind[rule.kind].append(rule)

    def rule(self, kind: str, on: datetime.date) -> FeeRule | None:
        for rule in reversed(self.by_kind.get(kind, ())):
            if rule.effective_from <= on and (rule.effective_to is None or on <= rule.effective_to):
                return rule
        return None

    def snapshot(self) -> dict:
        return {
            "rules": [
                {
                    "id": r.pk,
                    "kind": r.kind,
                    "amount": str(r.amount),
                    "remote_allowance": str(r.remote_allowance),
                    "effective_from": r.effective_from.isoformat(),
                    "effective_to": r.effective_to.isoformat() if r.effective_to else None,
                }
                for r in self.rules
            ]
        }
