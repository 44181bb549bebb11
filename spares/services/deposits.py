"""Deposits: one entry per payment, top-up, refund or forfeit; refunds never exceed the balance."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.money import format_cny, quantize
from repairnet.services import audit_record, ensure

from ..models import DepositEntry
from ..selectors import deposit_balance
from .journal import _lock_station

# --------------------------------------------------------------------------------------------------
# Deposits
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def deposit_record(*, station, kind: str, amount: Decimal, actor, note: str = "") -> DepositEntry:
    """Append one deposit entry (paid, top-up, refund, forfeit); refunds never exceed the balance."""
    roles.require(actor, "spares.deposit.record", station)
    ensure(kind in DepositEntry.Kind.values, _("Unknown deposit entry kind."), "kind")
    if isinstance(amount, float):
        amount = str(amount)
    amount = Decimal(amount) if not isinstance(amount, Decimal) else amount
    ensure(amount == quantize(amount), _("Money amounts have at most 2 decimal places."), "amount")
    amount = quantize(amount)
    ensure(amount > 0, _("The amount must be positive."), "amount")
    _lock_station(station)
    signed = amount if kind in DepositEntry.CREDIT_KINDS else -amount
    if kind == DepositEntry.Kind.REFUND:
        balance = deposit_balance(station=station)
        ensure(
            amount <= balance,
            _("Cannot refund %(amount)s: the deposit balance is %(balance)s.")
            % {"amount": format_cny(amount), "balance": format_cny(balance)},
            "amount",
        )
    entry = DepositEntry.objects.create(
        station=station,
        kind=kind,
        amount=amount,
        signed_amount=signed,
        note=note[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(obj=station, verb=f"deposit_{kind}", actor=actor, note=note, data={"amount": str(signed)})
    return entry
