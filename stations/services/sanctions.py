"""Sanctions: raising, appealing, deciding and settling reward/penalty records."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.money import ZERO, quantize
from repairnet.services import apply_transition, audit_record, ensure, setting

from .. import providers, selectors
from ..models import (
    Sanction,
    SanctionRule,
    Station,
)
from .revocation import revocation_review_open
from .state import station_revoke_through_suspension

# --- sanctions -------------------------------------------------------------------------------------


INSPECTION_SANCTION_RULES = frozenset({"inspection_grade_a", "inspection_grade_d", "rectification_overdue"})


@transaction.atomic
def sanction_raise(
    *, station: Station, rule_code: str, actor, note: str = "", evidence_ref: str = "", source_ref: str = ""
) -> Sanction:
    """Raise a reward/penalty record; idempotent per (rule, source_ref) when source_ref is given.

    HQ raises any rule; the inspector raises the rules of an inspection's outcome; jobs act as roles.SYSTEM."""
    action = (
        "stations.sanctions.raise_on_inspection"
        if rule_code in INSPECTION_SANCTION_RULES
        else "stations.sanctions.raise"
    )
    roles.require(actor, action, station)
    rule = SanctionRule.objects.filter(code=rule_code, active=True).first()
    ensure(rule is not None, _("Unknown reward/penalty rule: %(code)s.") % {"code": rule_code})
    if source_ref:
        existing = Sanction.objects.filter(rule=rule, source_ref=source_ref).first()
        if existing is not None:
            return existing
    deadline = selectors.today() + datetime.timedelta(days=setting("APPEAL_DAYS"))
    try:
        with transaction.atomic():
            sanction = Sanction.objects.create(
                station=station,
                rule=rule,
                amount=quantize(rule.amount),
                note=note,
                evidence_ref=evidence_ref,
                source_ref=source_ref,
                raised_by=actor if getattr(actor, "is_authenticated", False) else None,
                appeal_deadline=deadline,
            )
    except IntegrityError:
        return Sanction.objects.get(rule=rule, source_ref=source_ref)
    audit_record(obj=sanction, verb="raised", actor=actor, note=note, to_state=sanction.status)
    return sanction


@transaction.atomic
def sanction_appeal(*, sanction: Sanction, actor, text: str) -> Sanction:
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    roles.require(actor, "stations.sanctions.appeal", sanction)
    ensure(bool(text.strip()), _("Please explain the appeal."))
    ensure(
        selectors.today() <= sanction.appeal_deadline,
        _("The appeal window closed on %(date)s.") % {"date": sanction.appeal_deadline},
    )
    sanction.appeal_text, sanction.appealed_at = text, timezone.now()
    return apply_transition(
        sanction,
        to=Sanction.Status.APPEALED,
        actor=actor,
        note=text,
        verb="appealed",
        extra_update_fields=("appeal_text", "appealed_at"),
    )


@transaction.atomic
def sanction_decide(*, sanction: Sanction, actor, approve: bool, note: str = "") -> Sanction:
    """HQ approves (it flows into the settlement) or cancels a record.

    Approving a record whose rule forfeits the deposit or revokes the station (selling compatible or
    counterfeit products, SPEC 1.5) does both in the same transaction: the whole deposit balance is forfeited
    in the spares ledger and the station is revoked through ``station_transition`` (an active station is
    suspended, then revoked), each with its audit row naming who, when and why. A record is approved once
    (approving it again is refused by the state machine), so the deposit is forfeited once. Approving a record
    whose rule opens a revocation review (a fabricated or duplicate ticket) opens it, once per record."""
    roles.require(actor, "stations.sanctions.decide")
    sanction = Sanction.objects.select_for_update().select_related("rule").get(pk=sanction.pk)
    if not approve or sanction.status == Sanction.Status.APPEALED:
        ensure(bool(note.strip()), _("Please give a reason."))
    consequences = approve and sanction.rule.needs_hq_decision
    forfeit = providers.provider("deposit_forfeit") if consequences and sanction.rule.forfeits_deposit else None
    station = None
    if consequences:
        station = Station.objects.select_for_update().get(pk=sanction.station_id)
        ensure(
            station.status != Station.Status.EXITED,
            _("Station %(code)s has exited and its deposit was refunded; this record cannot be approved.")
            % {"code": station.code},
        )
    sanction.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    sanction.decided_at, sanction.decision_note = timezone.now(), note
    sanction = apply_transition(
        sanction,
        to=Sanction.Status.APPROVED if approve else Sanction.Status.CANCELLED,
        actor=actor,
        note=note,
        verb="approved" if approve else "cancelled",
        extra_update_fields=("decided_by", "decided_at", "decision_note"),
    )
    if consequences:
        _sanction_consequences(sanction=sanction, station=station, forfeit=forfeit, actor=actor, note=note)
    if approve and sanction.rule.opens_revocation_review:
        revocation_review_open(sanction=sanction, actor=actor)
    return sanction


