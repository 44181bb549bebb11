"""The monthly run: drafts rebuilt chunk by chunk, statement totals in SQL, the queued task body.

The run classifies the tickets of the month in SQL (one ``Case`` annotation per question) into a
temporary table, writes lines and exclusions from it with ``INSERT … SELECT`` and sums the statements in
SQL — a constant number of queries, whatever the number of tickets. It reads the month's tickets through
the index on ``completed_at`` and the earlier waiting ones by id, so its cost does not grow with the
history. Stations are processed in chunks, each chunk in its own transaction, so finance can watch the
progress; statements that are no longer drafts are never touched.
"""

import datetime
import logging

from django.db import connection, transaction
from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from repairnet import roles
from repairnet.money import ZERO
from repairnet.services import audit_record, ensure, ensure_permitted, setting
from tickets.models import Ticket

from ..models import Adjustment, ExcludedTicket, SettlementRun, Statement, StatementLine, WithheldTicket
from .adjustments import _external_adjustments, _insert_sla_deductions, _sla_breaches
from .classify import _Candidates
from .fees import RuleBook

log = logging.getLogger("repairnet.settlement")

CHUNK_STATIONS = 100


# ------------------------------------------------------------------------------------------ the run
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

        external = _external_adjustments(station_ids=open_ids, month=month, book=book)
        adjustments = external.rows
        used_refs = set(
            Adjustment.objects.filter(
                source_ref__in=[a["source_ref"] for a in adjustments], statement__station_id__in=open_ids
            )
            .exclude(statement__month=month)
            .values_list("source_ref", flat=True)
        )
        # booked on another month already: not again (a clawback goes with its penalty)
        adjustments = [a for a in adjustments if a["source_ref"] not in used_refs and a.get("pair") not in used_refs]
        # before the candidates are classified: a withheld ticket is excluded from this run on
        _tickets_withhold(external.withheld, run=run)
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
        for sid, texts in external.notes.items():  # rare: a penalty waiting for another month's approval
            if sid in statement_ids:
                Statement.objects.filter(pk=statement_ids[sid]).update(notes=texts)
        # a draft with nothing left in it (e.g. every ticket moved on) is removed
        _deleted, removed = (
            Statement.objects.filter(pk__in=ids, status=Statement.Status.DRAFT, lines_count=0, excluded_count=0)
            .exclude(Exists(Adjustment.objects.filter(statement_id=OuterRef("pk"))))
            .delete()
        )
        counts["drafts"] = len(ids) - removed.get(Statement._meta.label, 0)
    return counts


def _tickets_withhold(rows: list[dict], *, run: SettlementRun | None) -> None:
    """Record the tickets of approved fabricated/duplicate-ticket records as never to be paid (once per ticket),
    each with an audit row on the ticket: who ran the month (none for the scheduled job), when, and why."""
    if not rows:
        return
    known = set(
        WithheldTicket.objects.filter(ticket_id__in=[r["ticket_id"] for r in rows]).values_list("ticket_id", flat=True)
    )
    new = {r["ticket_id"]: r for r in rows if r["ticket_id"] not in known}
    if not new:
        return
    actor = run.requested_by if run is not None else None
    WithheldTicket.objects.bulk_create(
        [
            WithheldTicket(ticket_id=r["ticket_id"], station_id=r["station_id"], sanction_id=r["sanction_id"])
            for r in new.values()
        ],
        ignore_conflicts=True,
    )
    for ticket_id, r in new.items():
        audit_record(
            obj=Ticket(pk=ticket_id),
            verb="settlement_withheld",
            actor=actor,
            note=_("Never paid: fabricated or duplicate ticket (approved reward/penalty record #%(id)s).")
            % {"id": r["sanction_id"]},
            data={"sanction": r["sanction_id"], "ticket": r["number"]},
        )


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
            SettlementRun.objects.filter(pk=run.pk).update(
                progress=int(index * 100 / len(chunks)), heartbeat_at=timezone.now()
            )
    return totals


def _lease_expired_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=setting("RUN_LEASE_SECONDS"))


