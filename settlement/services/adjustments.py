"""The run's computed adjustments: SLA breach deductions, rewards/penalties, parts charged, fees clawed back."""

import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Case, CharField, DecimalField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Concat, Left, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet.money import quantize
from spares import selectors as spares_selectors
from stations import selectors as stations_selectors
from tickets.models import SlaBreach, Ticket

from ..models import Adjustment, FeeKind, Statement, StatementLine
from .fees import RuleBook
from .months import month_bounds


def _sla_breaches(*, station_ids, month: datetime.date, book: RuleBook):
    """The month's SLA breaches not deducted on another month's statement yet, each with its deduction: the
    SLA rule in force on the day it was recorded (none, or ¥0: no deduction). A queryset, for ``INSERT … SELECT``."""
    start, end = month_bounds(month)
    money = DecimalField(max_digits=12, decimal_places=2)
    whens = []
    for rule in reversed(book.by_kind.get(FeeKind.SLA_BREACH, ())):  # the latest first, as RuleBook.rule
        period = Q(recorded_day__gte=rule.effective_from)
        if rule.effective_to is not None:
            period &= Q(recorded_day__lte=rule.effective_to)
        whens.append(When(period, then=Value(-rule.amount)))
    deduction = Case(*whens, default=None, output_field=money) if whens else Value(None, output_field=money)
    deducted_elsewhere = Adjustment.objects.filter(
        source_ref=OuterRef("ref"), statement__station_id__in=station_ids
    ).exclude(statement__month=month)
    return (
        SlaBreach.objects.filter(recorded_at__gte=start, recorded_at__lt=end, ticket__station_id__in=station_ids)
        .annotate(
            recorded_day=TruncDate("recorded_at"),
            deduction=deduction,
            ref=Concat(Value("sla:"), Cast("pk", CharField())),
        )
        .filter(deduction__lt=0)
        .exclude(Exists(deducted_elsewhere))
        .order_by()
    )


def _insert_sla_deductions(cursor, breaches, *, month: datetime.date) -> None:
    """One adjustment per breach on its station's statement, ``INSERT … SELECT`` (in breach order)."""
    description = _text_expression(
        _("SLA breach: ticket %(number)s, %(leg)s"), number="ticket__number", leg="leg", max_length=300
    )
    sql, params = breaches.values(
        breach=F("pk"),
        station=F("ticket__station_id"),
        amount=F("deduction"),
        description=description,
        source_ref=Left("ref", 100),
    ).query.sql_with_params()
    q = connection.ops.quote_name
    cursor.execute(
        f"""INSERT INTO {q(Adjustment._meta.db_table)}
                (statement_id, kind, amount, description, source_ref, created_at)
            SELECT s.id, %s, x.amount, x.description, x.source_ref, %s FROM ({sql}) x
            JOIN {q(Statement._meta.db_table)} s ON s.station_id = x.station AND s.month = %s
            ORDER BY x.breach""",
        [
            Adjustment.Kind.SLA_BREACH.value,
            connection.ops.adapt_datetimefield_value(timezone.now()),
            *params,
            connection.ops.adapt_datefield_value(month),
        ],
    )


def _text_expression(template: str, *, max_length: int, **fields: str):
    """SQL for ``template % {name: value of field}`` (a translated sentence with placeholders), cut to max_length."""
    marked = template % {name: f"\x00{name}\x00" for name in fields}  # text, name, text, name, …, text
    parts = [F(fields[piece]) if i % 2 else Value(piece) for i, piece in enumerate(marked.split("\x00")) if piece]
    return Left(Concat(*parts) if len(parts) > 1 else parts[0], max_length)


# The fabricated or duplicate-ticket rule (SPEC 1.5) and how its record names the ticket: the contract of
# ``tickets.services.fabricated_ref`` (HQ reports the ticket) and of tests raising it directly.
FABRICATED_RULE = "fabricated_ticket"
TICKET_REF = "ticket:"


class External(NamedTuple):
    """What the run takes from the other areas for a chunk of stations."""

    rows: list[dict]  # adjustments to book: station_id, kind, amount, description, source_ref (+ pair)
    withheld: list[dict]  # tickets never to pay again: ticket_id, station_id, sanction_id, number
    notes: dict[int, list[str]]  # station → why a record waits for a later run


def _fabricated_ticket_id(sanction) -> int | None:
    """The ticket an approved ``fabricated_ticket`` record names (source_ref ``ticket:<id>``), else None."""
    if getattr(getattr(sanction, "rule", None), "code", "") != FABRICATED_RULE:
        return None
    ref = getattr(sanction, "source_ref", "") or ""
    tail = ref[len(TICKET_REF) :] if ref.startswith(TICKET_REF) else ""
    return int(tail) if tail.isdigit() else None


