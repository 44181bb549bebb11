import time
from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from repairnet import demo

# In the areas' own order (lint-imports): each seeds on what those below it have seeded.
AREAS = ["repairnet", "stations", "spares", "tickets", "settlement", "inspections", "fraud"]


class _Progress:
    """The areas' own lines, flushed as they come (a first run must not look hung), and each timed."""

    def __init__(self, stdout):
        self.out = stdout

    def write(self, msg="", *args, **kwargs):
        self.out.write(msg, *args, **kwargs)
        self.out.flush()

    def flush(self):
        self.out.flush()


class Command(BaseCommand):
    help = "Create demo data for every area (idempotent: running it again changes nothing)."

    def handle(self, *args, **options):
        out = _Progress(self.stdout)
        started = time.monotonic()
        for n, area in enumerate(AREAS, start=1):
            at = time.monotonic()
            out.write(f"[{n}/{len(AREAS)}] seeding {area} …")
            with transaction.atomic():
                import_module(f"{area}.demo").seed(stdout=out)
            out.write(f"[{n}/{len(AREAS)}] {area} done in {time.monotonic() - at:.1f} s")
        out.write(f"Demo data ready in {time.monotonic() - started:.1f} s.")
        demo.print_logins(stdout=out)
