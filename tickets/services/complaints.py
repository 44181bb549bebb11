"""Complaints (投诉): logging, acknowledging and resolving them."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import apply_transition, audit_record, ensure, setting
from stations.services import sanction_raise

from .. import rollup
from ..models import Callback, Complaint, Ticket

# --- complaints (投诉) --------------------------------------------------------------------------


@transaction.atomic
def complaint_create(
    *,
    actor,
    category: str,
    description: str,
    ticket_id: int | None = None,
    station=None,
    technician=None,
    source: str = Complaint.Source.CALL,
    now=None,
) -> Complaint:
    roles.require(actor, "complaints.create")
    ensure(category in Complaint.Category.values, _("Choose a complaint category."), "category")
    ensure(bool((description or "").strip()), _("Describe the complaint."), "description_required")
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    ensure(ticket is not None or station is not None, _("A complaint concerns a ticket or a station."), "target")
    now = now or timezone.now()
    complaint = Complaint.objects.create(
        ticket=ticket,
        station=station or (ticket.station if ticket else None),
        technician=technician or (ticket.technician if ticket else None),
        category=category,
        source=source,
        description=description.strip(),
        ack_due_at=now + datetime.timedelta(hours=setting("COMPLAINT_ACK_HOURS")),
        resolve_due_at=now + datetime.timedelta(hours=setting("COMPLAINT_RESOLVE_HOURS")),
        created_by=actor,
    )
    audit_record(obj=complaint, verb="created", actor=actor, to_state=complaint.status)
    return complaint


def _callback_dispute_settle(*, complaint: Complaint, upheld: bool, actor) -> None:
    """SPEC 4: a disputed callback waits for its complaint. Not upheld, the repair counts as confirmed and the
    ticket is paid in the next run; upheld, it stays unpaid (and the penalty is raised by the caller)."""
    if complaint.ticket_id is None:
        return
    callback = (
        Callback.objects.select_for_update()
        .filter(ticket_id=complaint.ticket_id, outcome=Callback.Outcome.DISPUTED)
        .first()
    )
    if callback is None:
        return
    outcome = Callback.Outcome.DISPUTE_UPHELD if upheld else Callback.Outcome.CONFIRMED_AFTER_DISPUTE
    callback.outcome = outcome
    callback.save(update_fields=["outcome"])
    audit_record(
        obj=callback.ticket,
        verb="callback_dispute_settled",
        actor=actor,
        note=_("Complaint #%(id)s decided the disputed callback.") % {"id": complaint.pk},
        data={"complaint": complaint.pk, "outcome": outcome},
    )


@transaction.atomic
def complaint_acknowledge(*, complaint_id: int, actor, note: str = "", now=None) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
    roles.require(actor, "complaints.handle", complaint)
    complaint.acknowledged_at = now or timezone.now()
    return apply_transition(
        complaint,
        to=Complaint.Status.ACKNOWLEDGED,
        actor=actor,
        note=note,
        verb="acknowledge",
        extra_update_fields=("acknowledged_at",),
    )


@transaction.atomic
def complaint_resolve(*, complaint_id: int, actor, verdict: str, investigation: str, now=None) -> Complaint:
    """Record the verdict; an upheld complaint raises the `complaint_upheld` penalty (idempotent per complaint)."""
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("station").get(pk=complaint_id)
    roles.require(actor, "complaints.handle", complaint)
    ensure(verdict in Complaint.Verdict.values, _("Choose a verdict."), "verdict_required")
    ensure(bool((investigation or "").strip()), _("Write the investigation notes."), "investigation_required")
    now = now or timezone.now()
    complaint.verdict, complaint.investigation, complaint.resolved_at = verdict, investigation.strip(), now
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = now
    apply_transition(
        complaint,
        to=Complaint.Status.RESOLVED,
        actor=actor,
        note=investigation,
        verb="resolve",
        extra_update_fields=("verdict", "investigation", "resolved_at", "acknowledged_at"),
        data={"verdict": verdict},
    )
    rollup.station_day_refresh_for_complaint(complaint=complaint)
    _callback_dispute_settle(complaint=complaint, upheld=verdict == Complaint.Verdict.UPHELD, actor=actor)
    if verdict == Complaint.Verdict.UPHELD and complaint.station_id:
        sanction_raise(
            station=complaint.station,
            rule_code="complaint_upheld",
            actor=actor,
            note=complaint.description[:200],
            evidence_ref=f"complaint:{complaint.pk}",
            source_ref=f"complaint:{complaint.pk}",
        )
    return complaint
