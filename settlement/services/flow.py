"""The statement flow: issue, confirm, dispute, resolve, approve, record payment; manual adjustments."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import outbox, roles
from repairnet import selectors as repairnet_selectors
from repairnet.models import OutboxEvent
from repairnet.money import quantize
from repairnet.services import apply_transition, audit_record, ensure
from stations.services import sanction_mark_settled, sanction_release_settlement

from ..models import Adjustment, Statement
from .run import _statement_totals_update


# ------------------------------------------------------------------------------------------ the flow
def _lock(statement_id: int) -> Statement:
    return Statement.objects.select_for_update().select_related("station").get(pk=statement_id)


@transaction.atomic
def statement_issue(*, statement_id: int, actor, note: str = "") -> Statement:
    """Finance issues a draft to its station; from now on its figures never change."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.issue", statement)
    statement.issued_at = timezone.now()
    apply_transition(
        statement,
        to=Statement.Status.ISSUED,
        actor=actor,
        note=note,
        verb="statement_issue",
        extra_update_fields=("issued_at",),
        data={"net": str(statement.net)},
    )
    _mark_sanctions_settled(statement)
    outbox.enqueue(
        event=OutboxEvent.STATEMENT_ISSUED,
        key=f"statement_issued:{statement.pk}:{statement.issued_at.isoformat()}",
        user_ids=repairnet_selectors.notification_recipient_ids(
            role_names=(roles.COORDINATOR,), station_id=statement.station_id
        ),
        context={"month": f"{statement.month:%Y-%m}", "net": str(statement.net), "station": statement.station.name},
        url=reverse("settlement:statement", args=[statement.pk]),
        now=statement.issued_at,
    )
    return statement


def _mark_sanctions_settled(statement: Statement) -> None:
    """Rewards/penalties on an issued statement are consumed: no later month counts them again."""
    refs = statement.adjustments.filter(kind=Adjustment.Kind.SANCTION).values_list("source_ref", flat=True)
    ids = [int(ref.split(":", 1)[1]) for ref in refs if ref.split(":", 1)[1].isdigit()]
    if not ids:
        return
    sanction_mark_settled(sanction_ids=ids, ref=_settled_ref(statement))


def _settled_ref(statement: Statement) -> str:
    """The reference the rewards/penalties settled by ``statement`` carry in stations."""
    return f"settlement:{statement.month:%Y-%m}:{statement.station.code}"


def statements_issue_month(*, month: datetime.date, actor) -> int:
    """Issue every draft of the month (each through statement_issue)."""
    roles.require(actor, "settlement.issue")
    ids = list(
        Statement.objects.filter(month=month.replace(day=1), status=Statement.Status.DRAFT).values_list("pk", flat=True)
    )
    for pk in ids:
        statement_issue(statement_id=pk, actor=actor)
    return len(ids)


@transaction.atomic
def statement_confirm(*, statement_id: int, actor, note: str = "") -> Statement:
    """The station's coordinator confirms their own statement."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.confirm", statement)
    statement.confirmed_at = timezone.now()
    return apply_transition(
        statement,
        to=Statement.Status.CONFIRMED,
        actor=actor,
        note=note,
        verb="statement_confirm",
        extra_update_fields=("confirmed_at",),
    )


@transaction.atomic
def statement_dispute(*, statement_id: int, actor, reason: str) -> Statement:
    """The station's coordinator disputes their own statement, saying why."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.dispute", statement)
    reason = (reason or "").strip()
    ensure(bool(reason), _("Please give a reason."), code="reason_required")
    statement.dispute_reason = reason
    return apply_transition(
        statement,
        to=Statement.Status.DISPUTED,
        actor=actor,
        note=reason,
        verb="statement_dispute",
        extra_update_fields=("dispute_reason",),
    )


