"""Settlement writes: the monthly run (drafts), the statement flow and manual adjustments.

The run classifies every ticket of the month in SQL (one ``Case`` annotation per question), creates
lines, exclusions and adjustments with ``bulk_create`` and sums the statements with ``Sum`` — never a
query per ticket. Stations are processed in chunks, each chunk in its own transaction, so finance can
watch the progress; statements that are no longer drafts are never touched.
"""

import calendar
import datetime
import logging
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, CharField, Count, Exists, OuterRef, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.money import ZERO, quantize
from repairnet.services import apply_transition, audit_record, ensure, ensure_permitted

from .models import Adjustment, ExcludedTicket, FeeKind, FeeRule, SettlementRun, Statement, StatementLine

log = logging.getLogger("repairnet.settlement")

CHUNK_STATIONS = 100
NO_FAULT_MARKERS = ("无故障", "no fault")
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

    Reads stations' ``Certificate`` rows in one subquery (the same rule as
    ``stations.selectors.technician_is_certified``); None when stations has no certificates yet.
    """
    from django.apps import apps

    try:
        certificate = apps.get_model("stations", "Certificate")
    except LookupError:
        return None
    return Exists(
        certificate.objects.filter(
            user_id=OuterRef("technician_id"),
            kind="repair_technician",
            status="valid",
            issued_on__lte=OuterRef("completed_day"),
            expires_on__gte=OuterRef("completed_day"),
        )
    )


def _swap_expression():
    """SQL: did the ticket swap a spare machine? (a ``swap_out`` movement in spares' journal)."""
    from django.apps import apps

    try:
        movement = apps.get_model("spares", "Movement")
    except LookupError:
        return Value(False, output_field=BooleanField())
    return Exists(movement.objects.filter(ticket_id=OuterRef("pk"), type="swap_out"))


def _candidate_tickets(*, station_ids, month: datetime.date):
    """Tickets to settle for these stations this month, with their fee kind and exclusion reason in SQL.

    Completed in the month, plus earlier tickets that were waiting (callback pending or disputed) and
    were never paid; a ticket already on another month's statement never appears again.
    """
    from tickets.models import Callback, Ticket

    start, end = month_bounds(month)
    reason = ExcludedTicket.Reason
    waiting_earlier = ExcludedTicket.objects.filter(
        reason__in=ExcludedTicket.WAITING, statement__month__lt=month, statement__station_id__in=station_ids
    ).values("ticket_id")
    on_other_statement = StatementLine.objects.filter(ticket_id=OuterRef("pk")).exclude(statement__month=month)
    no_fault = Q()
    for marker in NO_FAULT_MARKERS:
        no_fault |= Q(fault_found__icontains=marker)
    certified = _certified_expression()
    qs = (
        Ticket.objects.filter(
            station_id__in=station_ids,
            status__in=(Ticket.Status.COMPLETED, Ticket.Status.CLOSED),
            completed_at__lt=end,
        )
        .filter(Q(completed_at__gte=start) | Q(pk__in=waiting_earlier))
        .exclude(Exists(on_other_statement))
        .annotate(completed_day=TruncDate("completed_at"), swapped=_swap_expression())
    )
    if certified is not None:
        qs = qs.annotate(certified=certified)
    else:
        qs = qs.annotate(certified=Value(True, output_field=BooleanField()))
    outcome = Callback.Outcome
    return (
        qs.annotate(
            fee_kind=Case(
                When(swapped=True, then=Value(FeeKind.SWAP.value)),
                When(fault_category=Ticket.FaultCategory.ACCESSORY, then=Value(FeeKind.ACCESSORY_REPLACEMENT.value)),
                When(no_fault, then=Value(FeeKind.NO_FAULT_FOUND.value)),
                When(service_mode=Ticket.ServiceMode.ONSITE, then=Value(FeeKind.ONSITE_REPAIR.value)),
                When(
                    service_mode__in=(Ticket.ServiceMode.CARRY_IN, Ticket.ServiceMode.MAIL_IN),
                    then=Value(FeeKind.CARRY_IN_REPAIR.value),
                ),
                default=Value(""),
                output_field=CharField(),
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
            "pk",
            "number",
            "station_id",
            "service_mode",
            "completed_at",
            "device__serial",
            "technician__last_name",
            "technician__first_name",
            "technician__username",
            "callback__outcome",
            "fee_kind",
            "exclusion",
        )
        .order_by("station_id", "completed_at", "pk")
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


def _technician_name(row) -> str:
    name = f"{row['technician__last_name'] or ''}{row['technician__first_name'] or ''}".strip()
    return name or (row["technician__username"] or "")


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


def _external_adjustments(*, station_ids, month: datetime.date, book: RuleBook, notes: list[str]) -> list[dict]:
    """SLA breaches, approved rewards/penalties and parts charged — each with a stable source reference."""
    from tickets.models import SlaBreach

    start, end = month_bounds(month)
    rows: list[dict] = []
    for breach in (
        SlaBreach.objects.filter(recorded_at__gte=start, recorded_at__lt=end, ticket__station_id__in=station_ids)
        .values("pk", "leg", "recorded_at", "ticket__number", "ticket__station_id")
        .order_by("pk")
    ):
        rule = book.rule(FeeKind.SLA_BREACH, timezone.localtime(breach["recorded_at"]).date())
        if rule is None or not rule.amount:
            continue
        rows.append(
            {
                "station_id": breach["ticket__station_id"],
                "kind": Adjustment.Kind.SLA_BREACH,
                "amount": -rule.amount,
                "description": _("SLA breach: ticket %(number)s, %(leg)s")
                % {"number": breach["ticket__number"], "leg": breach["leg"]},
                "source_ref": f"sla:{breach['pk']}",
            }
        )
    try:
        from stations.selectors import sanctions_for_settlement
    except ImportError:
        notes.append(str(_("Rewards and penalties are not available yet; none applied.")))
    else:
        for s in sanctions_for_settlement(station_ids=station_ids, year=month.year, month=month.month):
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
    try:
        from spares.selectors import charges_for_settlement
    except ImportError:
        notes.append(str(_("Parts charges are not available yet; none applied.")))
    else:
        for c in charges_for_settlement(station_ids=station_ids, year=month.year, month=month.month):
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
    """Rebuild the drafts of these stations for the month (one transaction)."""
    from stations.models import Station

    counts = {"drafts": 0, "locked": 0, "lines": 0, "excluded": 0}
    dedup_window = datetime.timedelta(days=settings.REPAIRNET["SAME_SERIAL_DEDUP_DAYS"])
    start, _end = month_bounds(month)
    with transaction.atomic():
        existing = {
            s.station_id: s
            for s in Statement.objects.select_for_update().filter(station_id__in=station_ids, month=month)
        }
        locked = {sid for sid, s in existing.items() if s.status != Statement.Status.DRAFT}
        counts["locked"] = len(locked)
        open_ids = [sid for sid in station_ids if sid not in locked]
        drafts = {sid: s for sid, s in existing.items() if sid not in locked}
        # rebuild: computed content of the drafts goes; manual corrections stay
        draft_ids = [s.pk for s in drafts.values()]
        StatementLine.objects.filter(statement_id__in=draft_ids).delete()
        ExcludedTicket.objects.filter(statement_id__in=draft_ids).delete()
        Adjustment.objects.filter(statement_id__in=draft_ids, kind__in=Adjustment.COMPUTED).delete()
        if not open_ids:
            return counts

        notes: list[str] = []
        rows = list(_candidate_tickets(station_ids=open_ids, month=month))
        adjustments = _external_adjustments(station_ids=open_ids, month=month, book=book, notes=notes)
        used_refs = set(
            Adjustment.objects.filter(
                source_ref__in=[a["source_ref"] for a in adjustments], statement__station_id__in=open_ids
            )
            .exclude(statement__month=month)
            .values_list("source_ref", flat=True)
        )
        adjustments = [a for a in adjustments if a["source_ref"] not in used_refs]
        # counted tickets just before the month, for the same-serial window across the month boundary
        last_counted: dict[tuple[int, str], datetime.datetime] = {}
        for sid, serial, completed in (
            StatementLine.objects.filter(
                statement__station_id__in=open_ids,
                completed_at__gte=start - dedup_window,
                completed_at__lt=start,
            )
            .exclude(statement__month=month)
            .values_list("statement__station_id", "serial", "completed_at")
            .order_by("completed_at")
        ):
            last_counted[(sid, serial)] = completed

        stations_with_work = {r["station_id"] for r in rows} | {a["station_id"] for a in adjustments}
        stations_with_work |= set(drafts)
        remote = dict(Station.objects.filter(pk__in=stations_with_work).values_list("pk", "is_remote"))
        provinces = _province_names(stations_with_work)
        snapshot = book.snapshot()
        new = [
            Statement(station_id=sid, month=month, run=run, region_name=provinces.get(sid, ""), rules_snapshot=snapshot)
            for sid in sorted(stations_with_work - set(drafts))
        ]
        Statement.objects.bulk_create(new)
        for s in Statement.objects.filter(station_id__in=[n.station_id for n in new], month=month):
            drafts[s.station_id] = s
        by_station = {sid: drafts[sid].pk for sid in stations_with_work}

        lines, excluded = [], []
        explain = _Explainer()
        for row in rows:
            sid, serial = row["station_id"], row["device__serial"] or ""
            common = {
                "statement_id": by_station[sid],
                "ticket_id": row["pk"],
                "ticket_number": row["number"],
                "completed_at": row["completed_at"],
                "service_mode": row["service_mode"],
                "serial": serial,
            }
            reason, detail = row["exclusion"], ""
            rule = None
            if not reason:
                rule = (
                    book.rule(row["fee_kind"], timezone.localtime(row["completed_at"]).date())
                    if row["fee_kind"]
                    else None
                )
                if rule is None:
                    reason = ExcludedTicket.Reason.NO_FEE
            if not reason:
                previous = last_counted.get((sid, serial))
                if serial and previous is not None and row["completed_at"] - previous <= dedup_window:
                    reason = ExcludedTicket.Reason.DUPLICATE_SERIAL
                    detail = _("Counted already on %(date)s") % {"date": f"{timezone.localtime(previous):%Y-%m-%d}"}
            if reason:
                excluded.append(ExcludedTicket(reason=reason, detail=detail, **common))
                continue
            last_counted[(sid, serial)] = row["completed_at"]
            allowance = rule.remote_allowance if (remote.get(sid) and rule.kind == FeeKind.ONSITE_REPAIR) else ZERO
            lines.append(
                StatementLine(
                    fee_kind=rule.kind,
                    fee=rule.amount,
                    allowance=allowance,
                    amount=quantize(rule.amount + allowance),
                    basis=explain(row["callback__outcome"], rule, allowance),
                    technician_name=_technician_name(row)[:100],
                    **common,
                )
            )
        StatementLine.objects.bulk_create(lines, batch_size=1000)
        ExcludedTicket.objects.bulk_create(excluded, batch_size=1000)
        Adjustment.objects.bulk_create(
            [
                Adjustment(
                    statement_id=by_station[a["station_id"]],
                    kind=a["kind"],
                    amount=a["amount"],
                    description=a["description"][:300],
                    source_ref=a["source_ref"][:100],
                )
                for a in adjustments
            ],
            batch_size=1000,
        )
        statements = list(drafts.values())
        for s in statements:
            s.run, s.rules_snapshot, s.notes = run, snapshot, notes
            s.region_name = provinces.get(s.station_id, s.region_name)
        _recompute_totals(statements)
        # a draft with nothing left in it (e.g. every ticket moved on) is removed
        empty = [s.pk for s in statements if not (s.lines_count or s.excluded_count or s.adjustments_n)]
        Statement.objects.filter(pk__in=empty, status=Statement.Status.DRAFT).delete()
        counts.update(drafts=len(statements) - len(empty), lines=len(lines), excluded=len(excluded))
    return counts


def _recompute_totals(statements: list[Statement]) -> None:
    """Gross, deductions and net of draft statements, summed in SQL, saved with one bulk_update."""
    ids = [s.pk for s in statements]
    line_sums = {
        r["statement_id"]: r
        for r in StatementLine.objects.filter(statement_id__in=ids)
        .values("statement_id")
        .annotate(n=Count("pk"), fees=Sum("fee"), allowances=Sum("allowance"))
        .order_by()
    }
    excluded = dict(
        ExcludedTicket.objects.filter(statement_id__in=ids)
        .values("statement_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("statement_id", "n")
    )
    adj_sums = {
        r["statement_id"]: r
        for r in Adjustment.objects.filter(statement_id__in=ids)
        .values("statement_id")
        .annotate(
            n=Count("pk"),
            plus=Sum("amount", filter=Q(amount__gt=0)),
            minus=Sum("amount", filter=Q(amount__lt=0)),
        )
        .order_by()
    }
    for s in statements:
        lines = line_sums.get(s.pk, {})
        adj = adj_sums.get(s.pk, {})
        s.lines_count = lines.get("n") or 0
        s.excluded_count = excluded.get(s.pk, 0)
        s.adjustments_n = adj.get("n") or 0
        s.fees_total = quantize(lines.get("fees") or ZERO)
        s.allowances_total = quantize(lines.get("allowances") or ZERO)
        s.additions_total = quantize(adj.get("plus") or ZERO)
        s.gross = quantize(s.fees_total + s.allowances_total + s.additions_total)
        s.deductions = quantize(-(adj.get("minus") or ZERO))
        s.net = quantize(s.gross - s.deductions)
    Statement.objects.bulk_update(
        statements,
        [
            "run",
            "region_name",
            "rules_snapshot",
            "notes",
            "lines_count",
            "excluded_count",
            "fees_total",
            "allowances_total",
            "additions_total",
            "gross",
            "deductions",
            "net",
            "updated_at",
        ],
        batch_size=500,
    )


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
    try:
        from stations.services import sanction_mark_settled
    except ImportError:
        return
    sanction_mark_settled(sanction_ids=ids, ref=f"settlement:{statement.month:%Y-%m}:{statement.station.code}")


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
    return apply_transition(
        statement,
        to=Statement.Status.DRAFT if reopen else Statement.Status.CONFIRMED,
        actor=actor,
        note=resolution,
        verb="statement_reopen" if reopen else "statement_dispute_rejected",
        extra_update_fields=("resolution",),
    )


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
    _recompute_totals([statement])
    audit_record(
        obj=statement,
        verb="statement_adjust",
        actor=actor,
        note=description,
        data={"amount": str(adjustment.amount), "kind": kind},
    )
    return adjustment
