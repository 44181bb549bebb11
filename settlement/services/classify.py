"""The run's temporary table: the chunk's classified candidates, same-serial window, prices, inserts."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet.money import ZERO, quantize
from repairnet.services import setting
from tickets.models import Ticket

from ..models import ExcludedTicket, FeeKind, FeeRule, Statement, StatementLine
from .candidates import PAID_OUTCOMES, _candidate_tickets
from .fees import FEE_KINDS_FOR_TICKETS, RuleBook
from .months import month_bounds


class _Explainer:
    """Why a line counts, in the user's language; the sentence is built once per distinct case."""

    def __init__(self):
        self.cache: dict[tuple, str] = {}
        self.outcomes = {
            "confirmed": str(_("callback confirmed")),
            "unreachable": str(_("customer unreachable after 3 calls")),
            "confirmed_after_dispute": str(_("callback dispute not upheld by the complaint")),
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
                for outcome in PAID_OUTCOMES:
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
        values = {
            **self.COMMON,
            "reason": "c.exclusion",
            "detail": "c.detail",
            "complaint_id": (
                "CASE WHEN c.exclusion = %s THEN c.complaint_id END",
                [ExcludedTicket.Reason.CALLBACK_DISPUTED.value],
            ),
        }
        return self._insert(ExcludedTicket, values, "c.exclusion <> ''")

    def drop(self) -> None:
        self.cursor.execute(f"DROP TABLE {self.q(self.table)}")


def _datetime_reader():
    """Convert a ``completed_at`` read with a raw cursor as the ORM would (SQLite returns text)."""
    column = Ticket._meta.get_field("completed_at").get_col(Ticket._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)

    def read(value) -> datetime.datetime:
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return read
