"""Fraud signals: the evaluation that raises them, and HQ's confirm / dismiss (each audited)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import apply_transition, ensure
from tickets.models import Ticket
from tickets.services import ticket_report_fabricated

from .models import RULE_DEFAULTS, FraudRule, FraudSignal
from .rules import FINDERS

# how far back the nightly run looks when no ``since`` is given: the longest windows, plus the return deadline
DEFAULT_LOOKBACK_DAYS = 60


def fraud_rules() -> dict[str, FraudRule]:
    """Every rule's configuration; a rule missing from the table gets its default row (then HQ edits it)."""
    rules = {rule.code: rule for rule in FraudRule.objects.all()}
    for code, (threshold, window, weight) in RULE_DEFAULTS.items():
        if code not in rules:
            rules[code], _created = FraudRule.objects.get_or_create(
                code=code, defaults={"threshold": threshold, "window_days": window, "weight": weight}
            )
    return rules


def fraud_evaluate(*, actor, since: datetime.datetime | None = None, ticket_ids=None) -> dict:
    """Run every enabled rule over the completed tickets (those given, or completed since ``since``).

    Idempotent: one signal per (rule, ticket) by the unique key, whatever its status, so a re-run creates nothing
    and a dismissed signal is not raised again. Returns {"created": n, "unchanged": m}."""
    roles.require(actor, "fraud.evaluate")
    tickets = Ticket.objects.filter(
        status__in=(Ticket.Status.COMPLETED, Ticket.Status.CLOSED), station__isnull=False, completed_at__isnull=False
    )
    if ticket_ids is not None:
        tickets = tickets.filter(pk__in=list(ticket_ids))
    else:
        since = since or timezone.now() - datetime.timedelta(days=DEFAULT_LOOKBACK_DAYS)
        tickets = tickets.filter(completed_at__gte=since)
    candidates = {}
    for code, rule in sorted(fraud_rules().items()):
        if not rule.enabled or code not in FINDERS:
            continue
        for row, evidence in FINDERS[code](rule, tickets):
            key = f"ticket:{row['pk']}"
            candidates[(code, key)] = FraudSignal(
                rule=code,
                key=key,
                ticket_id=row["pk"],
                station_id=row["station_id"],
                technician_id=row["technician_id"],
                weight=rule.weight,
                evidence={"number": row["number"], "serial": row["serial"], **evidence},
            )
    existing = set(FraudSignal.objects.filter(key__in={key for _code, key in candidates}).values_list("rule", "key"))
    new = [signal for pair, signal in candidates.items() if pair not in existing]
    FraudSignal.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent run made the same: the key holds
    return {"created": len(new), "unchanged": len(candidates) - len(new)}


def _decide(*, signal_id: int, actor, reason: str, to: str, verb: str) -> tuple[FraudSignal, bool]:
    roles.require(actor, "fraud.decide")
    reason = (reason or "").strip()
    ensure(bool(reason), _("Please give a reason."), "reason_required", field="reason")
    signal = FraudSignal.objects.select_for_update().get(pk=signal_id)
    if signal.status == to:  # a retried or double-submitted decision: done already
        return signal, False
    ensure(
        signal.status == FraudSignal.Status.OPEN,
        _("This signal was already decided (%(status)s).") % {"status": signal.get_status_display()},
        "already_decided",
    )
    signal.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    signal.decided_at, signal.reason = timezone.now(), reason
    signal = apply_transition(
        signal,
        to=to,
        actor=actor,
        note=reason,
        verb=verb,
        extra_update_fields=("decided_by", "decided_at", "reason"),
    )
    return signal, True


@transaction.atomic
def fraud_signal_confirm(*, signal_id: int, actor, reason: str, raise_sanction: bool = False) -> FraudSignal:
    """HQ confirms the signal: its ticket is excluded from settlement from now on (``selectors.fraud_confirmed``).

    With ``raise_sanction`` the station gets the fabricated-ticket penalty through tickets' own service (once per
    ticket). Retrying a confirmation changes nothing."""
    signal, changed = _decide(
        signal_id=signal_id, actor=actor, reason=reason, to=FraudSignal.Status.CONFIRMED, verb="confirmed"
    )
    if raise_sanction and not signal.sanction_raised:
        ensure(signal.ticket_id is not None, _("Only a signal about a ticket can raise the penalty."), "no_ticket")
        ticket_report_fabricated(ticket_id=signal.ticket_id, actor=actor, reason=signal.reason)
        signal.sanction_raised = True
        signal.save(update_fields=["sanction_raised"])
    return signal


@transaction.atomic
def fraud_signal_dismiss(*, signal_id: int, actor, reason: str) -> FraudSignal:
    """HQ dismisses the signal with a reason; the same rule never raises it again for that ticket."""
    signal, _changed = _decide(
        signal_id=signal_id, actor=actor, reason=reason, to=FraudSignal.Status.DISMISSED, verb="dismissed"
    )
    return signal
