"""Revocation reviews (SPEC 1.5): opened once by an approved record whose rule asks for one (a fabricated or
duplicate ticket); HQ decides each: revoke or suspend the station, or dismiss the review with a reason."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import InvalidTransition, apply_transition, audit_record, ensure

from ..models import RevocationReview, Sanction, Station
from .state import station_revoke_through_suspension, station_suspend

# The decisions HQ takes on an open review, by the verb pages and the API post.
REVOCATION_DECISIONS = {
    "revoke": RevocationReview.Status.REVOKED,
    "suspend": RevocationReview.Status.SUSPENDED,
    "dismiss": RevocationReview.Status.DISMISSED,
}
# The station states a decision can still move (revoked and exited stations are final).
_MOVABLE = (Station.Status.ACTIVE, Station.Status.SUSPENDED)


@transaction.atomic
def revocation_review_open(*, sanction: Sanction, actor) -> RevocationReview:
    """Open the review an approved record asks for, once per record (the OneToOne is the unique key: a second
    call, a retry or a concurrent approval returns the review already there). HQ approving the record, or the
    daily job approving an unappealed one (roles.SYSTEM), opens it in the approval's transaction."""
    roles.require(actor, "stations.revocation_reviews.open", sanction)
    existing = RevocationReview.objects.filter(sanction_id=sanction.pk).first()
    if existing is not None:
        return existing
    sanction = Sanction.objects.select_related("rule", "station").get(pk=sanction.pk)
    ensure(
        sanction.status == Sanction.Status.APPROVED,
        _("Only an approved record opens a revocation review."),
        code="not_approved",
    )
    ensure(
        sanction.rule.opens_revocation_review,
        _("The rule “%(rule)s” does not open a revocation review.") % {"rule": sanction.rule.name},
        code="no_review",
    )
    reason = _("%(rule)s (reward/penalty record #%(id)s)") % {"rule": sanction.rule.name, "id": sanction.pk}
    if sanction.note.strip():
        reason = f"{reason}: {sanction.note.strip()}"
    try:
        with transaction.atomic():
            review = RevocationReview.objects.create(station=sanction.station, sanction=sanction, reason=reason)
    except IntegrityError:
        return RevocationReview.objects.get(sanction_id=sanction.pk)
    audit_record(
        obj=review,
        verb="opened",
        actor=actor,
        note=reason,
        to_state=review.status,
        data={"sanction": sanction.pk, "station": sanction.station.code},
    )
    return review


@transaction.atomic
def revocation_review_decide(*, review: RevocationReview, actor, decision: str, note: str = "") -> RevocationReview:
    """HQ decides an open review: ``revoke`` (an active station is suspended, then revoked), ``suspend`` (a
    station already suspended stays so), each through ``station_transition`` with its audit row; or ``dismiss``,
    which needs a reason and leaves the station as it is. The review's own audit row names the decision."""
    roles.require(actor, "stations.revocation_reviews.decide", review)
    review = RevocationReview.objects.select_for_update().select_related("station", "sanction__rule").get(pk=review.pk)
    to = REVOCATION_DECISIONS.get(decision)
    ensure(to is not None, _("Choose to revoke, suspend or dismiss."), code="invalid_decision", field="decision")
    if to not in RevocationReview.TRANSITIONS.get(review.status, ()):
        raise InvalidTransition(review, review.status, to)
    note = (note or "").strip()
    if to == RevocationReview.Status.DISMISSED:
        ensure(bool(note), _("Please give a reason."), code="reason_required", field="note")
    station = review.station
    if to != RevocationReview.Status.DISMISSED:
        ensure(
            station.status in _MOVABLE,
            _("Station %(code)s is %(status)s already; only dismissing the review is left.")
            % {"code": station.code, "status": station.get_status_display()},
            code="station_final",
            field="decision",
        )
        why = _("Revocation review #%(id)s: %(reason)s") % {"id": review.pk, "reason": review.reason}
        if note:
            why = f"{why} — {note}"
        if to == RevocationReview.Status.REVOKED:
            station = station_revoke_through_suspension(station=station, actor=actor, note=why)
        elif station.status == Station.Status.ACTIVE:
            station = station_suspend(station=station, actor=actor, note=why)
    review.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    review.decided_at, review.decision_note = timezone.now(), note
    return apply_transition(
        review,
        to=to,
        actor=actor,
        note=note,
        verb=decision,
        extra_update_fields=("decided_by", "decided_at", "decision_note"),
        data={"station": station.code, "station_status": station.status, "sanction": review.sanction_id},
    )
