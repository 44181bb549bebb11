"""Settlement writes: the monthly run (drafts), the statement flow and manual adjustments.

The run classifies the tickets of the month in SQL (one ``Case`` annotation per question) into a
temporary table, writes lines and exclusions from it with ``INSERT … SELECT`` and sums the statements in
SQL — a constant number of queries, whatever the number of tickets. It reads the month's tickets through
the index on ``completed_at`` and the earlier waiting ones by id, so its cost does not grow with the
history. Stations are processed in chunks, each chunk in its own transaction, so finance can watch the
progress; statements that are no longer drafts are never touched.
"""

import calendar
import datetime
import logging
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, Left, NullIf, Trim, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.money import ZERO, quantize
from repairnet.services import apply_transition, audit_record, ensure, ensure_permitted, setting
from spares import selectors as spares_selectors
from stations import selectors as stations_selectors
from stations.services import sanction_mark_settled, sanction_release_settlement

from .models import Adjustment, ExcludedTicket, FeeKind, FeeRule, SettlementRun, Statement, StatementLine

log = logging.getLogger("repairnet.settlement")

CHUNK_STATIONS = 100
FEE_KINDS_FOR_TICKETS = (
    FeeKind.ONSITE_REPAIR,
    FeeKind.CARRY_IN_REPAIR,
    FeeKind.SWAP,
    FeeKind.ACCESSORY_REPLACEMENT,
    FeeKind.NO_FAULT_FOUND,
)


# --------------------------------------------------------------------------------------------- months
def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a calendar month in Asia/Shanghai, as aware datetimes."""
    first = month.replace(day=1)
    last_day = calendar.monthrange(first.year, first.month)[1]
    nxt = first + datetime.timedelta(days=last_day)
    tz = timezone.get_default_timezone()
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(nxt, datetime.time.min, tzinfo=tz),
    )


def parse_month(value: str) -> datetime.date:
    """'2026-10' → date(2026, 10, 1); a bad or future month is a user-facing error."""
    try:
        year, month = (int(p) for p in str(value).strip().split("-"))
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a month as YYYY-MM."), code="invalid_month") from None
    if first > timezone.localdate().replace(day=1):
        raise ValidationError(_("The month must not be in the future."), code="future_month")
    return first


def previous_month(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


# ------------------------------------------------------------------------------------------ fee rules
class RuleBook:
    """The fee rules in force during a month, looked up by kind and day without further queries."""

    def __init__(self, month: datetime.date):
        start, end = month_bounds(month)
        last = (end - datetime.timedelta(days=1)).date()
        self.rules = list(
            FeeRule.objects.filter(effective_from__lte=last)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start.date()))
            .order_by("kind", "effective_from")
        )
        self.by_kind: dict[str, list[FeeRule]] = defaultdict(list)
        for rule in self.rules:
            self.by_kind[rule.kind].append(rule)

    def rule(self, kind: str, on: datetime.date) -> FeeRule | None:
        for rule in reversed(self.by_kind.get(kind, ())):
            if rule.effective_from <= on and (rule.effective_to is None or on <= rule.effective_to):
                return rule
        return None

    def snapshot(self) -> dict:
        return {
            "rules": [
                {
                    "id": r.pk,
                    "kind": r.kind,
                    "amount": str(r.amount),
                    "remote_allowance": str(r.remote_allowance),
                    "effective_from": r.effective_from.isoformat(),
                    "effective_to": r.effective_to.isoformat() if r.effective_to else None,
                }
                for r in self.rules
            ]
        }


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
    from tickets.models import Callback, Ticket

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
                When(
                    callback__outcome__in=(outcome.CONFIRMED, outcome.UNREACHABLE),
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


# ------------------------------------------------------------------------------------------ the run
class _Explainer:
    """Why a line counts, in the user's language; the sentence is built once per distinct case."""

    def __init__(self):
        self.cache: dict[tuple, str] = {}
        self.outcomes = {
            "confirmed": str(_("callback confirmed")),
            "unreachable": str(_("customer unreachable after 3 calls")),
        }
        in_warranty, certified = _("In warranty"), _("certified technician")
        self.prefix = f"{in_warranty} · {certified}"

    def __call__(self, outcome: str, rule: FeeRule, allowance: Decimal) -> str:
        key = (outcome, rule.kind, rule.amount, allowance)
        text = self.cache.get(key)
        if text is None:
            parts = [self.prefix, self.outcomes.get(outcome, outcome), f"{FeeKind(rule.kind).label} ¥{rule.amount}"]
            if allowance:
                parts.append(_("remote-area allowance ¥%(amount)s") % {"amount": allowance})
            text = self.cache[key] = " · ".join(str(p) for p in parts)[:300]
        return text