def _run_dispatch(run: SettlementRun) -> bool:
    """Hand the run to the broker; False when it cannot be reached (the recovery sweep tries again)."""
    from ..tasks import settlement_run_task

    try:
        settlement_run_task.apply_async((run.pk,), ignore_result=True)
    except (KombuOperationalError, OSError):
        log.warning("settlement run %s: the job queue is unreachable; it stays queued", run.pk)
        return False
    SettlementRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now())
    return True


def settlement_run_start(*, month: datetime.date, actor, queue: bool = True) -> SettlementRun:
    """Finance asks for a month: record the run, then hand it to the job queue (``run.waiting_for_queue``
    tells the caller the broker could not be reached).

    A month already queued or running returns that run (a queued one is handed over again: the broker may
    have been down); one whose worker died is recovered first.
    """
    if actor is not None:
        ensure_permitted(roles.can(actor, "settlement.run"))
    month = month.replace(day=1)
    ensure(month <= timezone.localdate().replace(day=1), _("The month must not be in the future."), code="future_month")
    settlement_runs_recover(month=month, dispatch=False)
    with transaction.atomic():
        run = (
            SettlementRun.objects.select_for_update()
            .filter(month=month, status__in=(SettlementRun.Status.QUEUED, SettlementRun.Status.RUNNING))
            .first()
        )
        if run is None:
            run = SettlementRun.objects.create(month=month, requested_by=actor if actor else None)
            audit_record(obj=run, verb="settlement_run_requested", actor=actor, data={"month": f"{month:%Y-%m}"})
    if queue and run.status == SettlementRun.Status.QUEUED:
        _run_dispatch(run)
        run.refresh_from_db()
    return run


def settlement_run_execute(*, run_id: int) -> SettlementRun:
    """Do a queued run (the task body). Idempotent: a finished run, or one another live worker holds, is left.

    A run whose lease expired lost its worker (killed, out of memory, redelivered by the broker): taking
    it again is safe, because each chunk is its own transaction and the drafts are rebuilt from scratch.
    """
    run = SettlementRun.objects.get(pk=run_id)
    now = timezone.now()
    claimed = (
        SettlementRun.objects.filter(pk=run.pk, attempts__lt=setting("RUN_MAX_ATTEMPTS"))
        .filter(
            Q(status=SettlementRun.Status.QUEUED)
            | Q(status=SettlementRun.Status.RUNNING, heartbeat_at__lt=_lease_expired_before(now))
        )
        .update(
            status=SettlementRun.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            progress=0,
        )
    )
    if not claimed:  # done, failed, out of attempts, or a live worker has it
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


def settlement_runs_recover(*, month: datetime.date | None = None, dispatch: bool = True) -> dict:
    """The sweep (every 2 minutes, and before finance starts a month): find runs that lost their worker.

    A running run whose lease expired is queued again, or marked failed once it has used its attempts; a
    queued run the broker never took (or took longer than a lease ago without starting) is handed over again.
    """
    now = timezone.now()
    expired = _lease_expired_before(now)
    runs = SettlementRun.objects.all() if month is None else SettlementRun.objects.filter(month=month)
    counts = {"requeued": 0, "failed": 0, "dispatched": 0}
    with transaction.atomic():
        for run in runs.select_for_update(skip_locked=True).filter(
            status=SettlementRun.Status.RUNNING, heartbeat_at__lt=expired
        ):
            if run.attempts >= setting("RUN_MAX_ATTEMPTS"):
                run.status, run.finished_at = SettlementRun.Status.FAILED, now
                run.message = _("Its worker stopped %(n)s times before finishing; start the run again.") % {
                    "n": run.attempts
                }
                counts["failed"] += 1
            else:
                run.status, run.dispatched_at = SettlementRun.Status.QUEUED, None
                run.message = _("Its worker stopped at %(progress)s%%; queued again.") % {"progress": run.progress}
                counts["requeued"] += 1
            run.save(update_fields=["status", "finished_at", "dispatched_at", "message"])
            audit_record(obj=run, verb="settlement_run_recovered", actor=None, data={"to": run.status})
    if dispatch:
        waiting = runs.filter(status=SettlementRun.Status.QUEUED).filter(
            Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=expired)
        )
        counts["dispatched"] = sum(_run_dispatch(run) for run in waiting)
    return counts