@transaction.atomic
def statement_resolve_dispute(*, statement_id: int, actor, resolution: str, reopen: bool) -> Statement:
    """Finance answers a dispute: reopen (back to draft, rebuilt by the next run) or keep the figures (confirmed)."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.resolve", statement)
    resolution = (resolution or "").strip()
    ensure(bool(resolution), _("Please give a reason."), code="reason_required")
    statement.resolution = resolution
    apply_transition(
        statement,
        to=Statement.Status.DRAFT if reopen else Statement.Status.CONFIRMED,
        actor=actor,
        note=resolution,
        verb="statement_reopen" if reopen else "statement_dispute_rejected",
        extra_update_fields=("resolution",),
    )
    if reopen:  # the rebuild drops its computed adjustments; the penalties must be fetchable again
        sanction_release_settlement(settled_ref=_settled_ref(statement), actor=actor)
    return statement


@transaction.atomic
def statement_approve(*, statement_id: int, actor, note: str = "") -> Statement:
    """Finance approves; an approved statement never changes again (corrections go into a later month)."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.approve", statement)
    if statement.status == Statement.Status.DISPUTED:
        ensure(bool(note.strip()), _("Approving a disputed statement needs a reason."), code="reason_required")
    statement.approved_at = timezone.now()
    statement.approved_by = actor
    return apply_transition(
        statement,
        to=Statement.Status.APPROVED,
        actor=actor,
        note=note,
        verb="statement_approve",
        extra_update_fields=("approved_at", "approved_by"),
        data={"net": str(statement.net)},
    )


@transaction.atomic
def statement_record_payment(*, statement_id: int, actor, paid_on: datetime.date, reference: str) -> Statement:
    """Finance records the bank payment of an approved statement (date and reference)."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.pay", statement)
    reference = (reference or "").strip()
    ensure(bool(reference), _("Enter the payment reference."), code="reference_required")
    ensure(paid_on is not None, _("Enter the payment date."), code="date_required")
    ensure(paid_on <= timezone.localdate(), _("The payment date must not be in the future."), code="future_date")
    ensure(paid_on >= statement.month, _("The payment date is before the settled month."), code="date_too_early")
    statement.paid_on, statement.payment_reference = paid_on, reference[:64]
    statement.paid_at, statement.paid_by = timezone.now(), actor
    return apply_transition(
        statement,
        to=Statement.Status.PAID,
        actor=actor,
        note=reference,
        verb="statement_pay",
        extra_update_fields=("paid_on", "payment_reference", "paid_at", "paid_by"),
        data={"paid_on": paid_on.isoformat(), "reference": reference, "net": str(statement.net)},
    )


@transaction.atomic
def adjustment_add(
    *, statement_id: int, amount: Decimal, description: str, actor, kind: str = Adjustment.Kind.MANUAL
) -> Adjustment:
    """Finance adds a manual correction to a DRAFT statement (e.g. for an approved earlier month)."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.adjust", statement)
    ensure(
        statement.status == Statement.Status.DRAFT,
        _("Only a draft statement can take adjustments; add the correction to a later month."),
        code="not_draft",
    )
    if isinstance(amount, float):
        raise ValidationError(_("Enter an amount with at most 2 decimals."), code="invalid_amount")
    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationError(_("Enter an amount with at most 2 decimals."), code="invalid_amount") from None
    ensure(
        value == quantize(value) and value != 0, _("Enter a non-zero amount with at most 2 decimals."), "invalid_amount"
    )
    description = (description or "").strip()
    ensure(bool(description), _("Describe the correction."), code="description_required")
    seq = Adjustment.objects.filter(statement=statement, kind=Adjustment.Kind.MANUAL).count() + 1
    adjustment = Adjustment.objects.create(
        statement=statement,
        kind=kind,
        amount=quantize(value),
        description=description[:300],
        source_ref=f"manual:{statement.pk}:{seq}:{timezone.now():%Y%m%d%H%M%S%f}",
        created_by=actor,
    )
    _statement_totals_update(statement_ids=[statement.pk])
    audit_record(
        obj=statement,
        verb="statement_adjust",
        actor=actor,
        note=description,
        data={"amount": str(adjustment.amount), "kind": kind},
    )
    return adjustment
