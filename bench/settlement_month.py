"""Benchmark the monthly settlement and the finance workbook: 500 stations, 100,000 tickets in the month.

On top of ``--history-months`` earlier months of the same size (settled, paid, their waiting callbacks
resolved later, as in real life), it measures:

- the month run (``settlement_month_build``), first run (no drafts yet) and rerun (drafts rebuilt): wall
  time and queries;
- ONE hand-written SQL query computing the same per-station figures (valid tickets, labour fees, remote
  allowances: fee rules by completion day, swap / accessory / no-fault classification, certificates,
  callbacks, the earlier waiting tickets and the same-serial window), checked equal to the run's
  statements, and the ratio run / hand SQL;
- the finance workbook export of the month, in a child process so that its own peak RSS is measured.

Everything is generated in SQL (INSERT … SELECT generate_series), so it needs PostgreSQL:

    createdb -h 127.0.0.1 -U postgres rn_settle_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rn_settle_bench .venv/bin/python bench/settlement_month.py \
        [--stations 500] [--tickets 100000] [--history-months 0]

The data is kept: a later call with the same sizes reuses it (another size or more history months need
a fresh database). ``run(args)`` returns the figures as rows of (what, figure, notes) for
``bench/network.py report``; ``prepare`` and ``hand_sql`` also serve a small test on PostgreSQL.
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairnet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PREFIX = "SB"  # bench stations SB0000…, tickets SB<k>-<n> (k = months before the measured month)


def _months_before(month: datetime.date, k: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - k
    return datetime.date(index // 12, index % 12 + 1, 1)


def _max_rss_mib() -> float:
    """This process's peak resident memory: VmHWM (a child started with exec reports its own peak there,
    where ru_maxrss would still show the parent's)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------------------------- data
def _setup_network(stations: int, target: datetime.date) -> None:
    """Stations (every 10th remote), two technicians each (every 40th certificate lapsed before the month)."""
    from django.contrib.auth.models import Group

    from repairnet.models import Region, User
    from spares.models import Item
    from stations.models import Certificate, Station
    from tickets.models import DeviceModel

    if Station.objects.filter(code__startswith=PREFIX).exists():
        return
    region = Region.objects.filter(level=Region.Level.DISTRICT).order_by("code").first()
    rows = Station.objects.bulk_create(
        [
            Station(code=f"{PREFIX}{n:04d}", name=f"基准结算维修站{n}", tier="station", is_remote=n % 10 == 0)
            for n in range(stations)
        ]
    )
    Station.regions.through.objects.bulk_create(
        [Station.regions.through(station_id=s.pk, region_id=region.pk) for s in rows]
    )
    techs = User.objects.bulk_create(
        [
            User(username=f"sb-tech-{s.pk}-{k}", password="!", station_id=s.pk, last_name="王", first_name=f"师傅{k}")
            for s in rows
            for k in range(2)
        ]
    )
    group = Group.objects.get(name="station_technician")
    User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in techs])
    Certificate.objects.bulk_create(
        [
            Certificate(
                number=f"SB-{u.pk}",
                user_id=u.pk,
                kind="repair_technician",
                issued_on=datetime.date(2020, 1, 1),
                expires_on=datetime.date(2099, 1, 1) if i % 40 else target - datetime.timedelta(days=1),
                status="valid",
            )
            for i, u in enumerate(techs)
        ]
    )
    DeviceModel.objects.get_or_create(code="SB-1", defaults={"name": "基准机型", "serial_regex": r"^SB\d+$"})
    Item.objects.get_or_create(code="SB-SPARE", defaults={"name": "基准备用机", "kind": "machine"})


