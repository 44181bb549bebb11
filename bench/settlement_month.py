"""Benchmark the monthly settlement: 500 stations, 100,000 completed tickets.

Reports, for the run (``settlement_month_build``) and for the finance workbook export: wall time,
query count and peak Python memory (tracemalloc) plus the process's max RSS; and the ratio of the run's
time to ONE hand-written SQL aggregate of the same per-station fee totals.

Uses a throw-away database: by default a fresh SQLite file in /tmp; or set DATABASE_URL, e.g.

    createdb -h 127.0.0.1 -U postgres rn_settlement_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rn_settlement_bench .venv/bin/python bench/settlement_month.py

    .venv/bin/python bench/settlement_month.py [--stations 500] [--tickets 100000]
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairnet.settings")
if "DATABASE_URL" not in os.environ:
    _db = Path(tempfile.gettempdir()) / "rn_settlement_bench.sqlite3"
    _db.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{_db}"

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402


def measure(label, func, *, trace_memory: bool = False):
    """Time and count queries; with trace_memory, the peak Python allocation (tracemalloc slows the code)."""
    if trace_memory:
        tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
    memory = ""
    if trace_memory:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        memory = f", peak Python memory {peak / 2**20:.1f} MiB (traced run)"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: {elapsed:.2f} s, {len(queries)} queries{memory}, process max RSS {rss:.0f} MiB")
    reset_queries()
    return result, elapsed


def build_data(*, stations: int, tickets: int, month: datetime.date, seed: int = 7):
    from django.contrib.auth.models import Group

    from repairnet.models import Region, User
    from stations.models import Certificate, Station
    from tickets.models import Callback, Customer, Device, DeviceModel, SlaBreach, Ticket

    rng = random.Random(seed)
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(month, datetime.time(8), tzinfo=tz)
    days = 28
    region = Region.objects.get(code="410102")
    with transaction.atomic():
        st_rows = Station.objects.bulk_create(
            [
                Station(code=f"B{n:04d}", name=f"基准测试维修站{n}", tier="station", is_remote=n % 10 == 0)
                for n in range(stations)
            ]
        )
        Station.regions.through.objects.bulk_create(
            [Station.regions.through(station_id=s.pk, region_id=region.pk) for s in st_rows]
        )
        techs = User.objects.bulk_create(
            [
                User(
                    username=f"bench-tech-{s.pk}-{k}", password="!", station_id=s.pk, last_name="王", first_name=f"{k}"
                )
                for s in st_rows
                for k in range(2)
            ]
        )
        group = Group.objects.get(name="station_technician")
        User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in techs])
        Certificate.objects.bulk_create(
            [
                Certificate(
                    number=f"BENCH-{u.pk}",
                    user_id=u.pk,
                    kind="repair_technician",
                    issued_on=datetime.date(2020, 1, 1),
                    # every 40th technician's certificate lapsed before the month
                    expires_on=datetime.date(2099, 1, 1) if i % 40 else month - datetime.timedelta(days=1),
                    status="valid",
                )
                for i, u in enumerate(techs)
            ]
        )
        model = DeviceModel.objects.create(code="BENCH-1", name="基准机型", serial_regex=r"^BX\d+$")
        customers = Customer.objects.bulk_create(
            [Customer(name=f"客户{n}", phone=f"139{n:08d}", region=region) for n in range(tickets // 5)],
            batch_size=5000,
        )
        devices = Device.objects.bulk_create(
            [
                Device(model=model, serial=f"BX{n:08d}", customer=customers[n % len(customers)], has_invoice=True)
                for n in range(int(tickets * 0.9))
            ],
            batch_size=5000,
        )
        modes = ["onsite"] * 6 + ["carry_in"] * 3 + ["mail_in"]
        outcomes = ["confirmed"] * 85 + ["unreachable"] * 8 + ["disputed"] * 3 + ["not_repaired"] * 2 + [""] * 2
        ticket_rows, callback_rows = [], []
        for n in range(tickets):
            station = st_rows[n % stations]
            tech = techs[(n % stations) * 2 + rng.randint(0, 1)]
            device = devices[rng.randrange(len(devices))]
            completed = start + datetime.timedelta(minutes=rng.randrange(days * 24 * 60))
            outcome = rng.choice(outcomes)
            ticket_rows.append(
                Ticket(
                    number=f"TB{n:09d}",
                    customer_id=device.customer_id,
                    device_id=device.pk,
                    fault_category="accessory" if rng.random() < 0.05 else "no_signal",
                    service_mode=rng.choice(modes),
                    status="closed" if outcome else "completed",
                    station_id=station.pk,
                    technician_id=tech.pk,
                    in_warranty=rng.random() < 0.9,
                    is_repeat_repair=rng.random() < 0.03,
                    received_at=completed - datetime.timedelta(hours=6),
                    completed_at=completed,
                    closed_at=completed + datetime.timedelta(hours=20) if outcome else None,
                )
            )
            callback_rows.append(outcome)
        Ticket.objects.bulk_create(ticket_rows, batch_size=5000)
        Callback.objects.bulk_create(
            [
                Callback(
                    ticket_id=t.pk,
                    status="done",
                    due_at=t.completed_at + datetime.timedelta(hours=24),
                    outcome=outcome,
                    attempts=1,
                    completed_at=t.closed_at,
                )
                for t, outcome in zip(ticket_rows, callback_rows, strict=True)
                if outcome
            ],
            batch_size=5000,
        )
        SlaBreach.objects.bulk_create(
            [
                SlaBreach(ticket_id=t.pk, leg="complete", due_at=t.completed_at)
                for t in rng.sample(ticket_rows, tickets // 20)
            ],
            batch_size=5000,
        )
        SlaBreach.objects.update(recorded_at=start + datetime.timedelta(days=3))


HAND_SQL = """
SELECT t.station_id, COUNT(*) AS n,
       SUM(CASE WHEN t.fault_category = 'accessory' THEN 5
                WHEN t.service_mode = 'onsite' THEN 30 + (CASE WHEN s.is_remote THEN 10 ELSE 0 END)
                ELSE 20 END) AS fees
