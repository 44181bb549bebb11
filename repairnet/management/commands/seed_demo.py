from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from repairnet import demo

# In the areas' own order (lint-imports): each seeds on what those below it have seeded.
AREAS = ["repairnet", "stations", "spares", "tickets", "settlement", "inspections"]


class Command(BaseCommand):
    help = "Create demo data for every area (idempotent: running it again changes nothing)."

    def handle(self, *args, **options):
        for area in AREAS:
            with transaction.atomic():
                import_module(f"{area}.demo").seed(stdout=self.stdout)
        demo.print_logins(stdout=self.stdout)