def _fabricated_claims(sanctions, *, month: datetime.date) -> dict[int, dict]:
    """Per fabricated/duplicate-ticket record (by id): its ticket and what was paid for it on another month.

    ``paid`` is the line's amount when the statement holding it is approved or paid (the fee to claw back),
    ``waits`` the month of a statement that holds it but is not approved yet (the record then waits, so the
    clawback matches what is finally paid). A record naming no ticket of its station is a plain penalty."""
    named = {s.id: (s.station_id, tid) for s in sanctions if (tid := _fabricated_ticket_id(s)) is not None}
    if not named:
        return {}
    ticket_ids = {tid for _sid, tid in named.values()}
    tickets = {
        t["pk"]: t for t in Ticket.objects.filter(pk__in=ticket_ids).values("pk", "number", "station_id").order_by()
    }
    lines = {
        line["ticket_id"]: line
        for line in StatementLine.objects.filter(ticket_id__in=ticket_ids)
        .exclude(statement__month=month)
        .values("ticket_id", "amount", "statement__status", "statement__month")
        .order_by()
    }
    claims = {}
    for sanction_id, (station_id, ticket_id) in named.items():
        ticket = tickets.get(ticket_id)
        if ticket is None or ticket["station_id"] != station_id:
            continue
        line = lines.get(ticket_id)
        settled = line is not None and line["statement__status"] in Statement.SETTLED
        claims[sanction_id] = {
            "ticket_id": ticket_id,
            "number": ticket["number"],
            "paid": quantize(line["amount"]) if settled else None,
            "paid_month": line["statement__month"] if line is not None else None,
            "waits": line is not None and not settled,
        }
    return claims


def _external_adjustments(*, station_ids, month: datetime.date, book: RuleBook) -> External:
    """Approved rewards/penalties (stations) and parts charged (spares) — each with a stable source reference —
    and, for an approved fabricated or duplicate-ticket record, the ticket to withhold and the fee to claw back.

    The clawback (``clawback:ticket:<id>``) is minus the amount an approved or paid statement of another month
    paid for the ticket (nothing was paid: no clawback); it travels with its penalty (``pair``), so a penalty
    already booked elsewhere takes its clawback along. While the ticket sits on a statement not approved yet,
    the record waits for a later run (its ticket is withheld already, so a rebuild of that month drops it)."""
    rows: list[dict] = []
    withheld: list[dict] = []
    notes: dict[int, list[str]] = {}
    sanctions = list(
        stations_selectors.sanctions_for_settlement(station_ids=station_ids, year=month.year, month=month.month)
    )
    claims = _fabricated_claims(sanctions, month=month)
    for s in sanctions:
        amount = quantize(s.amount)
        description = str(getattr(s, "rule", "") or _("Reward or penalty"))
        claim = claims.get(s.id)
        if claim is not None:
            withheld.append({"ticket_id": claim["ticket_id"], "station_id": s.station_id, "sanction_id": s.id, **claim})
            if claim["waits"]:
                notes.setdefault(s.station_id, []).append(
                    _(
                        "The fabricated or duplicate-ticket penalty for %(number)s waits until the %(month)s "
                        "statement that holds the ticket is approved."
                    )
                    % {"number": claim["number"], "month": f"{claim['paid_month']:%Y-%m}"}
                )
                continue
            description = f"{description} · {claim['number']}"
        if amount:
            rows.append(
                {
                    "station_id": s.station_id,
                    "kind": Adjustment.Kind.SANCTION,
                    "amount": amount,
                    "description": description,
                    "source_ref": f"sanction:{s.id}",
                }
            )
        if claim is not None and claim["paid"]:
            rows.append(
                {
                    "station_id": s.station_id,
                    "kind": Adjustment.Kind.CLAWBACK,
                    "amount": -claim["paid"],
                    "description": _(
                        "Fee clawed back: fabricated or duplicate ticket %(number)s (paid on the %(month)s statement)"
                    )
                    % {"number": claim["number"], "month": f"{claim['paid_month']:%Y-%m}"},
                    "source_ref": f"clawback:ticket:{claim['ticket_id']}",
                    "pair": f"sanction:{s.id}",
                }
            )
    for c in spares_selectors.charges_for_settlement(station_ids=station_ids, year=month.year, month=month.month):
        amount = quantize(c.amount if hasattr(c, "amount") else c["amount"])
        get = (lambda k, c=c: c[k]) if isinstance(c, dict) else (lambda k, c=c: getattr(c, k))
        if amount:
            rows.append(
                {
                    "station_id": get("station_id"),
                    "kind": Adjustment.Kind.PARTS_CHARGE,
                    "amount": -abs(amount),
                    "description": str(get("description")),
                    "source_ref": f"spares:{get('ref')}",
                }
            )
    return External(rows=rows, withheld=withheld, notes=notes)
