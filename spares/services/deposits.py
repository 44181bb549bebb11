"""Deposits: one entry per payment, top-up, refund or forfeit; every entry is money (amount, date, bank
reference); refunds and forfeits never exceed the balance, so the balance (the sum of the entries) is never
negative."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.money import ZERO, format_cny, quantize
from repairnet.services import audit_record

from ..models import DepositEntry
from ..selectors import deposit_balance
from .journal import _lock_station

# --------------------------------------------------------------------------------------------------
# Deposits
# --------------------------------------------------------------------------------------------------


def deposit_amount_parse(amount, *, field: str = "amount") -> Decimal:
    """A deposit amount as exact money: a number of yuan with at most 2 decimals, greater than zero.

    Refuses with the message on ``field`` (the input's name: ``amount`` here, ``deposit_amount`` on the
    application's approval), so a page shows it beside the box and the API names it in ``errors``."""
    if isinstance(amount, float):
        amount = str(amount)
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("Enter an amount in yuan, e.g. 5000.00.")]}) from None
    if not value.is_finite():
        raise ValidationError({field: [_("Enter an amount in yuan, e.g. 5000.00.")]})
    if value != quantize(value):
        raise ValidationError({field: [_("Money amounts have at most 2 decimal places.")]})
    if value <= 0:
        raise ValidationError({field: [_("The amount must be positive.")]})
    return quantize(value)


def deposit_paid_on_parse(paid_on, *, field: str = "paid_on") -> datetime.date:
    """The day the money moved: today (Asia/Shanghai) when not given; never in the future."""
    today = timezone.localdate()
    if paid_on in (None, ""):
        return today
    if isinstance(paid_on, datetime.datetime):
        paid_on = timezone.localtime(paid_on).date() if timezone.is_aware(paid_on) else paid_on.date()
    if isinstance(paid_on, str):
        try:
            paid_on = datetime.date.fromisoformat(paid_on)
        except ValueError:
            raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]}) from None
    if paid_on > today:
        raise ValidationError({field: [_("The payment date may not be in the future.")]})
    return paid_on


@transaction.atomic
def deposit_record(
    *,
    station,
    kind: str,
    amount: Decimal,
    actor,
    note: str = "",
    paid_on: datetime.date | None = None,
    bank_reference: str | None = None,
) -> DepositEntry:
    """Append one deposit entry (paid, top-up, refund, forfeit) with the day the money moved (today when not
    given) and the bank's reference of the transfer; refunds and forfeits never exceed the balance.

    A payment, top-up or refund given a reference must give a non-empty one (pages and the API always pass
    what was typed, so an empty box is refused on its field); ``None`` books an entry without a transfer
    reference (other areas' contracts and fixtures, demo data). A forfeit needs none: HQ keeps what it holds.
    """
    roles.require(actor, "spares.deposit.record", station)
    if kind not in DepositEntry.Kind.values:
        raise ValidationError({"kind": [_("Unknown deposit entry kind.")]})
    amount = deposit_amount_parse(amount)
    paid_on = deposit_paid_on_parse(paid_on)
    if bank_reference is not None and kind in DepositEntry.MONEY_KINDS and not bank_reference.strip():
        raise ValidationError({"bank_reference": [_("Give the bank reference of the transfer.")]})
    bank_reference = (bank_reference or "").strip()
    if len(bank_reference) > 64:
        raise ValidationError({"bank_reference": [_("At most 64 characters.")]})
    _lock_station(station)
    signed = amount if kind in DepositEntry.CREDIT_KINDS else -amount
    if kind in (DepositEntry.Kind.REFUND, DepositEntry.Kind.FORFEIT):
        balance = deposit_balance(station=station)
        message = (
            _("Cannot refund %(amount)s: the deposit balance is %(balance)s.")
            if kind == DepositEntry.Kind.REFUND
            else _("Cannot forfeit %(amount)s: the deposit balance is %(balance)s.")
        )
        if amount > balance:
            raise ValidationError(
                {"amount": [message % {"amount": format_cny(amount), "balance": format_cny(balance)}]}
            )
    entry = DepositEntry.objects.create(
        station=station,
        kind=kind,
        amount=amount,
        signed_amount=signed,
        note=note[:200],
        paid_on=paid_on,
        bank_reference=bank_reference,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        obj=station,
        verb=f"deposit_{kind}",
        actor=actor,
        note=note,
        data={
            "entry": entry.pk,
            "amount": str(signed),
            "paid_on": paid_on.isoformat(),
            "bank_reference": bank_reference,
        },
    )
    return entry


@transaction.atomic
def deposit_forfeit_balance(*, station, actor, note: str) -> DepositEntry | None:
    """Forfeit the station's whole deposit balance (one ``forfeit`` entry; the balance is 0.00 after).

    The station row is locked before the balance is read, so no entry slips in between. Nothing is
    booked when the balance is already 0.00 (a second call books nothing); returns the entry or None."""
    roles.require(actor, "spares.deposit.record", station)
    _lock_station(station)
    balance = deposit_balance(station=station)
    if balance <= ZERO:
        return None
    return deposit_record(station=station, kind=DepositEntry.Kind.FORFEIT, amount=balance, actor=actor, note=note)


@transaction.atomic
def deposit_refund_balance(
    *, station, actor, note: str, paid_on: datetime.date | None = None, bank_reference: str | None = None
) -> DepositEntry | None:
    """Refund the station's whole deposit balance (one ``refund`` entry with the day it was paid out and the
    bank reference; the balance is 0.00 after). Nothing is booked when the balance is 0.00."""
    roles.require(actor, "spares.deposit.record", station)
    _lock_station(station)
    balance = deposit_balance(station=station)
    if balance <= ZERO:
        return None
    return deposit_record(
        station=station,
        kind=DepositEntry.Kind.REFUND,
        amount=balance,
        actor=actor,
        note=note,
        paid_on=paid_on,
        bank_reference=bank_reference,
    )
