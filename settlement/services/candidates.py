"""The ticket query: the month's candidate tickets for a chunk of stations, classified in SQL."""

import datetime

from django.db.models import Case, CharField, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Left, NullIf, Trim, TruncDate
from django.utils.translation import gettext as _

from fraud import selectors as fraud_selectors
from spares import selectors as spares_selectors
from stations import selectors as stations_selectors
from tickets.models import Callback, Complaint, Ticket

from ..models import ExcludedTicket, FeeKind, StatementLine, WithheldTicket
from .fees import RuleBook
from .months import month_bounds

# The callback outcomes a fee is paid on; the others wait (pending, disputed) or exclude the ticket.
PAID_OUTCOMES = (Callback.Outcome.CONFIRMED, Callback.Outcome.UNREACHABLE, Callback.Outcome.CONFIRMED_AFTER_DISPUTE)


# --------------------------------------------------------------------------------------- ticket query
def _certified_expression():
    """SQL: did the technician hold a valid repair-technician certificate on the completion day?

    Stations' rule (``stations.selectors.certified_on``, the one owner of "certified on a day"), read in one
    subquery: a certificate revoked with effect from the 20th still pays the work completed before the 20th.
    """
    return stations_selectors.certified_on(OuterRef("technician_id"), OuterRef("completed_day"))


def _swap_expression():
    """SQL: did the ticket swap a spare machine? (spares' rule, read in one subquery)."""
    return spares_selectors.swapped_for_ticket(OuterRef("pk"))


def _rule_in_force(book: RuleBook, kind: str):
    """SQL: the id of the ``kind`` rule in force on the completion day (the latest one first, as RuleBook.rule)."""
    whens = []
    for rule in reversed(book.by_kind.get(kind, ())):
        period = Q(completed_day__gte=rule.effective_from)
        if rule.effective_to is not None:
            period &= Q(completed_day__lte=rule.effective_to)
        whens.append(When(period, then=Value(rule.pk)))
    if not whens:
        return Value(None, output_field=IntegerField())
    return Case(*whens, default=None, output_field=IntegerField())


def _complaint_waited_on():
    """SQL: the complaint a disputed callback waits on — the ticket's complaint still open (the one the callback
    opened first), else its latest one. Any complaint on the ticket settles the dispute when resolved
    (``tickets.services.complaint_resolve``), so the page names the one still to be decided."""
    complaints = Complaint.objects.filter(ticket_id=OuterRef("pk")).order_by(
        Case(When(status=Complaint.Status.RESOLVED, then=Value(1)), default=Value(0)),
        Case(When(source=Complaint.Source.CALLBACK, then=Value(0)), default=Value(1)),
        "pk",
    )
    return Subquery(complaints.values("pk")[:1], output_field=IntegerField())


def _withheld_detail():
    """SQL: "reward/penalty record #N" for a withheld ticket, N read from settlement's record of it."""
    marker = "\x00"
    before, _sep, after = (_("Reward/penalty record #%(number)s") % {"number": marker}).partition(marker)
    sanction = WithheldTicket.objects.filter(ticket_id=OuterRef("pk")).values("sanction_id")[:1]
    number = Cast(Subquery(sanction, output_field=IntegerField()), CharField())
    return Left(Concat(Value(before), number, Value(after), output_field=CharField()), 300)


def _withheld_ids(*, station_ids, start, end, waiting_ids) -> list[int]:
    """The chunk's candidate tickets settlement withholds for good (an approved fabricated/duplicate-ticket
    penalty): completed in the month or waiting from before. A handful at most, read through their own table."""
    return list(
        WithheldTicket.objects.filter(station_id__in=station_ids)
        .filter(Q(ticket__completed_at__gte=start, ticket__completed_at__lt=end) | Q(ticket_id__in=waiting_ids))
        .order_by()
        .values_list("ticket_id", flat=True)
    )


