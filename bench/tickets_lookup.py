"""Benchmark the hotline look-up and the station queues with 1,000,000 tickets.

Fills a throw-away PostgreSQL database in SQL (generate_series: customers, devices, tickets spread over
50 stations and the last 180 days), then times, over many random probes, the as-you-type look-up
(``tickets.selectors.hotline_lookup`` by phone prefix and by serial prefix), a station's queue
(``station_queue``, first 100 rows) and the network ticket list page query, reporting median / p95
latency and query counts.

    createdb -h 127.0.0.1 -U postgres rn_tickets_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rn_tickets_bench .venv/bin/python bench/tickets_lookup.py \
        [--tickets 1000000] [--probes 200]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairnet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

STATIONS = 50


# HD-100 serials are HD + year + month + 6 digits: device g gets HD2501000001, …, HD2501999999, HD2502000000, …
SERIAL_SQL = "'HD25' || lpad((1 + g / 1000000)::text, 2, '0') || lpad((g %% 1000000)::text, 6, '0')"


OPEN_DAYS = 5  # half the tickets of the last five days are still open (dispatched or in repair), the rest closed


# Numbers as the product gives them (tickets.services.ticket_number_next): a letter, the day received in
# Shanghai, a 5-digit sequence in that day, so a number prefix is a span of days, as in real data. B, not T,
# so that they never meet the product's own.
NUMBER_SQL = (
    "'B' || to_char(r AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(row_number() OVER "
    "(PARTITION BY (r AT TIME ZONE 'Asia/Shanghai')::date ORDER BY r, g)::text, 5, '0')"
)


def serial(g: int) -> str:
    """The serial ``fill`` gives device number g (1-based), as SERIAL_SQL computes it."""
    return f"HD25{1 + g // 1_000_000:02d}{g % 1_000_000:06d}"


def phone(g: int) -> str:
    """Customer g's number as a caller types it; ``fill`` stores it in E.164 (+86…), as the product does."""
    return f"1{3000000000 + g}"


def fill(n: int, *, station_ids: list[int] | None = None, days: int = 180, now=None) -> None:
    """n tickets (half as many customers and devices) spread evenly over the stations and the ``days`` days
    before ``now`` (default: the current time)."""
    from django.utils import timezone

    now = now or timezone.now()
    from stations.models import Station
    from tickets.models import DeviceModel, Ticket

    if Ticket.objects.count() >= n:
        print(f"database already holds {Ticket.objects.count():,} tickets")
        return
    model, _ = DeviceModel.objects.get_or_create(
        code="HD-100", defaults={"name": "HD-100", "serial_regex": r"^HD(?P<yy>\d{2})(?P<mm>\d{2})\d{6}$"}
    )
    stations = list(station_ids or [])
    for i in range(0 if stations else STATIONS):
        station, _ = Station.objects.get_or_create(
            code=f"BS{i:03d}", defaults={"name": f"基准站{i}", "tier": "station"}
        )
        stations.append(station.pk)
    customers = n // 2
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO tickets_customer (name, phone, phone2, address, carrier_account, created_at)
               SELECT '客户' || g, '+861' || (3000000000 + g)::text, '', '地址' || g, '', %s
               FROM generate_series(1, %s) g""",
            [now, customers],
        )
        cur.execute("SELECT min(id) FROM tickets_customer")
        first_customer = cur.fetchone()[0]
        cur.execute(
            """INSERT INTO tickets_device (model_id, serial, customer_id, purchase_date, has_invoice, created_at)
               SELECT %s, serial_for(g), %s + g - 1, %s::date - 100, true, %s
               FROM generate_series(1, %s) g""".replace("serial_for(g)", SERIAL_SQL),
            [model.pk, first_customer, now.date(), now, customers],
        )
        cur.execute("SELECT min(id) FROM tickets_device")
        first_device = cur.fetchone()[0]
        station_array = "ARRAY[" + ",".join(str(s) for s in stations) + "]"
        cur.execute(
            f"""INSERT INTO tickets_ticket (number, customer_id, device_id, fault_category, description, priority,
                   service_mode, status, station_id, in_warranty, warranty_reason, is_repeat_repair, received_at,
                   dispatched_at, accept_due_at, onsite_due_at, complete_due_at, completed_at, paused_seconds,
                   parts_used, charge_amount, charge_consent, signoff_name, fault_found, diagnosis, work_done,
                   cancel_reason, escalated_to, photo_before, photo_after, signoff_image, updated_at)
               SELECT number, %s + (g %% %s), %s + (g %% %s), 'no_signal', '', 'normal',
                   'onsite',
                   CASE WHEN open AND g %% 2 = 0 THEN 'dispatched' WHEN open THEN 'in_repair' ELSE 'closed' END,
                   ({station_array})[1 + g %% {len(stations)}], true, '', false, r, r, r + interval '2 hours',
                   r + interval '1 day', r + interval '2 days',
                   CASE WHEN NOT open THEN least(r + interval '5 hours', %s) END, 0, '[]', 0, false, '', '', '', '',
                   '', '', '', '', '', %s
               FROM (SELECT g, r, r > %s::timestamptz - interval '{OPEN_DAYS} days' AND g %% 4 < 2 AS open,
                            {NUMBER_SQL} AS number
                     FROM (SELECT g, %s::timestamptz - (g * {days * 1440}::bigint / %s) * interval '1 minute' AS r
                           FROM generate_series(1, %s) g) spread) s""",
            [first_customer, customers, first_device, customers, now, now, now, now, n, n],
        )
        cur.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"filled {customers:,} customers, {customers:,} devices, {n:,} tickets in {elapsed:.1f} s")


def timed(label: str, func, probes) -> None:
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for probe in probes:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            func(probe)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(ctx.captured_queries))
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{label:<34} median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   "
        f"queries {min(queries)}–{max(queries)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a throw-away PostgreSQL database")
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    fill(args.tickets)

    from repairnet import roles
    from repairnet.models import User
    from tickets import selectors

    rng = random.Random(1)
    customers = args.tickets // 2
    phones = [phone(rng.randint(1, customers))[: 7 + rng.randint(0, 4)] for _ in range(args.probes)]
    serials = [serial(rng.randint(1, customers))[: 9 + rng.randint(0, 4)] for _ in range(args.probes)]
    from stations.models import Station

    station_ids = list(Station.objects.filter(code__startswith="BS").values_list("pk", flat=True))
    hq = User.objects.filter(username="bench-hq").first()
    if hq is None:
        from django.contrib.auth.models import Group

        hq = User.objects.create(username="bench-hq")
        hq.groups.add(Group.objects.get(name=roles.HQ))

    reset_queries()
    print(f"tickets in database: {args.tickets:,}")
    timed("hotline look-up by phone prefix", lambda q: selectors.hotline_lookup(q=q), phones)
    timed("hotline look-up by serial prefix", lambda q: selectors.hotline_lookup(q=q), serials)
    timed("serial warnings (open / repeat)", lambda q: selectors.serial_warnings(serial=q), serials)
    timed(
        "station queue (first 100)",
        lambda sid: list(selectors.station_queue(station_id=sid)[:100]),
        [rng.choice(station_ids) for _ in range(args.probes)],
    )
    timed(
        "ticket list page (30 rows)",
        lambda _: list(selectors.ticket_list_for(user=hq)[:30]),
        range(min(args.probes, 50)),
    )


if __name__ == "__main__":
    main()