def _province_names(station_ids) -> dict[int, str]:
    """Station → province name (from its first authorised region), for the chart by region."""
    from repairnet.models import Region
    from stations.models import Station

    provinces = {r.code[:2]: r.name for r in Region.objects.filter(level=Region.Level.PROVINCE)}
    names: dict[int, str] = {}
    for station_id, code in (
        Station.regions.through.objects.filter(station_id__in=station_ids)
        .order_by("station_id", "region__code")
        .values_list("station_id", "region__code")
    ):
        names.setdefault(station_id, provinces.get((code or "")[:2], ""))
    return names


def _sla_breaches(*, station_ids, month: datetime.date, book: RuleBook):
    """The month's SLA breaches not deducted on another month's statement yet, each with its deduction: the
    SLA rule in force on the day it was recorded (none, or ¥0: no deduction). A queryset, for ``INSERT … SELECT``."""
    from tickets.models import SlaBreach

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


def _build_chunk(*, station_ids: list[int], month: datetime.date, run: SettlementRun | None, book: RuleBook) -> dict:
    """Rebuild the drafts of these stations for the month (one transaction, a constant number of queries).

    The candidates are classified once into a temporary table; lines and exclusions are then written from
    it with ``INSERT … SELECT`` and the statements summed in SQL (``UPDATE … SET … = (SELECT SUM …)``). Only
    the same-serial window, which depends on the tickets counted before, is decided in Python, and only for
    the few tickets that share a station and serial with another one.
    """
    counts = {"drafts": 0, "locked": 0, "lines": 0, "excluded": 0}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # PostgreSQL would JIT-compile these statements (their estimated cost is high), which takes
            # longer than running them: 0.5–1 s per statement at 100,000 tickets a month.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        existing = {
            s.station_id: s
            for s in Statement.objects.select_for_update().filter(station_id__in=station_ids, month=month)
        }
        locked = {sid for sid, s in existing.items() if s.status != Statement.Status.DRAFT}
        counts["locked"] = len(locked)
        open_ids = [sid for sid in station_ids if sid not in locked]
        drafts = {sid: s.pk for sid, s in existing.items() if sid not in locked}
        # rebuild: computed content of the drafts goes; manual corrections stay
        draft_ids = list(drafts.values())
        StatementLine.objects.filter(statement_id__in=draft_ids).delete()
        ExcludedTicket.objects.filter(statement_id__in=draft_ids).delete()
        Adjustment.objects.filter(statement_id__in=draft_ids, kind__in=Adjustment.COMPUTED).delete()
        if not open_ids:
            return counts

        adjustments = _external_adjustments(station_ids=open_ids, month=month, book=book)
        used_refs = set(
            Adjustment.objects.filter(
                source_ref__in=[a["source_ref"] for a in adjustments], statement__station_id__in=open_ids
            )
            .exclude(statement__month=month)
            .values_list("source_ref", flat=True)
        )
        adjustments = [a for a in adjustments if a["source_ref"] not in used_refs]
        breaches = _sla_breaches(station_ids=open_ids, month=month, book=book)
        with connection.cursor() as cursor:
            candidates = _Candidates(cursor, station_ids=open_ids, month=month, book=book)
            stations_with_work = candidates.station_ids() | {a["station_id"] for a in adjustments} | set(drafts)
            stations_with_work |= set(breaches.values_list("ticket__station_id", flat=True).distinct())
            provinces = _province_names(stations_with_work)
            snapshot = book.snapshot()
            new = [
                Statement(station_id=sid, month=month, run=run, region_name=provinces.get(sid, ""))
                for sid in sorted(stations_with_work - set(drafts))
            ]
            Statement.objects.bulk_create(new)
            statement_ids = dict(
                Statement.objects.filter(station_id__in=stations_with_work, month=month).values_list("station_id", "pk")
            )
            counts["lines"] = candidates.insert_lines()
            counts["excluded"] = candidates.insert_exclusions()
            candidates.drop()
            _insert_sla_deductions(cursor, breaches, month=month)
        Adjustment.objects.bulk_create(
            [
                Adjustment(
                    statement_id=statement_ids[a["station_id"]],
                    kind=a["kind"],
                    amount=a["amount"],
                    description=a["description"][:300],
                    source_ref=a["source_ref"][:100],
                )
                for a in adjustments
            ],
            batch_size=1000,
        )
        ids = list(statement_ids.values())
        region_names = [When(station_id=sid, then=Value(name)) for sid, name in provinces.items()]
        _statement_totals_update(
            statement_ids=ids,
            run=run,
            rules_snapshot=snapshot,
            notes=[],
            region_name=Case(*region_names, default=F("region_name")) if region_names else F("region_name"),
        )
        # a draft with nothing left in it (e.g. every ticket moved on) is removed
        _deleted, removed = (
            Statement.objects.filter(pk__in=ids, status=Statement.Status.DRAFT, lines_count=0, excluded_count=0)
            .exclude(Exists(Adjustment.objects.filter(statement_id=OuterRef("pk"))))
            .delete()
        )
        counts["drafts"] = len(ids) - removed.get(Statement._meta.label, 0)
    return counts


