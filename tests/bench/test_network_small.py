"""The network benchmark's requests on a small data set (bench/network.py at 20,000 tickets): what does not
depend on the machine's speed. Each request's query count is within its ceiling, and on PostgreSQL no query it
runs needs a sequential scan of tickets, devices, customers or movements.
"""

import argparse
import re

import pytest
from django.db import connection

from bench import network

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TICKETS = 20_000
# Query ceilings: the targets for the list, search and hotline page; the others are today's counts, which
# the areas' own tests prove constant (small vs large data). A search that finds nothing skips its prefetches.
CEILINGS = {"ticket list": 6, "search by": 6, "hotline page": 10, "HQ dashboard": 8, "station queue": 10,
            "hotline look-up": 10}  # fmt: skip
BIG_TABLES = ("tickets_ticket", "tickets_device", "tickets_customer", "spares_movement")
SEQ_SCAN = re.compile(r"Seq Scan on ({})\b".format("|".join(BIG_TABLES)))


@pytest.fixture
def network_data(db, settings):
    settings.ALLOWED_HOSTS = ["*"]
    network.generate(argparse.Namespace(stations=50, tickets=TICKETS, movements=3 * TICKETS), migrate=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _plan(sql: str) -> str:
    """The plan with sequential scans priced out: a Seq Scan that remains has no index path at all."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


def test_every_request_runs_constant_queries_and_index_scans_only(network_data):
    clients = network.bench_clients()
    failures = []
    for label, user, method, requests in network.probes(tickets=TICKETS, count=3):
        counts = []
        for request in requests:
            _elapsed, queries = network.run_probe(clients[user], method, request)
            counts.append(len(queries))
            for query in queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                if found := SEQ_SCAN.findall(_plan(sql)):
                    failures.append(f"{label}: sequential scan of {sorted(set(found))} in {sql[:300]}")
        ceiling = next(n for prefix, n in CEILINGS.items() if label.startswith(prefix))
        if max(counts) > ceiling:
            failures.append(f"{label}: {max(counts)} queries, ceiling {ceiling}")
    assert not failures, "\n".join(failures)


def test_ticket_create_runs_at_most_twelve_queries(network_data):
    # issue 12's 12, the outbox's INSERT included (the token look-up reads the caller's roles with the user)
    assert network.create_queries() <= 12
