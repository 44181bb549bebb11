"""SLA breaches and callbacks (回访): the sweeps and the calls to the customer."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import outbox, roles
from repairnet import selectors as repairnet_selectors
from repairnet.models import OutboxEvent
from repairnet.services import audit_record, ensure, setting

from .. import rollup, sla
from ..models import (
    Callback,
    CallbackAttempt,
    Complaint,
    SlaBreach,
    Ticket,
)
from .complaints import complaint_create
from .intake import customer_context, ticket_create
from .lifecycle import _lock, callback_open, ticket_transition
from .self_service import self_service_ticket_id

S = Ticket.Status


# --- SLA breaches -------------------------------------------------------------------------------


def sla_breaches_record(*, now: datetime.datetime | None = None) -> int:
    """Record every missed deadline once (unique per ticket and leg); safe to run any number of times."""
    now = now or timezone.now()
    created = 0
    for leg, (due_field, done_field) in sla.LEG_FIELDS.items():
        missed = Q(**{f"{due_field}__lt": now, f"{done_field}__isnull": True}, status__in=Ticket.OPEN_STATES)
        if leg == "complete":
            missed &= Q(paused_at__isnull=True)
        missed |= Q(**{f"{done_field}__gt": F(due_field)})
        rows = (
            Ticket.objects.filter(missed, **{f"{due_field}__isnull": False})
            .exclude(Exists(SlaBreach.objects.filter(ticket=OuterRef("pk"), leg=leg)))
            .values_list("pk", due_field)
        )
        batch = [SlaBreach(ticket_id=pk, leg=leg, due_at=due) for pk, due in rows.iterator(chunk_size=2000)]
        if batch:
            SlaBreach.objects.bulk_create(batch, ignore_conflicts=True, batch_size=1000)
            rollup.station_days_refresh_for_tickets(ticket_ids=[breach.ticket_id for breach in batch])
            created += len(batch)
    sla_warnings_raise(now=now)
    return created


def sla_warnings_raise(*, now: datetime.datetime | None = None) -> int:
    """Warn the station (its coordinators and the ticket's technician) of every open deadline falling within
    ``SLA_WARNING_MINUTES``: once per ticket, leg and deadline (a moved deadline warns again). Run by the SLA
    job with the breaches; returns how many open deadlines fall in the window (each is notified of only once)."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(minutes=setting("SLA_WARNING_MINUTES"))
    warned = 0
    for leg, (due_field, done_field) in sla.LEG_FIELDS.items():
        soon = Q(
            **{f"{due_field}__gte": now, f"{due_field}__lte": horizon, f"{done_field}__isnull": True},
            status__in=Ticket.OPEN_STATES,
            station__isnull=False,
        )
        if leg == "complete":
            soon &= Q(paused_at__isnull=True)
        rows = list(Ticket.objects.filter(soon).values_list("pk", "number", "station_id", "technician_id", due_field))
        coordinators: dict[int, list[int]] = {}
        for pk, number, station_id, technician_id, due in rows:
            if station_id not in coordinators:
                coordinators[station_id] = repairnet_selectors.notification_recipient_ids(
                    role_names=(roles.COORDINATOR,), station_id=station_id
                )
            recipients = coordinators[station_id] + ([technician_id] if technician_id else [])
            outbox.enqueue(
                event=OutboxEvent.SLA_DUE_SOON,
                key=f"sla_due_soon:{pk}:{leg}:{due.isoformat()}",
                user_ids=recipients,
                context={"number": number, "leg": leg, "due": timezone.localtime(due).strftime("%m-%d %H:%M")},
                url=reverse("tickets:detail", args=[pk]),
                now=now,
            )
            warned += 1
    return warned


# --- callbacks (回访) ---------------------------------------------------------------------------


def callbacks_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Escalate overdue callbacks once (and record it), and backfill the callback of any completed ticket that
    has none (tickets completed before callbacks were opened at completion, or imported).

    The queue does not depend on this sweep: ``ticket_complete`` opens the callback with its due time, and the
    queue reads due times (``selectors.callback_list``), so ``make run`` without beat shows every callback."""
    now = now or timezone.now()
    created = _callbacks_backfill()
    overdue_ids = list(
        Callback.objects.filter(status=Callback.Status.OPEN, due_at__lt=now, escalated_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    escalated = Callback.objects.filter(pk__in=overdue_ids, escalated_at__isnull=True).update(escalated_at=now)
    for callback in Callback.objects.filter(pk__in=overdue_ids).select_related("ticket__customer", "ticket__station")[
        :500
    ]:
        with transaction.atomic():
            audit_record(obj=callback.ticket, verb="callback_overdue", note=_("Callback overdue; escalated to HQ."))
            # the customer can answer the callback on the self-service page or by calling the hotline
            outbox.enqueue(
                event=OutboxEvent.CALLBACK_DUE,
                key=f"callback_due:{callback.pk}",
                phones=[callback.ticket.customer.phone],
                context=customer_context(callback.ticket),
                now=now,
            )
    return {"created": created, "escalated": escalated}


def _callbacks_backfill() -> int:
    """Open the callback of every completed ticket that has none (one anti-join on an index; idempotent).

    ``ticket_complete`` opens it already; this catches tickets completed otherwise (imports, the demo data). Only
    the sweep calls it: the queue pages and the API only read."""
    pending = Ticket.objects.filter(
        status=S.COMPLETED, callback__isnull=True, callback_due_at__isnull=False
    ).values_list("pk", "callback_due_at")
    batch = [Callback(ticket_id=pk, due_at=due) for pk, due in pending.iterator(chunk_size=2000)]
    if batch:
        Callback.objects.bulk_create(batch, ignore_conflicts=True, batch_size=1000)
    return len(batch)


def _callback_lock(callback_id: int) -> Callback:
    return Callback.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=callback_id)


def _callback_finish(callback: Callback, *, outcome: str, actor, now) -> None:
    callback.status, callback.outcome, callback.completed_at = Callback.Status.DONE, outcome, now
    callback.agent = actor if getattr(actor, "is_authenticated", False) else callback.agent
    callback.save()
    ticket = _lock(callback.ticket_id)
    ticket_transition(
        ticket=ticket,
        to=S.CLOSED,
        actor=actor,
        verb="close_on_callback",
        fields={"closed_at": now},
        data={"outcome": outcome},
    )
    rollup.station_day_refresh_for_ticket(ticket=ticket)


def _callback_answer(
    callback: Callback,
    *,
    actor,
    channel: str,
    repaired: bool | None,
    technician_on_time: bool | None,
    charges_correct: bool | None,
    satisfaction: int | None,
    comments: str,
    grievance: str,
    complaint_category: str,
    now,
) -> None:
    """The customer answered (reached by the agent, or on the self-service page): record it, finish the callback
    and close the ticket. Not repaired → repeat-repair ticket; a grievance → complaint (both by an agent)."""
    errors = {}
    if repaired is None:
        errors["repaired"] = _("Ask whether the repair is confirmed.")
    if satisfaction is not None and not 1 <= int(satisfaction) <= 5:
        errors["satisfaction"] = _("Satisfaction is from 1 to 5.")
    if errors:
        raise ValidationError(errors)
    callback.technician_on_time, callback.charges_correct = technician_on_time, charges_correct
    callback.satisfaction = int(satisfaction) if satisfaction is not None else None
    callback.comments = comments or ""
    callback.channel = channel
    if not repaired:
        outcome = Callback.Outcome.NOT_REPAIRED
    elif (grievance or "").strip():
        outcome = Callback.Outcome.DISPUTED
    else:
        outcome = Callback.Outcome.CONFIRMED
    ticket = callback.ticket
    _callback_finish(callback, outcome=outcome, actor=actor, now=now)
    audit_record(
        obj=ticket,
        verb="callback_attempt",
        actor=actor,
        note=comments,
        data={"reached": True, "outcome": outcome, "channel": channel},
    )
    if (grievance or "").strip():
        complaint_create(
            actor=actor,
            ticket_id=ticket.pk,
            category=complaint_category,
            description=grievance,
            source=Complaint.Source.CALLBACK,
            now=now,
        )
    if not repaired:
        ticket_create(
            actor=actor,
            customer_id=ticket.customer_id,
            serial=ticket.device.serial,
            fault_category=ticket.fault_category,
            description=_("Repeat repair of %(number)s: %(comments)s")
            % {"number": ticket.number, "comments": comments},
            service_mode=ticket.service_mode,
            repeat_of=ticket,
            now=now,
        )


@transaction.atomic
def callback_attempt(
    *,
    callback_id: int,
    actor,
    reached: bool,
    repaired: bool | None = None,
    technician_on_time: bool | None = None,
    charges_correct: bool | None = None,
    satisfaction: int | None = None,
    comments: str = "",
    grievance: str = "",
    complaint_category: str = Complaint.Category.OTHER,
    now=None,
) -> Callback:
    """One call to the customer. Unreached 3 times → unreachable. Not repaired → repeat-repair ticket;
    a grievance → complaint. The ticket closes when the callback ends."""
    callback = _callback_lock(callback_id)
    roles.require(actor, "callbacks.make", callback)
    ensure(callback.status == Callback.Status.OPEN, _("This callback is already finished."), "callback_done")
    now = now or timezone.now()
    CallbackAttempt.objects.create(callback=callback, reached=reached, actor=actor, note=(comments or "")[:200])
    callback.attempts += 1
    if not reached:
        if callback.attempts >= setting("CALLBACK_MAX_ATTEMPTS"):
            _callback_finish(callback, outcome=Callback.Outcome.UNREACHABLE, actor=actor, now=now)
        else:
            callback.save(update_fields=["attempts"])
        audit_record(obj=callback.ticket, verb="callback_attempt", actor=actor, note=comments, data={"reached": False})
        return callback
    _callback_answer(
        callback,
        actor=actor,
        channel=Callback.Channel.AGENT,
        repaired=repaired,
        technician_on_time=technician_on_time,
        charges_correct=charges_correct,
        satisfaction=satisfaction,
        comments=comments,
        grievance=grievance,
        complaint_category=complaint_category,
        now=now,
    )
    return callback


@transaction.atomic
def callback_answer_by_customer(
    *, access: str, confirmed: bool, satisfaction: int | None = None, comments: str = "", now=None
) -> Callback:
    """The customer's answer on the self-service page, the callback's self-service channel (SPEC 2.6).

    ``access`` is the signed look-up (``self_service_access_issue``): the customer proved the ticket number and
    the phone's last four digits. A confirmation finishes the callback as an agent's reached call would, through
    the same rules, and closes the ticket. A dispute keeps the callback open with what the customer wrote, for the
    agent to call back: repeat repairs and complaints are opened by an agent (SPEC 2.7). One answer per callback,
    so a double submit records once."""
    ticket_id = self_service_ticket_id(access=access)
    ticket = Ticket.objects.get(pk=ticket_id)
    if ticket.status == S.COMPLETED and ticket.callback_due_at is not None:
        callback_open(ticket=ticket)  # a completion imported without its callback still gets one
    callback = Callback.objects.select_for_update(of=("self",)).select_related("ticket").filter(ticket=ticket).first()
    ensure(callback is not None, _("The repair is not completed yet."), "not_completed")
    ensure(
        callback.status == Callback.Status.OPEN and callback.customer_answered_at is None,
        _("Your answer about this repair is already recorded. Thank you."),
        "callback_answered",
    )
    now = now or timezone.now()
    comments = (comments or "").strip()
    callback.customer_answered_at = now
    if confirmed:
        _callback_answer(
            callback,
            actor=None,
            channel=Callback.Channel.SELF_SERVICE,
            repaired=True,
            technician_on_time=None,
            charges_correct=None,
            satisfaction=satisfaction,
            comments=comments,
            grievance="",
            complaint_category=Complaint.Category.OTHER,
            now=now,
        )
        return callback
    ensure(bool(comments), _("Tell us what is wrong with the repair."), "dispute_required", field="comments")
    callback.channel, callback.customer_dispute = Callback.Channel.SELF_SERVICE, comments
    callback.save(update_fields=["channel", "customer_answered_at", "customer_dispute"])
    audit_record(
        obj=callback.ticket,
        verb="callback_disputed_by_customer",
        note=comments,
        data={"channel": Callback.Channel.SELF_SERVICE},
    )
    return callback
