"""Fabricated or duplicate tickets (SPEC 1.5): HQ reports one; the station is penalised for it once.

The `fabricated_ticket` record's source_ref ``ticket:<id>`` is the contract with settlement, which claws back
a fee already paid for the ticket and never pays it again.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import audit_record, ensure
from stations.services import sanction_raise

from ..models import Ticket
from .lifecycle import _lock


def fabricated_ref(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


@transaction.atomic
def ticket_report_fabricated(*, ticket_id: int, actor, reason: str) -> Ticket:
    """HQ found the ticket fabricated or a duplicate: the station's −¥200 record (idempotent per ticket)."""
    ticket = _lock(ticket_id)
    roles.require(actor, "tickets.report_fabricated", ticket)
    reason = (reason or "").strip()
    ensure(bool(reason), _("Please give a reason."), "reason_required", field="reason")
    ensure(ticket.station_id is not None, _("The ticket was never dispatched to a station."), "no_station")
    sanction = sanction_raise(
        station=ticket.station,
        rule_code="fabricated_ticket",
        actor=actor,
        note=reason,
        evidence_ref=ticket.number,
        source_ref=fabricated_ref(ticket.pk),
    )
    audit_record(obj=ticket, verb="reported_fabricated", actor=actor, note=reason, data={"sanction": sanction.pk})
    return ticket