class _Candidates:
    """The chunk's classified candidate tickets, in a temporary table for the length of one transaction."""

    table = "settlement_run_candidates"

    def __init__(self, cursor, *, station_ids: list[int], month: datetime.date, book: RuleBook):
        self.cursor, self.open_ids, self.month, self.book = cursor, station_ids, month, book
        self.q = connection.ops.quote_name
        self.month_param = connection.ops.adapt_datefield_value(month)
        branches = [
            qs.query.sql_with_params() for qs in _candidate_tickets(station_ids=station_ids, month=month, book=book)
        ]
        cursor.execute(f"DROP TABLE IF EXISTS {self.q(self.table)}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {self.q(self.table)} AS {' UNION ALL '.join(sql for sql, _p in branches)}",
            [p for _sql, params in branches for p in params],
        )
        if connection.vendor == "postgresql":
            # a temporary table has no statistics until asked; without them the joins below loop over it
            cursor.execute(f"ANALYZE {self.q(self.table)} (station_id, serial, exclusion)")
        # a ticket that would count but that no fee rule pays
        cursor.execute(
            f"UPDATE {self.q(self.table)} SET exclusion = %s WHERE exclusion = '' AND rule_id IS NULL",
            [ExcludedTicket.Reason.NO_FEE.value],
        )
        self._mark_duplicate_serials()

    def _mark_duplicate_serials(self) -> None:
        """Same serial at the same station within the window of the last counted one: the later one waits out.

        Walks, in completion order, only the tickets sharing a station and serial with another counting
        ticket of the month or with a line counted just before the month (on another month's statement).
        """
        window = datetime.timedelta(days=setting("SAME_SERIAL_DEDUP_DAYS"))
        start, _end = month_bounds(self.month)
        t, lines, statements = (
            self.q(self.table),
            self.q(StatementLine._meta.db_table),
            self.q(Statement._meta.db_table),
        )
        adapt = connection.ops.adapt_datetimefield_value
        # the counting tickets whose station and serial another counting ticket of the month or a line counted
        # in the days before the month also has; read from the temporary table, in completion order
        self.cursor.execute(
            f"""SELECT c.ticket_id, c.station_id, c.serial, c.completed_at FROM {t} c WHERE c.ticket_id IN (
                    SELECT c.ticket_id FROM {t} c JOIN {t} o ON o.station_id = c.station_id AND o.serial = c.serial
                    WHERE c.exclusion = '' AND c.serial <> '' AND o.exclusion = '' AND o.ticket_id <> c.ticket_id
                    UNION
                    SELECT c.ticket_id FROM {t} c
                    JOIN {statements} s ON s.station_id = c.station_id
                    JOIN {lines} l ON l.statement_id = s.id AND l.serial = c.serial
                    WHERE c.exclusion = '' AND c.serial <> '' AND l.completed_at >= %s AND l.completed_at < %s
                    AND s.month <> %s)
                ORDER BY c.completed_at, c.ticket_id""",
            [adapt(start - window), adapt(start), self.month_param],
        )
        read = _datetime_reader()
        sharing = [(pk, sid, serial, read(completed)) for pk, sid, serial, completed in self.cursor.fetchall()]
        last_counted: dict[tuple[int, str], datetime.datetime] = {}
        for sid, serial, completed in (
            StatementLine.objects.filter(
                statement__station_id__in=self.open_ids,
                completed_at__gte=start - window,
                completed_at__lt=start,
                serial__in=RawSQL(f"SELECT serial FROM {t} WHERE exclusion = '' AND serial <> ''", []),
            )
            .exclude(statement__month=self.month)
            .values_list("statement__station_id", "serial", "completed_at")
            .order_by("completed_at")
        ):
            last_counted[(sid, serial)] = completed
        duplicates = []
        for pk, sid, serial, completed in sharing:
            previous = last_counted.get((sid, serial))
            if previous is not None and completed - previous <= window:
                detail = _("Counted already on %(date)s") % {"date": f"{timezone.localtime(previous):%Y-%m-%d}"}
                duplicates.append((pk, detail[:300]))
            else:
                last_counted[(sid, serial)] = completed
        # One UPDATE … FROM (VALUES …) per 10,000 (a NULL id, matching nothing, when there are none).
        batches = [duplicates[i : i + 10_000] for i in range(0, len(duplicates), 10_000)] or [[(None, "")]]
        for batch in batches:
            self.cursor.execute(
                f"""UPDATE {t} SET exclusion = %s, detail = d.column2
                    FROM (VALUES {", ".join(["(CAST(%s AS BIGINT), %s)"] * len(batch))}) AS d
                    WHERE {t}.ticket_id = d.column1""",
                [ExcludedTicket.Reason.DUPLICATE_SERIAL.value, *(p for row in batch for p in row)],
            )

    def station_ids(self) -> set[int]:
        self.cursor.execute(f"SELECT DISTINCT station_id FROM {self.q(self.table)}")
        return {row[0] for row in self.cursor.fetchall()}

    def _prices(self) -> dict[str, tuple[str, list]]:
        """SQL CASE expressions giving each counted ticket its fee kind, fee, allowance, amount and basis.

        They depend only on the rule, the station being remote and the callback outcome, so each distinct
        case is computed here once (with ``quantize`` and the translated explanation) and looked up in SQL.
        """
        from tickets.models import Callback

        explain = _Explainer()
        columns: dict[str, tuple[list[str], list]] = {
            c: ([], []) for c in ("fee_kind", "fee", "allowance", "amount", "basis")
        }
        decimal = connection.ops.adapt_decimalfield_value
        for rule in self.book.rules:
            if rule.kind not in FEE_KINDS_FOR_TICKETS:
                continue
            for remote in (True, False):
                allowance = rule.remote_allowance if (remote and rule.kind == FeeKind.ONSITE_REPAIR) else ZERO
                when = "c.rule_id = %s AND c.remote = %s"
                values = {
                    "fee_kind": rule.kind,
                    "fee": decimal(rule.amount, 12, 2),
                    "allowance": decimal(allowance, 12, 2),
                    "amount": decimal(quantize(rule.amount + allowance), 12, 2),
                }
                for column, value in values.items():
                    sql, params = columns[column]
                    sql.append(f"WHEN {when} THEN %s")
                    params += [rule.pk, remote, value]
                for outcome in (Callback.Outcome.CONFIRMED, Callback.Outcome.UNREACHABLE):
                    sql, params = columns["basis"]
                    sql.append(f"WHEN {when} AND c.outcome = %s THEN %s")
                    params += [rule.pk, remote, outcome.value, explain(outcome.value, rule, allowance)]
        return {
            column: (f"CASE {' '.join(sql)} END" if sql else "NULL", params)
            for column, (sql, params) in columns.items()
        }

    # what lines and exclusions take from the temporary table (c) and the statement of the station (s)
    COMMON = {
        "statement_id": "s.id",
        "ticket_id": "c.ticket_id",
        "ticket_number": "c.number",
        "completed_at": "c.completed_at",
        "service_mode": "c.service_mode",
        "serial": "c.serial",
    }

    def _insert(self, model, values: dict[str, str | tuple[str, list]], where: str) -> int:
        """``INSERT INTO model (columns) SELECT values FROM candidates JOIN statements WHERE where``."""
        select = [value if isinstance(value, tuple) else (value, []) for value in values.values()]
        self.cursor.execute(
            f"""INSERT INTO {self.q(model._meta.db_table)} ({", ".join(self.q(c) for c in values)})
                SELECT {", ".join(sql for sql, _params in select)}
                FROM {self.q(self.table)} c
                JOIN {self.q(Statement._meta.db_table)} s ON s.station_id = c.station_id AND s.month = %s
                WHERE {where}
                ORDER BY c.station_id, c.completed_at, c.ticket_id""",
            [*(p for _sql, params in select for p in params), self.month_param],
        )
        return self.cursor.rowcount

    def insert_lines(self) -> int:
        values = {**self.COMMON, "technician_name": "c.technician_name", **self._prices()}
        return self._insert(StatementLine, values, "c.exclusion = ''")

    def insert_exclusions(self) -> int:
        values = {**self.COMMON, "reason": "c.exclusion", "detail": "c.detail"}
        return self._insert(ExcludedTicket, values, "c.exclusion <> ''")

    def drop(self) -> None:
        self.cursor.execute(f"DROP TABLE {self.q(self.table)}")


