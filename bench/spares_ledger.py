"""Benchmark the spares ledger: bulk-insert 1,000,000 movements, then time balance queries and the
verify command (recompute every balance and serial place from the journal in SQL).

Run against a throw-away PostgreSQL database (the journal is append-only, rows cannot be removed):

    createdb -h 127.0.0.1 -U postgres rn_spares_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rn_spares_bench
    .venv/bin/python bench/spares_ledger.py [--movements N]
"""

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairnet.settings")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402
from io import StringIO  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)

    from spares import selectors
    from spares.models import Item, ItemPrice, Location, Movement, StockBalance
    from spares.services import location_get
    from stations.models import Station

    run = str(int(time.time()))
    items = []
    for n in range(args.items):
        item = Item.objects.create(code=f"B{run}-{n:03d}", name=f"压测备件{n}", kind=Item.Kind.PART)
        ItemPrice.objects.create(
            item=item, effective_from="2020-01-01", unit_cost=Decimal("10.00") + n, retail_price=Decimal("30.00")
        )
        items.append(item)
    stations = [
        Station.objects.create(code=f"B{run[-6:]}{n:03d}", name=f"压测站{n}", tier="station")
        for n in range(args.stations)
    ]
    hq = location_get(kind=Location.Kind.HQ)
    external = location_get(kind=Location.Kind.EXTERNAL)
    per_station = {
        s.pk: (location_get(kind=Location.Kind.TRANSIT, station=s), location_get(kind=Location.Kind.STATION, station=s))
        for s in stations
    }
    rng = random.Random(42)
    delta = defaultdict(int)
    batch, written, start = [], 0, time.perf_counter()
    now = timezone.now()

    def add(kind, item, qty, src, dst, station):
        batch.append(
            Movement(
                type=kind,
                item=item,
                quantity=qty,
                from_location=src,
                to_location=dst,
                station=station,
                unit_cost=Decimal("10.00"),
                created_at=now,
            )
        )
        if src.kind != Location.Kind.EXTERNAL:
            delta[(src.pk, item.pk)] -= qty
        if dst.kind != Location.Kind.EXTERNAL:
            delta[(dst.pk, item.pk)] += qty

    while written + len(batch) < args.movements:
        station = rng.choice(stations)
        item = rng.choice(items)
        qty = rng.randint(2, 10)
        transit, stock = per_station[station.pk]
        add(Movement.Type.HQ_RECEIPT, item, qty, external, hq, None)
        add(Movement.Type.SHIP, item, qty, hq, transit, station)
        add(Movement.Type.RECEIVE, item, qty, transit, stock, station)
        add(Movement.Type.USE, item, qty - 1, stock, external, station)
        if len(batch) >= 20_000:
            with transaction.atomic():
                Movement.objects.bulk_create(batch, batch_size=5_000)
            written += len(batch)
            batch.clear()
    if batch:
        Movement.objects.bulk_create(batch, batch_size=5_000)
        written += len(batch)
    StockBalance.objects.bulk_create(
        [StockBalance(location_id=loc, item_id=item, on_hand=qty) for (loc, item), qty in delta.items()],
        update_conflicts=True,
        unique_fields=["location", "item"],
        update_fields=["on_hand"],
    )
    insert_seconds = time.perf_counter() - start
    total = Movement.objects.count()
    rate = written / insert_seconds
    print(f"inserted {written:,} movements in {insert_seconds:.1f} s ({rate:,.0f}/s); journal holds {total:,}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE spares_movement; ANALYZE spares_stockbalance;")

    station = stations[0]
    timings = {}
    t = time.perf_counter()
    for _ in range(20):
        selectors.stock_for_station(station=station)
    timings["stock_for_station (cached balances), per call"] = (time.perf_counter() - t) / 20
    t = time.perf_counter()
    selectors.stock_overview(stations=Station.objects.all())
    timings["stock_overview (all stations)"] = time.perf_counter() - t
    transit, stock = per_station[station.pk]
    t = time.perf_counter()
    journal_sum = (
        Movement.objects.filter(to_location=stock).aggregate(s=django.db.models.Sum("quantity"))["s"] or 0
    ) - (Movement.objects.filter(from_location=stock).aggregate(s=django.db.models.Sum("quantity"))["s"] or 0)
    timings["one station balance summed from the journal"] = time.perf_counter() - t
    t = time.perf_counter()
    out = StringIO()
    try:
        call_command("spares_verify", stdout=out)
        verdict = "OK"
    except Exception as exc:  # noqa: BLE001
        verdict = f"differences: {exc}"
    timings["spares_verify (all balances + serials)"] = time.perf_counter() - t
    cached = sum(StockBalance.objects.filter(location=stock).values_list("on_hand", flat=True))
    for label, seconds in timings.items():
        print(f"{label}: {seconds * 1000:,.1f} ms")
    print(f"verify verdict: {verdict}; station {station.code} journal sum {journal_sum} = cached {cached}")


if __name__ == "__main__":
    main()
