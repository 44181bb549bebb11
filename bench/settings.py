"""The product's settings plus one trivial view, the ceiling the benchmarks compare against (bench/urls.py)."""

from repairnet.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