def _datetime_reader():
    """Convert a ``completed_at`` read with a raw cursor as the ORM would (SQLite returns text)."""
    from tickets.models import Ticket

    column = Ticket._meta.get_field("completed_at").get_col(Ticket._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)

    def read(value) -> datetime.datetime:
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return read


def _statement_totals_update(*, statement_ids: list[int], **fields) -> None:
    """Counts, sums, gross, deductions and net of draft statements, in SQL: two UPDATEs whatever their number."""
    lines = StatementLine.objects.filter(statement_id=OuterRef("pk")).order_by().values("statement_id")
    excluded = ExcludedTicket.objects.filter(statement_id=OuterRef("pk")).order_by().values("statement_id")
    adjustments = Adjustment.objects.filter(statement_id=OuterRef("pk")).order_by().values("statement_id")
    money = DecimalField(max_digits=12, decimal_places=2)

    def total(qs, expression):
        return Coalesce(Subquery(qs.annotate(v=expression).values("v")), Value(ZERO), output_field=money)

    statements = Statement.objects.filter(pk__in=statement_ids)
    statements.update(
        lines_count=Coalesce(Subquery(lines.annotate(n=Count("pk")).values("n")), 0),
        excluded_count=Coalesce(Subquery(excluded.annotate(n=Count("pk")).values("n")), 0),
        fees_total=total(lines, Sum("fee")),
        allowances_total=total(lines, Sum("allowance")),
        additions_total=total(adjustments.filter(amount__gt=0), Sum("amount")),
        deductions=total(adjustments.filter(amount__lt=0), Sum(-F("amount"), output_field=money)),
        updated_at=timezone.now(),
        **fields,
    )
    gross = F("fees_total") + F("allowances_total") + F("additions_total")
    statements.update(gross=gross, net=gross - F("deductions"))


