"""Complaints (投诉): logging, acknowledging and resolving them."""

import datetime

from django.db import transaction
from django.db.models import Q
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
    ensure(ticket_id is None or ticket is not None, _("No ticket with this number."), "ticket", field="ticket")
    station = station or (technician.station if technician is not None else None) or (ticket and ticket.station)
    technician = technician or (ticket.technician if ticket else None)
    ensure(
        ticket is not None or station is not None,
        _("A complaint concerns a ticket, a station or a technician."),
        "target",
    )
    ensure(
        technician is None or technician.station_id == getattr(station, "pk", None),
        _("The technician does not work at this station."),
        "technician",
        field="technician",
    )
    now = now or timezone.now()
    complaint = Complaint.objects.create(
        ticket=ticket,
        station=station,
        technician=technician,
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
    roles.require(actor, "complaints.acknowledge", complaint)
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


# --- deadlines (SPEC 2.7: acknowledged within 24 h, resolved within 72 h) --------------------------------------


def complaint_deadlines_check(*, now=None, actor=roles.SYSTEM) -> dict:
    """Flag each complaint whose acknowledgement or resolution passed its deadline, once per deadline: the flag
    escalates it to HQ (the complaint list's "overdue" filter), and the first flag of a complaint against a
    station raises its `complaint_hidden` penalty (once per complaint: the sanction's source_ref)."""
    roles.require(actor, "complaints.deadlines")
    now = now or timezone.now()
    flagged = penalties = 0
    late = Complaint.objects.exclude(status=Complaint.Status.RESOLVED).filter(
        Q(ack_overdue_at__isnull=True, acknowledged_at__isnull=True, ack_due_at__lt=now)
        | Q(resolve_overdue_at__isnull=True, resolve_due_at__lt=now)
    )
    for pk in late.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update(of=("self",)).select_related("station").get(pk=pk)
            first = complaint.ack_overdue_at is None and complaint.resolve_overdue_at is None
            passed = []
            if complaint.ack_overdue_at is None and complaint.acknowledged_at is None and complaint.ack_due_at < now:
                complaint.ack_overdue_at = now
                passed.append("ack_overdue_at")
            if complaint.resolve_overdue_at is None and complaint.resolve_due_at < now and not complaint.resolved_at:
                complaint.resolve_overdue_at = now
                passed.append("resolve_overdue_at")
            if not passed:  # decided meanwhile
                continue
            complaint.save(update_fields=passed)
            flagged += 1
            audit_record(
                obj=complaint,
                verb="deadline_passed",
                actor=actor,
                note=", ".join(str(Complaint._meta.get_field(f).verbose_name) for f in passed),
                data={"deadlines": passed},
            )
            if first and complaint.station_id is not None:
                sanction_raise(
                    station=complaint.station,
                    rule_code="complaint_hidden",
                    actor=actor,
                    note=_("Complaint #%(id)s passed its deadline.") % {"id": complaint.pk},
                    evidence_ref=f"complaint:{complaint.pk}",
                    source_ref=f"complaint_late:{complaint.pk}",
                )
                penalties += 1
    return {"flagged": flagged, "penalties": penalties}
