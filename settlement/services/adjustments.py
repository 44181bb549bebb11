"""The run's computed adjustments: SLA breach deductions, rewards/penalties and parts charged."""

import datetime

from django.db import connection
from django.db.models import Case, CharField, DecimalField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Concat, Left, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet.money import quantize
from spares import selectors as spares_selectors
from stations import selectors as stations_selectors
from tickets.models import SlaBreach

from ..models import Adjustment, FeeKind, Statement
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


def _external_adjustments(*, station_ids, month: datetime.date, book: RuleBook) -> list[dict]:
    """Approved rewards/penalties (stations) and parts charged (spares) — each with a stable source reference."""
    rows: list[dict] = []
    for s in stations_selectors.sanctions_for_settlement(station_ids=station_ids, year=month.year, month=month.month):
        amount = quantize(s.amount)
        if amount:
            rows.append(
                {
                    "station_id": s.station_id,
                    "kind": Adjustment.Kind.SANCTION,
                    "amount": amount,
                    "description": str(getattr(s, "rule", "") or _("Reward or penalty")),
                    "source_ref": f"sanction:{s.id}",
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
    return rows