def settlement_month_build(*, month: datetime.date, run: SettlementRun | None = None) -> dict:
    """Rebuild every draft statement of ``month``; issued and later statements are left as they are."""
    from stations.models import Station

    month = month.replace(day=1)
    book = RuleBook(month)
    station_ids = list(Station.objects.order_by("pk").values_list("pk", flat=True))
    totals = {"stations": len(station_ids), "drafts": 0, "locked": 0, "lines": 0, "excluded": 0}
    chunks = [station_ids[i : i + CHUNK_STATIONS] for i in range(0, len(station_ids), CHUNK_STATIONS)] or [[]]
    for index, chunk in enumerate(chunks, start=1):
        counts = _build_chunk(station_ids=chunk, month=month, run=run, book=book)
        for key, value in counts.items():
            totals[key] += value
        if run is not None:
            SettlementRun.objects.filter(pk=run.pk).update(progress=int(index * 100 / len(chunks)))
    return totals


def settlement_run_start(*, month: datetime.date, actor, queue: bool = True) -> SettlementRun:
    """Finance asks for a month: record the run and queue the task (it runs after commit)."""
    if actor is not None:
        ensure_permitted(roles.can(actor, "settlement.run"))
    month = month.replace(day=1)
    ensure(month <= timezone.localdate().replace(day=1), _("The month must not be in the future."), code="future_month")
    with transaction.atomic():
        busy = SettlementRun.objects.filter(
            month=month, status__in=(SettlementRun.Status.QUEUED, SettlementRun.Status.RUNNING)
        ).first()
        if busy is not None:
            return busy
        run = SettlementRun.objects.create(month=month, requested_by=actor if actor else None)
        audit_record(obj=run, verb="settlement_run_requested", actor=actor, data={"month": f"{month:%Y-%m}"})

    def _queue():
        from .tasks import settlement_run_task

        settlement_run_task.delay(run.pk)

    if queue:
        transaction.on_commit(_queue)
    return run


