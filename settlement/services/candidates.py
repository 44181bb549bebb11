"""The ticket query: the month's candidate tickets for a chunk of stations, classified in SQL."""

import datetime

from django.db.models import Case, CharField, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Concat, Left, NullIf, Trim, TruncDate

from spares import selectors as spares_selectors
from stations import selectors as stations_selectors
from tickets.models import Callback, Ticket

from ..models import ExcludedTicket, FeeKind, StatementLine
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
    on_other_statement = StatementLine.objects.filter(ticket_id=OuterRef("pk")).exclude(statement__month=month)
    no_fault = Q(no_fault_found=True)  # the repair report's outcome, owned by tickets; never the free text
    certified = _certified_expression()
    outcome = Callback.Outcome
    base = (
        Ticket.objects.filter(station_id__in=station_ids, status__in=(Ticket.Status.COMPLETED, Ticket.Status.CLOSED))
        .exclude(Exists(on_other_statement))
        .annotate(completed_day=TruncDate("completed_at"), swapped=_swap_expression(), certified=certified)
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
            detail=Value(""),
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
