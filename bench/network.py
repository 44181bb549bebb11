"""Network-scale benchmarks (issue: proof of quality). Prints figures and the machine they ran on.

    createdb -h 127.0.0.1 -U postgres rn_network_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rn_network_bench
    .venv/bin/python bench/network.py report        # everything below, then one table (what `make bench` runs)
    .venv/bin/python bench/network.py generate      # 500 stations, 1,000,000 tickets / 12 months, 3,000,000 movements
    .venv/bin/python bench/network.py latency       # p50/p95 and queries of every page and endpoint (200 each)
    .venv/bin/python bench/network.py throughput    # wrk, 16 connections: trivial view, list API, ticket create
    .venv/bin/python bench/network.py load          # gunicorn (2 workers) under 60 s of ticket creation + queue reads
    .venv/bin/python bench/network.py concurrency   # 50 threads: last units of a part; dispatching the same tickets

Everything is generated in SQL (INSERT … SELECT generate_series) so a million rows take seconds, not hours.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import threading
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
from django.db import close_old_connections, connection  # noqa: E402

BENCH_PASSWORD = "bench-pass-123"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    python = platform.python_version()
    return f"{platform.node()} · {os.cpu_count()} CPU {cpu} · {mem:.0f} GiB · Python {python} · PostgreSQL {pg}"


def _percentiles(times_ms: list[float]) -> tuple[float, float]:
    times_ms = sorted(times_ms)
    return statistics.median(times_ms), times_ms[max(0, int(len(times_ms) * 0.95) - 1)]


def _user(username: str, role: str, station=None):
    from django.contrib.auth.models import Group

    from repairnet.models import User

    user, created = User.objects.get_or_create(username=username, defaults={"station": station})
    if created:
        user.set_password(BENCH_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=role))
    return user


# --------------------------------------------------------------------------------------------- generate
def generate(args, *, migrate: bool = True) -> None:
    from repairnet import roles
    from repairnet.models import Region
    from spares.models import Item, ItemPrice, Location, Movement, StockBalance
    from stations.models import Station, Tier

    if migrate:
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    districts = list(Region.objects.filter(level="district").values_list("pk", flat=True))
    tiers = [Tier.CENTRE, Tier.STATION, Tier.STATION, Tier.ACCESSORY_POINT]
    existing = set(Station.objects.filter(code__startswith="NB").values_list("code", flat=True))
    Station.objects.bulk_create(
        [
            Station(code=f"NB{i:04d}", name=f"基准维修站{i}", tier=tiers[i % 4], scope_simple_repair=i % 4 != 3)
            for i in range(args.stations)
            if f"NB{i:04d}" not in existing
        ]
    )
    stations = list(Station.objects.filter(code__startswith="NB").order_by("pk"))
    through = Station.regions.through
    through.objects.bulk_create(
        [through(station_id=s.pk, region_id=districts[i % len(districts)]) for i, s in enumerate(stations)],
        ignore_conflicts=True,
    )
    print(f"stations: {len(stations)} in {time.perf_counter() - started:.1f} s")

    from bench.tickets_lookup import fill as fill_tickets

    t0 = time.perf_counter()
    fill_tickets(args.tickets, station_ids=[s.pk for s in stations], days=365)
    print(f"tickets: {args.tickets:,} in {time.perf_counter() - t0:.1f} s")
    from tickets import rollup

    t0 = time.perf_counter()
    rollup.stats_rebuild_recent()  # the tickets came in through SQL, not the services that keep the rollup
    print(f"dashboard rollup rebuilt in {time.perf_counter() - t0:.1f} s")

    # Spares: 40 counted items; HQ receives a large stock, then ship → receive → use cycles per station.
    t0 = time.perf_counter()
    items = []
    for i in range(40):
        item, _ = Item.objects.get_or_create(code=f"NBP{i:03d}", defaults={"name": f"基准备件{i}", "kind": "part"})
        ItemPrice.objects.get_or_create(
            item=item, effective_from="2025-01-01", defaults={"unit_cost": "12.50", "retail_price": "25.00"}
        )
        items.append(item.pk)
    from spares.services import location_get

    hq = location_get(kind=Location.Kind.HQ)
    external = location_get(kind=Location.Kind.EXTERNAL)
    for s in stations:
        for kind in (Location.Kind.TRANSIT, Location.Kind.STATION, Location.Kind.CUSTOMER):
            location_get(kind=kind, station=s)
    table = Movement._meta.db_table
    cycles = max(1, (args.movements - len(items)) // 3)
    already = Movement.objects.filter(item_id__in=items).count()
    with connection.cursor() as cur:
        if already >= args.movements - len(items):
            print(f"database already holds {already:,} bench movements")
        else:
            _insert_movements(cur, table, items=items, cycles=cycles, hq=hq, external=external)
        # Cached balances = the journal's sums (what the services maintain row by row).
        balance = StockBalance._meta.db_table
        cur.execute(f"DELETE FROM {balance}")
        cur.execute(
            f"""INSERT INTO {balance} (location_id, item_id, on_hand, updated_at)
                SELECT loc, item_id, sum(q), now() FROM (
                    SELECT to_location_id AS loc, item_id, quantity AS q FROM {table}
                    UNION ALL SELECT from_location_id, item_id, -quantity FROM {table}
                ) j JOIN spares_location l ON l.id = j.loc
                WHERE l.kind <> 'external'
                GROUP BY loc, item_id"""
        )
        cur.execute("ANALYZE")
        cur.execute(f"SELECT count(*) FROM {table}")
        total = cur.fetchone()[0]
    print(f"movements: {total:,} in {time.perf_counter() - t0:.1f} s")
    _user("bench-hq", roles.HQ)
    _user("bench-hotline", roles.HOTLINE)
    _user("bench-tech", roles.TECHNICIAN, station=stations[0])
    print(f"spares_verify over {total:,} movements: {_verify()}")
    print(f"generate total: {time.perf_counter() - started:.1f} s")


def _verify() -> str:
    from django.core.management.base import CommandError

    t0 = time.perf_counter()
    try:
        call_command("spares_verify", verbosity=0)
        verdict = "0 differences"
    except CommandError as exc:
        verdict = f"FAILED: {exc}"
    return f"{verdict} in {time.perf_counter() - t0:.1f} s"


def _insert_movements(cur, table, *, items, cycles, hq, external) -> None:
    """HQ receives each item once, then ship → receive → use cycles spread over every bench station."""
    cur.execute(
        f"""INSERT INTO {table} (type, item_id, quantity, from_location_id, to_location_id, unit_cost,
               chargeable, ticket_number, note, created_at)
            SELECT 'hq_receipt', i, %s, %s, %s, 12.50, false, '', 'bench', now() - interval '400 days'
            FROM unnest(%s::bigint[]) i""",
        [cycles, external.pk, hq.pk, items],
    )
    # One row per (cycle, leg): leg 0 ship HQ→transit, 1 receive transit→station, 2 use station→customer.
    cur.execute(
        f"""
        WITH st AS (
            SELECT s.id AS station_id, row_number() OVER (ORDER BY s.id) - 1 AS idx,
                   max(l.id) FILTER (WHERE l.kind = 'transit') AS transit,
                   max(l.id) FILTER (WHERE l.kind = 'station') AS stock,
                   max(l.id) FILTER (WHERE l.kind = 'customer') AS customer
            FROM stations_station s JOIN spares_location l ON l.station_id = s.id
            WHERE s.code LIKE 'NB%%' GROUP BY s.id
        ), n AS (SELECT count(*) AS c FROM st), it AS (SELECT %s::bigint[] AS ids)
        INSERT INTO {table} (type, item_id, quantity, from_location_id, to_location_id, station_id, unit_cost,
                             chargeable, ticket_number, note, created_at)
        SELECT (ARRAY['ship','receive','use'])[leg + 1], it.ids[1 + g %% array_length(it.ids, 1)], 1,
               CASE leg WHEN 0 THEN %s WHEN 1 THEN st.transit ELSE st.stock END,
               CASE leg WHEN 0 THEN st.transit WHEN 1 THEN st.stock ELSE st.customer END,
               st.station_id, 12.50, false, '', '',
               now() - ((g %% 525600) * interval '1 minute') + leg * interval '1 day'
        FROM generate_series(0, %s - 1) g
        CROSS JOIN generate_series(0, 2) leg
        CROSS JOIN n CROSS JOIN it
        JOIN st ON st.idx = g %% n.c
        """,
        [items, hq.pk, cycles],
    )


# --------------------------------------------------------------------------------------------- latency
def probes(*, tickets: int, count: int, seed: int = 7) -> list[tuple[str, str, str, list]]:
    """What a day's users ask for, as (label, user, method, requests): GET URLs, or (URL, POST data) pairs.

    Shared with the CI test (tests/bench), which runs them on a small data set and checks query counts and
    plans, so the figures quoted here and the properties CI holds are measured on the same requests."""
    import random

    from bench.tickets_lookup import phone, serial
    from stations.models import Station

    rng = random.Random(seed)
    customers = max(1, tickets // 2)
    station = Station.objects.filter(code__startswith="NB").order_by("pk").values_list("pk", flat=True).first()

    def some(make):
        return [make() for _ in range(count)]

    from django.db.models import Max, Min

    from tickets.models import Ticket

    low, high = Ticket.objects.aggregate(low=Min("pk"), high=Max("pk")).values()
    numbers = list(
        Ticket.objects.filter(pk__in=[rng.randint(low or 0, high or 0) for _ in range(count * 2)])
        .order_by("pk")
        .values_list("number", flat=True)
    ) or ["B"]

    def number():  # a prefix of a real number: its letter and day, and 0–5 digits of its sequence
        return rng.choice(numbers)[: 9 + rng.randint(0, 5)]

    searches = {
        "ticket number": number,
        "serial prefix": lambda: serial(rng.randint(1, customers))[: 9 + rng.randint(0, 3)],
        "phone prefix": lambda: phone(rng.randint(1, customers))[: 8 + rng.randint(0, 3)],
    }
    return [
        ("ticket list API, HQ", "bench-hq", "GET", ["/api/v1/tickets/"] * count),
        ("ticket list API, HQ, status filter", "bench-hq", "GET", ["/api/v1/tickets/?status=dispatched"] * count),
        ("ticket list API, HQ, station filter", "bench-hq", "GET", [f"/api/v1/tickets/?station={station}"] * count),
        ("ticket list page, HQ", "bench-hq", "GET", ["/tickets/"] * count),
        ("ticket list page, HQ, status filter", "bench-hq", "GET", ["/tickets/?status=in_repair"] * count),
        *[
            (f"search by {what}, {where}", "bench-hq", "GET", some(lambda make=make, base=base: f"{base}?q={make()}"))
            for what, make in searches.items()
            for where, base in (("page", "/tickets/"), ("API", "/api/v1/tickets/"))
        ],
        ("search by customer name", "bench-hq", "GET", some(lambda: f"/tickets/?q=客户{rng.randint(1, customers)}")),
        ("search by address fragment", "bench-hq", "GET", some(lambda: f"/tickets/?q=地址{rng.randint(1, customers)}")),
        ("hotline page", "bench-hotline", "GET", ["/tickets/hotline/"] * count),
        (
            "hotline page after a validation error",
            "bench-hotline",
            "POST",
            [("/tickets/hotline/", {"phone": "139", "serial": ""})] * count,
        ),
        *[
            (f"HQ dashboard, {days} days", "bench-hq", "GET", [f"/tickets/dashboard/?days={days}"] * count)
            for days in (7, 30, 90)
        ],
        ("station queue page", "bench-tech", "GET", ["/tickets/queue/"] * count),
        (
            "hotline look-up by phone",
            "bench-hotline",
            "GET",
            some(lambda: f"/tickets/lookup/?q={phone(rng.randint(1, customers))[: 7 + rng.randint(0, 4)]}"),
        ),
        (
            "hotline look-up by serial",
            "bench-hotline",
            "GET",
            some(lambda: f"/tickets/lookup/?q={serial(rng.randint(1, customers))[: 9 + rng.randint(0, 3)]}"),
        ),
    ]


def run_probe(client, method: str, request) -> tuple[float, list[dict]]:
    """One request: its time in ms and the queries it ran (status must be 200)."""
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # the log keeps 9,000 queries; past that the capture would come back empty
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(request) if method == "GET" else client.post(*request)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (request, response.status_code)
    return elapsed, ctx.captured_queries


def bench_clients() -> dict:
    from django.test import Client

    from repairnet.models import User

    clients = {}
    for name in ("bench-hotline", "bench-tech", "bench-hq"):
        clients[name] = Client()
        clients[name].force_login(User.objects.get(username=name))
    return clients


def latency(args) -> list[tuple]:
    """p50/p95 and queries of every probe, in process (Django's test client, DEBUG=False)."""
    settings.ALLOWED_HOSTS = ["*"]
    clients = bench_clients()
    rows = []
    for label, user, method, requests in probes(tickets=args.tickets, count=args.requests):
        times, counts = [], []
        run_probe(clients[user], method, requests[0])  # warm the worker's caches as a server would be
        for request in requests:
            elapsed, queries = run_probe(clients[user], method, request)
            times.append(elapsed)
            counts.append(len(queries))
        p50, p95 = _percentiles(times)
        rows.append((label, f"p50 {p50:.1f} ms, p95 {p95:.1f} ms", f"{min(counts)}–{max(counts)} queries"))
        print(f"  {' · '.join(rows[-1])}", file=sys.stderr, flush=True)
    return rows


def create_queries() -> int:
    """Queries of one POST /api/v1/tickets/ for a new customer and device."""
    import json

    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from repairnet.models import Region, User
    from repairnet.tokens import token_issue
    from tickets.models import DeviceModel, Ticket

    token = token_issue(user=User.objects.get(username="bench-hotline"))[1]
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")  # as an API client calls it (wrk does the same)
    district = Region.objects.filter(level="district").values_list("pk", flat=True).first()
    model = DeviceModel.objects.get(code="HD-100").pk
    counts = []
    for _ in range(2):  # the second call is what a warm server runs (reference data and content types cached)
        g = 900_000 + Ticket.objects.count() % 90_000
        body = {
            "customer_name": "压测客户", "phone": f"138{g:08d}", "region": district, "device_model": model,
            "serial": f"HD2503{g:06d}", "fault_category": "no_signal", "service_mode": "onsite",
        }  # fmt: skip
        with CaptureQueriesContext(connection) as ctx:
            response = client.post("/api/v1/tickets/", json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content
        # A savepoint pair appears only when this runs inside a test's transaction.
        counts.append(sum(1 for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]))
    return counts[-1]


# --------------------------------------------------------------------------------------------- throughput
WRK_CREATE = """
local counter = 0
local base = tonumber(os.getenv("BENCH_BASE"))
local threads = {}
function setup(thread) thread:set("id", #threads + 1); table.insert(threads, thread) end
function init(args) tid = id end
function request()
  counter = counter + 1
  local g = (base + counter) % 1000000
  local body = string.format('{"customer_name":"压测客户","phone":"137%d%07d","region":REGION,"device_model":MODEL,' ..
    '"serial":"HD25%02d%06d","fault_category":"no_signal","service_mode":"onsite"}', tid, g, tid, g)
  local headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- format() replaces them otherwise
  return wrk.format("POST", "/api/v1/tickets/", headers, body)
end
"""


def _wrk(port: int, path: str, token: str | None, seconds: int, script: str | None = None, env=None) -> dict:
    import re
    import tempfile

    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Token {token}"]
    cmd += ["-H", "X-Forwarded-Proto: https"]
    if script:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        cmd += ["-s", handle.name]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, env=env, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {"rps": rps, "bad": int(non2xx.group(1)) if non2xx else 0, "socket": errors.group(1) if errors else "",
            "p99": p99.group(1) if p99 else "?"}  # fmt: skip


def _gunicorn(port: int, **extra):
    """gunicorn (gunicorn.conf.py) serving bench/urls.py on loopback, started and answering; stop it with
    ``terminate()``."""
    import http.client

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "False",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bench.wsgi_app:application",
         "--access-logfile", "/dev/null", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/bench/trivial")
            conn.getresponse().read()
            break
        except OSError:
            time.sleep(0.2)
    return server


def throughput(args) -> list[tuple]:
    """gunicorn (gunicorn.conf.py) on loopback, wrk with 16 connections: the trivial view, the list API (from
    the response cache, and again with the cache off), creates."""
    import shutil

    from repairnet.models import Region, User
    from repairnet.tokens import token_issue
    from tickets.models import DeviceModel, Ticket

    if not shutil.which("wrk"):
        return [("throughput", "skipped: wrk is not installed (apt-get install wrk)", "")]
    hq = token_issue(user=User.objects.get(username="bench-hq"))[1]
    hotline = token_issue(user=User.objects.get(username="bench-hotline"))[1]
    port, seconds = 8765, args.seconds
    server = _gunicorn(port)
    try:
        ceiling = _wrk(port, "/bench/trivial", None, seconds)
        listing = _wrk(port, "/api/v1/tickets/", hq, seconds)
        region = Region.objects.filter(level="district").values_list("pk", flat=True).first()
        model = DeviceModel.objects.get(code="HD-100").pk
        script = WRK_CREATE.replace("REGION", str(region)).replace("MODEL", str(model))
        before = Ticket.objects.count()
        create = _wrk(
            port, "/api/v1/tickets/", hotline, seconds, script, env={**os.environ, "BENCH_BASE": str(before % 900_000)}
        )
        created = Ticket.objects.count() - before
    finally:
        server.terminate()
        server.wait()
    server = _gunicorn(port, RESPONSE_CACHE_SECONDS="0")
    try:
        uncached = _wrk(port, "/api/v1/tickets/", hq, seconds)
    finally:
        server.terminate()
        server.wait()
    share = lambda r: f"{100 * r['rps'] / ceiling['rps']:.1f} % of the trivial view"  # noqa: E731
    return [
        ("trivial view (ceiling), wrk 16 connections", f"{ceiling['rps']:.0f} req/s, p99 {ceiling['p99']}", ""),
        ("ticket list API, wrk 16 connections", f"{listing['rps']:.1f} req/s, p99 {listing['p99']}", share(listing)),
        (
            "ticket list API, response cache off",
            f"{uncached['rps']:.1f} req/s, p99 {uncached['p99']}",
            share(uncached),
        ),
        (
            "ticket create API, wrk 16 connections",
            f"{create['rps']:.1f} req/s, p99 {create['p99']}, {create['bad']} errors {create['socket']}".strip(),
            f"{share(create)}; {created:,} tickets booked",
        ),
        ("ticket create API, queries per create", str(create_queries()), ""),
    ]


# --------------------------------------------------------------------------------------------- load
def load(args) -> None:
    """gunicorn (gunicorn.conf.py, 2 workers) on loopback; N client threads create tickets and read the queue."""
    import http.client
    import json
    import random

    from repairnet.models import User
    from repairnet.tokens import token_issue
    from tickets.models import DeviceModel

    hotline = token_issue(user=User.objects.get(username="bench-hotline"))[1]
    tech = token_issue(user=User.objects.get(username="bench-tech"))[1]
    model = DeviceModel.objects.get(code="HD-100")
    from repairnet.models import Region

    region = Region.objects.filter(level="district").first().pk
    port = 8765
    server = _gunicorn(port, GUNICORN_WORKERS="2", SESSION_COOKIE_SECURE="False", CSRF_COOKIE_SECURE="False")
    try:
        stop = time.monotonic() + args.seconds
        lock = threading.Lock()
        results = {"create": [], "queue": [], "errors": 0}
        counter = iter(range(10**9))

        def worker(n):
            rng = random.Random(n)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop:
                if rng.random() < 0.3:
                    i = next(counter)
                    body = json.dumps(
                        {
                            "customer_name": "压测客户",
                            "phone": f"139{n:02d}{i % 1000000:06d}",
                            "region": region,
                            "device_model": model.pk,
                            "serial": f"HD2511{n:02d}{i % 10000:04d}",
                            "has_invoice": False,
                            "fault_category": "no_signal",
                            "description": "压测",
                            "service_mode": "onsite",
                        }
                    )
                    kind, method, path, token = "create", "POST", "/api/v1/tickets/", hotline
                else:
                    kind, method, path, token, body = "queue", "GET", "/api/v1/tickets/?page_size=20", tech, None
                t = time.perf_counter()
                try:
                    conn.request(
                        method,
                        path,
                        body=body,
                        headers={
                            "Authorization": f"Token {token}",
                            "Content-Type": "application/json",
                            "X-Forwarded-Proto": "https",
                        },
                    )
                    response = conn.getresponse()
                    response.read()
                    ok = response.status < 300
                except OSError:
                    ok = False
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    results[kind].append((time.perf_counter() - t) * 1000)
                    if not ok:
                        results["errors"] += 1
                        if results["errors"] <= 3:
                            print("error:", kind, getattr(response, "status", "?"))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()
    total = len(results["create"]) + len(results["queue"])
    print(f"machine: {machine()}")
    print(f"load: {args.clients} client threads, {elapsed:.0f} s, gunicorn 2 workers")
    for kind in ("create", "queue"):
        if results[kind]:
            p50, p95 = _percentiles(results[kind])
            print(f"  {kind:<7} {len(results[kind]):6d} requests  p50 {p50:.1f} ms  p95 {p95:.1f} ms")
    print(f"  total {total / elapsed:.1f} requests/s, errors {results['errors']}")


# --------------------------------------------------------------------------------------------- concurrency
def concurrency(args) -> None:
    """50 threads use the last units of a part at one station; 50 threads dispatch the same tickets."""
    from django.core.exceptions import ValidationError

    from repairnet.models import User
    from spares import services as spares
    from spares.models import Item, Location, StockBalance
    from tickets import services as tickets
    from tickets.models import Ticket

    # A station with repairs in progress: its technicians race for the last units of one part.
    station = Ticket.objects.filter(status="in_repair", station__code__startswith="NB").first().station
    hq_user = User.objects.get(username="bench-hq")
    item, _ = Item.objects.get_or_create(code="NBLAST", defaults={"name": "最后库存测试件", "kind": "part"})
    from spares.models import ItemPrice

    ItemPrice.objects.get_or_create(
        item=item, effective_from="2025-01-01", defaults={"unit_cost": "1.00", "retail_price": "2.00"}
    )
    stock = spares.location_get(kind=Location.Kind.STATION, station=station)
    on_hand = StockBalance.objects.filter(location=stock, item=item).values_list("on_hand", flat=True).first() or 0
    available = 10
    if on_hand < available:
        from spares.selectors import deposit_balance

        if deposit_balance(station=station) <= 0:
            spares.deposit_record(station=station, kind="paid", amount=Decimal("10000.00"), actor=hq_user)
        spares.hq_stock_receive(item=item, quantity=available - on_hand, actor=hq_user)
        shipment = spares.shipment_create(
            station=station, lines=[{"item_id": item.pk, "quantity": available - on_hand}], actor=hq_user
        )
    sample = list(
        Ticket.objects.filter(station=station, status="in_repair").select_related("technician")[: args.threads]
    )
    if on_hand < available:
        spares.shipment_receive(shipment=shipment, actor=sample[0].technician)  # the station receives, not HQ
    outcomes = {"ok": 0, "refused": 0, "other": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(args.threads)

    def use(n):
        close_old_connections()
        barrier.wait()
        try:
            spares.stock_use_for_ticket(
                ticket=sample[n % len(sample)],
                parts=[{"item_id": item.pk, "quantity": 1}],
                actor=sample[n % len(sample)].technician,
            )
            key = "ok"
        except ValidationError:
            key = "refused"
        except Exception as exc:  # noqa: BLE001 - counted as a failure, printed
            key = "other"
            print("unexpected:", repr(exc))
        with lock:
            outcomes[key] += 1
        connection.close()

    threads = [threading.Thread(target=use, args=(n,)) for n in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = StockBalance.objects.get(location=stock, item=item).on_hand
    print(f"machine: {machine()}")
    print(
        f"last units: {args.threads} threads for {available} units → used {outcomes['ok']}, refused "
        f"{outcomes['refused']}, other errors {outcomes['other']}; on hand now {final}"
    )

    agent = User.objects.get(username="bench-hotline")
    received = list(Ticket.objects.filter(status="received").values_list("pk", flat=True)[:5])
    wins = {"ok": 0, "refused": 0, "other": 0}
    barrier2 = threading.Barrier(args.threads)

    def dispatch(n):
        close_old_connections()
        barrier2.wait()
        try:
            tickets.ticket_dispatch(ticket_id=received[n % len(received)], station_id=station.pk, actor=agent)
            key = "ok"
        except ValidationError:
            key = "refused"
        except Exception as exc:  # noqa: BLE001
            key = "other"
            print("unexpected:", repr(exc))
        with lock:
            wins[key] += 1
        connection.close()

    if received:
        threads = [threading.Thread(target=dispatch, args=(n,)) for n in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(
            f"dispatch race: {args.threads} threads on {len(received)} tickets → {wins['ok']} dispatched, "
            f"{wins['refused']} refused, {wins['other']} other errors"
        )
    print(f"spares_verify: {_verify()}")


def report(args) -> None:
    """Everything issue-by-issue in one table: the data set's size, the machine and its load, every figure."""
    from tickets.models import Ticket

    if Ticket.objects.count() < args.tickets:
        generate(args)
    rows = latency(args) + throughput(args)
    if args.settlement:
        from bench import settlement_month

        rows += settlement_month.run(args)
    from spares.models import Movement

    print()
    print(f"RepairNet benchmark, {time.strftime('%Y-%m-%d %H:%M')} · {machine()}")
    print(
        f"data: {Ticket.objects.count():,} tickets, {args.stations} stations, {Movement.objects.count():,} movements"
        f" · load average before/after: {args.load_before} / {_load()}"
    )
    print("| what | figure | notes |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["report", "generate", "latency", "throughput", "load", "concurrency"])
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--movements", type=int, default=3_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--settlement", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    args.load_before = _load()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a throw-away PostgreSQL database")
    settings.DEBUG = False
    commands = {"report": report, "generate": generate, "latency": latency, "throughput": throughput}
    result = {**commands, "load": load, "concurrency": concurrency}[args.command](args)
    if args.command in ("latency", "throughput"):
        for row in result:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