def _fill_people(*, k: int, tickets: int) -> tuple[int, int]:
    """The month's customers (one per 5 tickets) and devices (one per ticket); returns the first device id
    of this month and of the month before (repeat visits go to either)."""
    from tickets.models import DeviceModel

    model = DeviceModel.objects.get(code="SB-1")
    customers = max(1, tickets // 5)
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO tickets_customer (name, phone, phone2, address, carrier_account, created_at)
               SELECT '结算客户' || %s || '-' || g, '+8613' || lpad((%s * %s + g)::text, 9, '0'), '', '地址' || g, '',
                   now()
               FROM generate_series(0, %s - 1) g""",
            [k, k, customers, customers],
        )
        cur.execute("SELECT max(id) - %s + 1 FROM tickets_customer", [customers])
        first_customer = cur.fetchone()[0]
        cur.execute(
            """INSERT INTO tickets_device (model_id, serial, customer_id, has_invoice, created_at)
               SELECT %s, 'SB' || lpad(%s::text, 2, '0') || lpad(g::text, 8, '0'), %s + g %% %s, true, now()
               FROM generate_series(0, %s - 1) g ORDER BY g""",
            [model.pk, k, first_customer, customers, tickets],
        )
        cur.execute("SELECT max(id) - %s + 1 FROM tickets_device", [tickets])
        first = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM tickets_device WHERE serial LIKE %s", [f"SB{k + 1:02d}%"])
        before = cur.fetchone()[0]
    return first, before or first


def _fill_month(*, k: int, month: datetime.date, tickets: int, stations: int) -> None:
    """``tickets`` completed tickets spread over ``month``: one device each, 5 % repeat visits of a device of
    this or the previous month, 90 % at the device's home station; callbacks, SLA breaches and swap
    movements in realistic shares."""
    from repairnet.models import User
    from settlement.services import month_bounds
    from spares.services import location_get
    from stations.models import Station

    start, end = month_bounds(month)
    station_ids = list(Station.objects.filter(code__startswith=PREFIX).order_by("code").values_list("pk", flat=True))
    techs = dict(User.objects.filter(username__startswith="sb-tech-").values_list("username", "pk"))
    tech_ids = [techs[f"sb-tech-{sid}-{j}"] for sid in station_ids for j in range(2)]
    first_device, previous_first = _fill_people(k=k, tickets=tickets)
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
        last_ticket = cur.fetchone()[0]
        cur.execute("SELECT setseed(%s)", [0.1 + k / 1000])
        cur.execute(
            """
            INSERT INTO tickets_ticket (number, customer_id, device_id, fault_category, description, priority,
                service_mode, status, station_id, technician_id, in_warranty, warranty_reason, is_repeat_repair,
                received_at, completed_at, closed_at, paused_seconds, parts_used, charge_amount, charge_consent,
                signoff_name, fault_found, no_fault_found, diagnosis, work_done, cancel_reason, escalated_to,
                photo_before, photo_after, signoff_image, updated_at)
            SELECT %(prefix)s || %(k)s || '-' || lpad(g::text, 7, '0'), d.customer_id, d.id,
                CASE WHEN r.cat < 0.05 THEN 'accessory' ELSE 'no_signal' END, '', 'normal',
                CASE WHEN r.mode < 0.60 THEN 'onsite' WHEN r.mode < 0.90 THEN 'carry_in'
                     WHEN r.mode < 0.98 THEN 'mail_in' ELSE 'phone' END,
                CASE WHEN r.cb < 0.98 THEN 'closed' ELSE 'completed' END,
                (%(stations)s::bigint[])[1 + r.st], (%(techs)s::bigint[])[1 + 2 * r.st + (g %% 2)],
                r.warranty < 0.9, '', r.repeat < 0.03,
                r.done - interval '6 hours', r.done,
                CASE WHEN r.cb < 0.98 THEN r.done + interval '20 hours' END, 0, '[]', 0, false, '',
                CASE WHEN r.nff < 0.03 THEN '无故障，指导使用' ELSE '电源板损坏' END, r.nff < 0.03, '', '更换电源板',
                '', '', '', '', '', r.done
            FROM (
                SELECT g, random() AS cat, random() AS mode, random() AS cb, random() AS warranty,
                       random() AS repeat, random() AS nff, device_id,
                       CASE WHEN random() < 0.9 THEN (device_id %% %(n_st)s)::int
                            ELSE floor(random() * %(n_st)s)::int END AS st,
                       %(start)s::timestamptz + random() * (%(end)s::timestamptz - %(start)s::timestamptz) AS done
                FROM (SELECT g, CASE WHEN random() < 0.95 THEN %(first)s + g
                                     ELSE %(previous)s + floor(random() * (%(first)s + %(n)s - %(previous)s))::bigint
                                END AS device_id
                      FROM generate_series(0, %(n)s - 1) g) s
            ) r
            JOIN tickets_device d ON d.id = r.device_id
            ORDER BY r.done
            """,
            {
                "prefix": PREFIX,
                "k": f"{k:02d}",
                "stations": station_ids,
                "techs": tech_ids,
                "n_st": stations,
                "start": start,
                "end": end,
                "first": first_device,
                "previous": previous_first,
                "n": tickets,
            },
        )
        cur.execute(
            """INSERT INTO tickets_callback (ticket_id, status, due_at, created_at, attempts, outcome, comments,
                   completed_at)
               SELECT id, 'done', completed_at + interval '24 hours', completed_at, 1,
                   CASE WHEN r < 0.867 THEN 'confirmed' WHEN r < 0.949 THEN 'unreachable'
                        WHEN r < 0.980 THEN 'disputed' ELSE 'not_repaired' END, '', closed_at
               FROM (SELECT id, completed_at, closed_at, random() AS r FROM tickets_ticket
                     WHERE id > %s AND status = 'closed') t""",
            [last_ticket],
        )
        cur.execute(
            """INSERT INTO tickets_slabreach (ticket_id, leg, due_at, recorded_at)
               SELECT id, 'complete', completed_at, %s FROM tickets_ticket WHERE id > %s AND id %% 20 = 0""",
            [start + datetime.timedelta(days=3), last_ticket],
        )
        hq, external = location_get(kind="hq"), location_get(kind="external")
        cur.execute(
            """INSERT INTO spares_movement (type, item_id, quantity, from_location_id, to_location_id, station_id,
                   unit_cost, chargeable, ticket_id, ticket_number, note, created_at)
               SELECT 'swap_out', (SELECT id FROM spares_item WHERE code = 'SB-SPARE'), 1, %s, %s, station_id,
                   0, false, id, number, 'bench', completed_at
               FROM tickets_ticket WHERE id > %s AND id %% 50 = 7""",
            [hq.pk, external.pk, last_ticket],
        )


def _settle_history(month: datetime.date) -> None:
    """Settle an earlier month as finance did: run, pay, and resolve its waiting callbacks afterwards."""
    from settlement.models import Statement
    from settlement.services import settlement_month_build

    settlement_month_build(month=month)
    Statement.objects.filter(month=month).update(status=Statement.Status.PAID)
    waiting = """SELECT e.ticket_id FROM settlement_excludedticket e
                 JOIN settlement_statement s ON s.id = e.statement_id
                 WHERE s.month = %s AND e.reason IN ('callback_pending', 'callback_disputed')"""
    with connection.cursor() as cur:
        cur.execute(f"UPDATE tickets_callback SET outcome = 'confirmed' WHERE ticket_id IN ({waiting})", [month])
        cur.execute(
            f"""INSERT INTO tickets_callback (ticket_id, status, due_at, created_at, attempts, outcome, comments,
                    completed_at)
                SELECT t.id, 'done', t.completed_at + interval '24 hours', t.completed_at, 3, 'unreachable', '',
                    t.completed_at + interval '3 days'
                FROM tickets_ticket t WHERE t.id IN ({waiting})
                AND NOT EXISTS (SELECT 1 FROM tickets_callback c WHERE c.ticket_id = t.id)""",
            [month],
        )
        cur.execute(f"UPDATE tickets_ticket SET status = 'closed' WHERE id IN ({waiting})", [month])


def prepare(*, stations: int, tickets: int, history_months: int, month: datetime.date, log=print) -> None:
    """Generate what is missing: the network, the measured month and ``history_months`` settled months."""
    from tickets.models import Ticket

    call_command("migrate", verbosity=0)
    _setup_network(stations, month)
    have = {k: Ticket.objects.filter(number__startswith=f"{PREFIX}{k:02d}-").count() for k in range(history_months + 1)}
    for k, count in have.items():
        if count and count != tickets:
            sys.exit(f"the database holds {count:,} tickets for month -{k}, not {tickets:,}: use a fresh database")
    missing = [k for k, count in have.items() if not count]
    if any(have[j] for j in range(1, history_months + 1) if j < max(missing, default=0)):
        sys.exit("more history months go before months already settled: use a fresh database")
    for k in sorted(missing, reverse=True):
        t0 = time.perf_counter()
        with transaction.atomic():
            _fill_month(k=k, month=_months_before(month, k), tickets=tickets, stations=stations)
        log(f"data: {tickets:,} tickets in {_months_before(month, k):%Y-%m} ({time.perf_counter() - t0:.1f} s)")
    if missing:
        _vacuum()
    from settlement.models import Statement

    for k in range(history_months, 0, -1):
        earlier = _months_before(month, k)
        if not Statement.objects.filter(month=earlier, status=Statement.Status.PAID).exists():
            t0 = time.perf_counter()
            _settle_history(earlier)
            log(f"history: {earlier:%Y-%m} settled and paid ({time.perf_counter() - t0:.1f} s)")
            _vacuum()


def _vacuum() -> None:
    """Fresh statistics after a bulk load (VACUUM too, outside a transaction, as autovacuum would)."""
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


# ------------------------------------------------------------------------------------------ hand SQL
HAND_SQL = """
WITH RECURSIVE
candidates AS (
    SELECT t.id FROM tickets_ticket t
    WHERE t.completed_at >= %(start)s AND t.completed_at < %(end)s
    UNION ALL
    SELECT t.id FROM tickets_ticket t
    WHERE t.completed_at < %(start)s AND t.id IN (
        SELECT e.ticket_id FROM settlement_excludedticket e JOIN settlement_statement s ON s.id = e.statement_id
        WHERE e.reason IN ('callback_pending', 'callback_disputed') AND s.month < %(month)s)
),
valid AS (
    SELECT t.id, t.station_id, t.completed_at, d.serial, st.is_remote,
        CASE WHEN EXISTS (SELECT 1 FROM spares_movement m WHERE m.ticket_id = t.id AND m.type = 'swap_out')
                  THEN 'swap'
             WHEN t.fault_category = 'accessory' THEN 'accessory_replacement'
             WHEN t.no_fault_found THEN 'no_fault_found'
             WHEN t.service_mode = 'onsite' THEN 'onsite_repair'
             WHEN t.service_mode IN ('carry_in', 'mail_in') THEN 'carry_in_repair' END AS kind,
        (t.completed_at AT TIME ZONE %(tz)s)::date AS day
    FROM candidates x
    JOIN tickets_ticket t ON t.id = x.id
    JOIN tickets_callback c ON c.ticket_id = t.id AND c.outcome IN ('confirmed', 'unreachable')
    JOIN tickets_device d ON d.id = t.device_id
    JOIN stations_station st ON st.id = t.station_id
    WHERE t.status IN ('completed', 'closed') AND t.in_warranty AND NOT t.is_repeat_repair
      AND EXISTS (SELECT 1 FROM stations_certificate x WHERE x.user_id = t.technician_id
                  AND x.kind = 'repair_technician' AND x.status = 'valid'
                  AND x.issued_on <= (t.completed_at AT TIME ZONE %(tz)s)::date
                  AND x.expires_on >= (t.completed_at AT TIME ZONE %(tz)s)::date)
      AND NOT EXISTS (SELECT 1 FROM settlement_statementline l JOIN settlement_statement s ON s.id = l.statement_id
                      WHERE l.ticket_id = t.id AND s.month <> %(month)s)
),
priced AS MATERIALIZED (
    SELECT v.id, v.station_id, v.completed_at, v.serial, r.amount AS fee,
           CASE WHEN v.is_remote AND v.kind = 'onsite_repair' THEN r.remote_allowance ELSE 0 END AS allowance,
           row_number() OVER (PARTITION BY v.station_id, v.serial ORDER BY v.completed_at, v.id) AS rn
    FROM valid v JOIN settlement_feerule r ON r.kind = v.kind AND r.effective_from <= v.day
         AND (r.effective_to IS NULL OR r.effective_to >= v.day)
),
prior AS (
    SELECT s.station_id, l.serial, max(l.completed_at) AS last
    FROM settlement_statementline l JOIN settlement_statement s ON s.id = l.statement_id
    WHERE l.completed_at >= %(start)s - %(window)s AND l.completed_at < %(start)s AND s.month <> %(month)s
    GROUP BY 1, 2
),
walk AS (  -- the same-serial window, ticket after ticket: counted unless within the window of the last counted
    SELECT p.station_id, p.serial, p.rn, p.fee, p.allowance, ok.counted,
           CASE WHEN ok.counted THEN p.completed_at ELSE pr.last END AS last
    FROM priced p LEFT JOIN prior pr ON pr.station_id = p.station_id AND pr.serial = p.serial,
         LATERAL (SELECT p.serial = '' OR pr.last IS NULL OR p.completed_at - pr.last > %(window)s AS counted) ok
    WHERE p.rn = 1
    UNION ALL
    SELECT p.station_id, p.serial, p.rn, p.fee, p.allowance, ok.counted,
           CASE WHEN ok.counted THEN p.completed_at ELSE w.last END
    FROM walk w JOIN priced p ON p.station_id = w.station_id AND p.serial = w.serial AND p.rn = w.rn + 1,
         LATERAL (SELECT p.serial = '' OR p.completed_at - w.last > %(window)s AS counted) ok
)
SELECT station_id, count(*), sum(fee), sum(allowance) FROM walk WHERE counted GROUP BY station_id
"""


def hand_sql(month: datetime.date) -> dict[int, tuple[int, Decimal, Decimal]]:
    from django.utils import timezone

    from settlement.services import month_bounds

    start, end = month_bounds(month)
    params = {
        "start": start,
        "end": end,
        "month": month,
        "tz": timezone.get_default_timezone_name(),
        "window": datetime.timedelta(days=settings.REPAIRNET["SAME_SERIAL_DEDUP_DAYS"]),
    }
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL jit = off")  # as the run does: compiling would cost more than it saves
        cur.execute(HAND_SQL, params)
        return {sid: (n, fees, allowances) for sid, n, fees, allowances in cur.fetchall()}


def run_figures(month: datetime.date) -> dict[int, tuple[int, Decimal, Decimal]]:
    from settlement.models import Statement

    return {
        sid: (n, fees, allowances)
        for sid, n, fees, allowances in Statement.objects.filter(month=month, lines_count__gt=0).values_list(
            "station_id", "lines_count", "fees_total", "allowances_total"
        )
    }


# ------------------------------------------------------------------------------------------ measure
def timed(func):
    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - t0
    return result, elapsed, len(queries)


def export_in_child(month: datetime.date, path: Path) -> dict:
    """Run the workbook export in a fresh interpreter: its own time and peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--export", f"{month:%Y-%m}", "--xlsx", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _export_main(month: str, xlsx: str) -> None:
    from django.db.models import Count

    from settlement import exports
    from settlement.models import StatementLine

    first = datetime.date.fromisoformat(f"{month}-01")
    rss_before = _max_rss_mib()
    t0 = time.perf_counter()
    path = exports.workbook_build(month=first, path=Path(xlsx))
    elapsed = time.perf_counter() - t0
    lines = StatementLine.objects.filter(statement__month=first).aggregate(n=Count("pk"))["n"]
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rss_mib": _max_rss_mib(),
                "rss_before_mib": rss_before,
                "lines": lines,
                "size_mib": path.stat().st_size / 2**20,
            }
        )
    )