def _candidate_tickets(*, station_ids, month: datetime.date, book: RuleBook) -> list:
    """Tickets to settle for these stations this month, classified in SQL, as two queries on indexes.

    Completed in the month (a range on ``completed_at``), plus the earlier tickets this area recorded as
    waiting (callback pending or disputed, found through the partial index on the waiting exclusions) and
    never paid since; a ticket already on another month's statement never appears again. Each row says
    which fee rule pays the ticket (``rule_id``: what it is paid for, by the rule in force on its completion
    day) and why it earns nothing (``exclusion``, '' when it counts); every subquery runs once per ticket.
    """
    start, end = month_bounds(month)
    reason = ExcludedTicket.Reason
    waiting_ids = list(_waiting_earlier(station_ids=station_ids, month=month))
    withheld_ids = _withheld_ids(station_ids=station_ids, start=start, end=end, waiting_ids=waiting_ids)
    withheld = [When(pk__in=withheld_ids, then=Value(reason.FABRICATED.value))] if withheld_ids else []
    on_other_statement = StatementLine.objects.filter(ticket_id=OuterRef("pk")).exclude(statement__month=month)
    no_fault = Q(no_fault_found=True)  # the repair report's outcome, owned by tickets; never the free text
    certified = _certified_expression()
    outcome = Callback.Outcome
    base = (
        Ticket.objects.filter(station_id__in=station_ids, status__in=(Ticket.Status.COMPLETED, Ticket.Status.CLOSED))
        .exclude(Exists(on_other_statement))
        .annotate(
            completed_day=TruncDate("completed_at"),
            swapped=_swap_expression(),
            certified=certified,
            fraud_confirmed=fraud_selectors.fraud_confirmed(OuterRef("pk")),
        )
        .annotate(
            rule_id=Case(
                When(swapped=True, then=_rule_in_force(book, FeeKind.SWAP)),
                When(
                    fault_category=Ticket.FaultCategory.ACCESSORY,
                    then=_rule_in_force(book, FeeKind.ACCESSORY_REPLACEMENT),
                ),
                When(no_fault, then=_rule_in_force(book, FeeKind.NO_FAULT_FOUND)),
                When(service_mode=Ticket.ServiceMode.ONSITE, then=_rule_in_force(book, FeeKind.ONSITE_REPAIR)),
                When(
                    service_mode__in=(Ticket.ServiceMode.CARRY_IN, Ticket.ServiceMode.MAIL_IN),
                    then=_rule_in_force(book, FeeKind.CARRY_IN_REPAIR),
                ),
                default=None,
                output_field=IntegerField(),
            ),
            exclusion=Case(
                *withheld,
                When(fraud_confirmed=True, then=Value(reason.FRAUD_CONFIRMED.value)),
                When(in_warranty=False, then=Value(reason.OUT_OF_WARRANTY.value)),
                When(is_repeat_repair=True, then=Value(reason.REPEAT_REPAIR.value)),
                When(certified=False, then=Value(reason.UNCERTIFIED.value)),
                When(callback__outcome=outcome.DISPUTED, then=Value(reason.CALLBACK_DISPUTED.value)),
                When(callback__outcome=outcome.NOT_REPAIRED, then=Value(reason.NOT_REPAIRED.value)),
                When(callback__outcome=outcome.DISPUTE_UPHELD, then=Value(reason.COMPLAINT_UPHELD.value)),
                When(
                    callback__outcome__in=PAID_OUTCOMES,
                    then=Value(""),
                ),
                default=Value(reason.CALLBACK_PENDING.value),
                output_field=CharField(),
            ),
        )
        .values(
            "number",
            "station_id",
            "service_mode",
            "completed_at",
            "completed_day",
            "rule_id",
            "exclusion",
            ticket_id=F("pk"),
            serial=F("device__serial"),
            technician_name=Left(
                Coalesce(
                    NullIf(
                        Trim(
                            Concat(
                                Coalesce("technician__last_name", Value("")),
                                Coalesce("technician__first_name", Value("")),
                            )
                        ),
                        Value(""),
                    ),
                    "technician__username",
                    Value(""),
                ),
                100,
            ),
            remote=F("station__is_remote"),
            outcome=Coalesce("callback__outcome", Value("")),
            detail=Case(When(pk__in=withheld_ids, then=_withheld_detail()), default=Value(""))
            if withheld_ids
            else Value(""),
            complaint_id=Case(
                When(callback__outcome=outcome.DISPUTED, then=_complaint_waited_on()),
                default=None,
                output_field=IntegerField(),
            ),
        )
        .order_by()
    )
    branches = [base.filter(completed_at__gte=start, completed_at__lt=end)]
    if waiting_ids:  # by id: the planner cannot mistake them for a scan of the stations' history
        branches.append(base.filter(completed_at__lt=start, pk__in=waiting_ids))
    return branches


def _waiting_earlier(*, station_ids, month: datetime.date):
    """Ids of the earlier tickets this area recorded as waiting (callback pending or disputed) and has not
    paid since. Reads only the waiting exclusions (their partial index), never the stations' old tickets."""
    paid = StatementLine.objects.filter(ticket_id=OuterRef("ticket_id")).exclude(statement__month=month)
    return (
        ExcludedTicket.objects.filter(
            reason__in=ExcludedTicket.WAITING, statement__month__lt=month, statement__station_id__in=station_ids
        )
        .exclude(Exists(paid))
        .order_by()
        .values_list("ticket_id", flat=True)
        .distinct()
    )
