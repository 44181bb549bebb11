"""Races for concurrency tests: run the same call in several threads released at once."""

import threading

from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation


def run_threads(count: int, target) -> list:
    """Call ``target(index)`` in ``count`` threads that start together; each outcome is its result,
    ``("refused", message)`` for a ValidationError or ``("error", repr)`` for anything else."""
    barrier = threading.Barrier(count)
    results, lock = [], threading.Lock()

    def worker(index):
        translation.activate("en")
        try:
            barrier.wait()
            outcome = target(index)
        except ValidationError as exc:
            outcome = ("refused", exc.messages[0])
        except Exception as exc:  # noqa: BLE001 - anything else is a failure of the test
            outcome = ("error", repr(exc))
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