def settlement_run_execute(*, run_id: int) -> SettlementRun:
    """Do a queued run (the task body). Idempotent: a finished run is not repeated."""
    run = SettlementRun.objects.get(pk=run_id)
    claimed = SettlementRun.objects.filter(pk=run.pk, status=SettlementRun.Status.QUEUED).update(
        status=SettlementRun.Status.RUNNING, started_at=timezone.now(), progress=0
    )
    if not claimed:  # done, failed, or another worker has it
        return run
    try:
        totals = settlement_month_build(month=run.month, run=run)
    except Exception as exc:
        log.exception("settlement run %s failed", run.pk)
        SettlementRun.objects.filter(pk=run.pk).update(
            status=SettlementRun.Status.FAILED, finished_at=timezone.now(), message=repr(exc)[:2000]
        )
        raise
    SettlementRun.objects.filter(pk=run.pk).update(
        status=SettlementRun.Status.DONE,
        finished_at=timezone.now(),
        progress=100,
        stations_count=totals["stations"],
        drafts_count=totals["drafts"],
        locked_count=totals["locked"],
        lines_count=totals["lines"],
        excluded_count=totals["excluded"],
        message=_("%(drafts)s drafts built, %(locked)s statements left untouched.") % totals,
    )
    run.refresh_from_db()
    return run


# ------------------------------------------------------------------------------------------ the flow
def _lock(statement_id: int) -> Statement:
    return Statement.objects.select_for_update().select_related("station").get(pk=statement_id)


@transaction.atomic
def statement_issue(*, statement_id: int, actor, note: str = "") -> Statement:
    """Finance issues a draft to its station; from now on its figures never change."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.issue", statement)
    statement.issued_at = timezone.now()
    apply_transition(
        statement,
        to=Statement.Status.ISSUED,
        actor=actor,
        note=note,
        verb="statement_issue",
        extra_update_fields=("issued_at",),
        data={"net": str(statement.net)},
    )
    _mark_sanctions_settled(statement)
    return statement


def _mark_sanctions_settled(statement: Statement) -> None:
    """Rewards/penalties on an issued statement are consumed: no later month counts them again."""
    refs = statement.adjustments.filter(kind=Adjustment.Kind.SANCTION).values_list("source_ref", flat=True)
    ids = [int(ref.split(":", 1)[1]) for ref in refs if ref.split(":", 1)[1].isdigit()]
    if not ids:
        return
    sanction_mark_settled(sanction_ids=ids, ref=_settled_ref(statement))


def _settled_ref(statement: Statement) -> str:
    """The reference the rewards/penalties settled by ``statement`` carry in stations."""
    return f"settlement:{statement.month:%Y-%m}:{statement.station.code}"


def statements_issue_month(*, month: datetime.date, actor) -> int:
    """Issue every draft of the month (each through statement_issue)."""
    roles.require(actor, "settlement.issue")
    ids = list(
        Statement.objects.filter(month=month.replace(day=1), status=Statement.Status.DRAFT).values_list("pk", flat=True)
    )
    for pk in ids:
        statement_issue(statement_id=pk, actor=actor)
    return len(ids)


@transaction.atomic
def statement_confirm(*, statement_id: int, actor, note: str = "") -> Statement:
    """The station's coordinator confirms their own statement."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.confirm", statement)
    statement.confirmed_at = timezone.now()
    return apply_transition(
        statement,
        to=Statement.Status.CONFIRMED,
        actor=actor,
        note=note,
        verb="statement_confirm",
        extra_update_fields=("confirmed_at",),
    )