def run(args) -> list[tuple[str, str, str]]:
    """Prepare the data, measure, print and return rows of (what, figure, notes)."""
    from settlement.models import Statement
    from settlement.services import previous_month, settlement_month_build

    tickets = getattr(args, "settlement_tickets", 100_000)  # per month (bench/network.py's --tickets is the total)
    stations = getattr(args, "stations", 500)
    history = getattr(args, "history_months", 0)
    month = previous_month()
    prepare(stations=stations, tickets=tickets, history_months=history, month=month)
    from tickets.models import Ticket

    total = Ticket.objects.count()
    print(f"database: {connection.settings_dict['NAME']} · {total:,} tickets in all · load {_load()}", flush=True)
    rows: list[tuple[str, str, str]] = []

    def row(what, figure, notes=""):
        rows.append((what, figure, notes))
        print(f"| {what} | {figure} | {notes} |", flush=True)

    Statement.objects.filter(month=month).delete()  # the first run starts from no drafts
    hand_times = []
    for _ in range(3):
        expected, elapsed, _q = timed(lambda: hand_sql(month))
        hand_times.append(elapsed)
    hand = min(hand_times)
    row("settlement: hand-written SQL, same per-station fees", f"{hand:.2f} s", f"best of 3; {len(expected)} stations")
    totals, first, first_q = timed(lambda: settlement_month_build(month=month))
    got = run_figures(month)
    same = "identical" if got == expected else f"DIFFERENT in {sum(got.get(s) != v for s, v in expected.items())}"
    row(
        f"settlement month ({stations} stations, {tickets:,} tickets, {history} earlier months)",
        f"first run {first:.2f} s = {first / hand:.2f}× hand SQL",
        f"{first_q} queries; {totals['lines']:,} lines, {totals['excluded']:,} excluded; per-station fees {same}",
    )
    _totals, again, again_q = timed(lambda: settlement_month_build(month=month))
    same = "identical" if run_figures(month) == expected else "DIFFERENT"
    row("settlement month, rerun", f"{again:.2f} s = {again / hand:.2f}× hand SQL", f"{again_q} queries; fees {same}")
    row("settlement process max RSS", f"{_max_rss_mib():.0f} MiB", "includes data generation when it ran here")
    path = Path(tempfile.gettempdir()) / f"settlement-bench-{month:%Y-%m}.xlsx"
    export = export_in_child(month, path)
    row(
        f"finance workbook ({export['lines']:,} lines)",
        f"{export['seconds']:.1f} s, peak RSS {export['rss_mib']:.0f} MiB",
        f"{export['size_mib']:.1f} MiB file; RSS after start-up {export['rss_before_mib']:.0f} MiB",
    )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument(
        "--tickets", dest="settlement_tickets", type=int, default=100_000, help="completed tickets per month"
    )
    parser.add_argument("--history-months", type=int, default=0, help="settled months before the measured one")
    parser.add_argument("--export", metavar="YYYY-MM", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--xlsx", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a throw-away PostgreSQL database")
    settings.DEBUG = False
    if args.export:
        _export_main(args.export, args.xlsx)
        return
    started = time.strftime("%Y-%m-%d %H:%M")
    load_before = _load()
    rows = run(args)
    print(f"\nsettlement benchmark, {started} · {os.cpu_count()} CPU · load before/after {load_before} / {_load()}")
    print("| what | figure | notes |\n|---|---|---|")
    for what, figure, notes in rows:
        print(f"| {what} | {figure} | {notes} |")


if __name__ == "__main__":
    main()