FROM tickets_ticket t
JOIN tickets_callback c ON c.ticket_id = t.id
JOIN stations_station s ON s.id = t.station_id
WHERE t.completed_at >= %s AND t.completed_at < %s
  AND t.status IN ('completed', 'closed') AND t.in_warranty AND NOT t.is_repeat_repair
  AND c.outcome IN ('confirmed', 'unreachable')
  AND EXISTS (SELECT 1 FROM stations_certificate x WHERE x.user_id = t.technician_id
              AND x.kind = 'repair_technician' AND x.status = 'valid'
              AND x.issued_on <= DATE(t.completed_at) AND x.expires_on >= DATE(t.completed_at))
GROUP BY t.station_id
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)

    from settlement import exports
    from settlement.models import Statement
    from settlement.services import month_bounds, previous_month, settlement_month_build

    month = previous_month()
    t0 = time.perf_counter()
    build_data(stations=args.stations, tickets=args.tickets, month=month)
    elapsed = time.perf_counter() - t0
    print(f"data: {args.stations} stations, {args.tickets} completed tickets in {month:%Y-%m} ({elapsed:.1f} s)")

    totals, run_time = measure("run (first)", lambda: settlement_month_build(month=month))
    print(f"  {totals}")
    measure("run (again: rebuild drafts)", lambda: settlement_month_build(month=month))
    measure("run (memory)", lambda: settlement_month_build(month=month), trace_memory=True)

    start, end = month_bounds(month)

    def hand():
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL, [start, end])
            return cursor.fetchall()

    rows, hand_time = measure("one hand-written SQL aggregate", hand)
    hand_fees = sum(Decimal(r[2]) for r in rows)
    from django.db.models import Sum

    ours = Statement.objects.filter(month=month).aggregate(f=Sum("fees_total"), a=Sum("allowances_total"))
    print(
        f"  fees+allowances: run ¥{ours['f'] + ours['a']}, hand SQL ¥{hand_fees} "
        "(the hand SQL does not deduplicate same-serial tickets or classify no-fault/swap, so it is a lower bound "
        "of the work, not the same answer)"
    )
    print(f"  ratio run / hand SQL: {run_time / hand_time:.1f}×")

    path = Path(tempfile.gettempdir()) / f"settlement-bench-{month:%Y-%m}.xlsx"
    measure("workbook export", lambda: exports.workbook_build(month=month, path=path))
    measure("workbook export (memory)", lambda: exports.workbook_build(month=month, path=path), trace_memory=True)
    print(f"  workbook: {path} ({path.stat().st_size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