@transaction.atomic
def statement_dispute(*, statement_id: int, actor, reason: str) -> Statement:
    """The station's coordinator disputes their own statement, saying why."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.dispute", statement)
    reason = (reason or "").strip()
    ensure(bool(reason), _("Please give a reason."), code="reason_required")
    statement.dispute_reason = reason
    return apply_transition(
        statement,
        to=Statement.Status.DISPUTED,
        actor=actor,
        note=reason,
        verb="statement_dispute",
        extra_update_fields=("dispute_reason",),
    )


@transaction.atomic
def statement_resolve_dispute(*, statement_id: int, actor, resolution: str, reopen: bool) -> Statement:
    """Finance answers a dispute: reopen (back to draft, rebuilt by the next run) or keep the figures (confirmed)."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.resolve", statement)
    resolution = (resolution or "").strip()
    ensure(bool(resolution), _("Please give a reason."), code="reason_required")
    statement.resolution = resolution
    apply_transition(
        statement,
        to=Statement.Status.DRAFT if reopen else Statement.Status.CONFIRMED,
        actor=actor,
        note=resolution,
        verb="statement_reopen" if reopen else "statement_dispute_rejected",
        extra_update_fields=("resolution",),
    )
    if reopen:  # the rebuild drops its computed adjustments; the penalties must be fetchable again
        sanction_release_settlement(settled_ref=_settled_ref(statement), actor=actor)
    return statement


@transaction.atomic
def statement_approve(*, statement_id: int, actor, note: str = "") -> Statement:
    """Finance approves; an approved statement never changes again (corrections go into a later month)."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.approve", statement)
    if statement.status == Statement.Status.DISPUTED:
        ensure(bool(note.strip()), _("Approving a disputed statement needs a reason."), code="reason_required")
    statement.approved_at = timezone.now()
    statement.approved_by = actor
    return apply_transition(
        statement,
        to=Statement.Status.APPROVED,
        actor=actor,
        note=note,
        verb="statement_approve",
        extra_update_fields=("approved_at", "approved_by"),
        data={"net": str(statement.net)},
    )


@transaction.atomic
def statement_record_payment(*, statement_id: int, actor, paid_on: datetime.date, reference: str) -> Statement:
    """Finance records the bank payment of an approved statement (date and reference)."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.pay", statement)
    reference = (reference or "").strip()
    ensure(bool(reference), _("Enter the payment reference."), code="reference_required")
    ensure(paid_on is not None, _("Enter the payment date."), code="date_required")
    ensure(paid_on <= timezone.localdate(), _("The payment date must not be in the future."), code="future_date")
    ensure(paid_on >= statement.month, _("The payment date is before the settled month."), code="date_too_early")
    statement.paid_on, statement.payment_reference = paid_on, reference[:64]
    statement.paid_at, statement.paid_by = timezone.now(), actor
    return apply_transition(
        statement,
        to=Statement.Status.PAID,
        actor=actor,
        note=reference,
        verb="statement_pay",
        extra_update_fields=("paid_on", "payment_reference", "paid_at", "paid_by"),
        data={"paid_on": paid_on.isoformat(), "reference": reference, "net": str(statement.net)},
    )


@transaction.atomic
def adjustment_add(
    *, statement_id: int, amount: Decimal, description: str, actor, kind: str = Adjustment.Kind.MANUAL
) -> Adjustment:
    """Finance adds a manual correction to a DRAFT statement (e.g. for an approved earlier month)."""
    statement = _lock(statement_id)
    roles.require(actor, "settlement.adjust", statement)
    ensure(
        statement.status == Statement.Status.DRAFT,
        _("Only a draft statement can take adjustments; add the correction to a later month."),
        code="not_draft",
    )
    if isinstance(amount, float):
        raise ValidationError(_("Enter an amount with at most 2 decimals."), code="invalid_amount")
    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationError(_("Enter an amount with at most 2 decimals."), code="invalid_amount") from None
    ensure(
        value == quantize(value) and value != 0, _("Enter a non-zero amount with at most 2 decimals."), "invalid_amount"
    )
    description = (description or "").strip()
    ensure(bool(description), _("Describe the correction."), code="description_required")
    seq = Adjustment.objects.filter(statement=statement, kind=Adjustment.Kind.MANUAL).count() + 1
    adjustment = Adjustment.objects.create(
        statement=statement,
        kind=kind,
        amount=quantize(value),
        description=description[:300],
        source_ref=f"manual:{statement.pk}:{seq}:{timezone.now():%Y%m%d%H%M%S%f}",
        created_by=actor,
    )
    _statement_totals_update(statement_ids=[statement.pk])
    audit_record(
        obj=statement,
        verb="statement_adjust",
        actor=actor,
        note=description,
        data={"amount": str(adjustment.amount), "kind": kind},
    )
    return adjustment