def _sanction_consequences(*, sanction: Sanction, station: Station, forfeit, actor, note: str) -> None:
    """The approved record's consequences beyond its amount: forfeit the deposit, revoke the station."""
    rule = sanction.rule
    why = _("%(rule)s (reward/penalty record #%(id)s)") % {"rule": rule.name, "id": sanction.pk}
    if note.strip():
        why = f"{why}: {note.strip()}"
    forfeited = ZERO
    if forfeit is not None:
        entry = forfeit(station=station, actor=actor, note=why)
        forfeited = entry.amount if entry is not None else ZERO
    if rule.revokes_station:
        station = station_revoke_through_suspension(station=station, actor=actor, note=why)
    audit_record(
        obj=sanction,
        verb="consequences_applied",
        actor=actor,
        note=why,
        data={"station": station.code, "deposit_forfeited": str(forfeited), "station_status": station.status},
    )


def sanctions_confirm_unappealed(*, on: datetime.date | None = None, actor=roles.SYSTEM) -> int:
    """Daily: records not appealed by their deadline are approved (the station accepted them), except those
    whose rule revokes the station or forfeits its deposit: HQ decides them (``sanction_decide``)."""
    roles.require(actor, "stations.sanctions.confirm_unappealed")
    on = on or selectors.today()
    count = 0
    # Records whose rule forfeits the deposit or revokes the station wait for HQ's decision.
    due = Sanction.objects.filter(status=Sanction.Status.RAISED, appeal_deadline__lt=on).filter(
        rule__forfeits_deposit=False, rule__revokes_station=False
    )
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            sanction = Sanction.objects.select_for_update().select_related("rule").get(pk=pk)
            if sanction.status != Sanction.Status.RAISED:
                continue
            sanction.decided_at, sanction.decision_note = timezone.now(), _("Not appealed within the window.")
            apply_transition(
                sanction,
                to=Sanction.Status.APPROVED,
                actor=actor,
                note=sanction.decision_note,
                verb="approved",
                extra_update_fields=("decided_at", "decision_note"),
            )
            if sanction.rule.opens_revocation_review:
                revocation_review_open(sanction=sanction, actor=actor)
            count += 1
    return count


@transaction.atomic
def sanction_mark_settled(*, sanction_ids, ref: str) -> int:
    """Settlement marks the records it has paid/deducted so no later month counts them again."""
    ensure(bool(ref), _("A settlement reference is needed."))
    return Sanction.objects.filter(pk__in=list(sanction_ids), status=Sanction.Status.APPROVED, settled_ref="").update(
        settled_ref=ref
    )


@transaction.atomic
def sanction_release_settlement(*, settled_ref: str, actor) -> int:
    """Settlement hands back the records it settled under ``settled_ref`` (its statement went back to draft).

    The rebuilt draft then fetches them again through ``sanctions_for_settlement`` like any unsettled
    record, and issuing it marks them again. Releasing here, rather than teaching the selector about
    statements, keeps one owner and one meaning of ``settled_ref``: set while an issued statement holds the
    record. Each released record gets an audit row naming the statement it left.
    """
    roles.require(actor, "stations.sanctions.settle")
    ensure(bool(settled_ref), _("A settlement reference is needed."))
    released = list(Sanction.objects.select_for_update().filter(settled_ref=settled_ref).order_by("pk"))
    for sanction in released:
        sanction.settled_ref = ""
        sanction.save(update_fields=["settled_ref", "updated_at"])
        audit_record(obj=sanction, verb="settlement_released", actor=actor, data={"settled_ref": settled_ref})
    return len(released)
