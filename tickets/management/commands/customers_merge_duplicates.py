from django.core.management.base import BaseCommand

from repairnet import roles
from tickets import services


class Command(BaseCommand):
    help = (
        "Merge every customer that is an older customer again (the same name and a shared phone number, the "
        "hotline's identity rule) into the oldest: devices and tickets move, an audit row records each merge."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reason", default="Duplicate customers merged (manage.py customers_merge_duplicates)", help="audit note"
        )

    def handle(self, *args, **options):
        merged = services.customers_merge_duplicates(actor=roles.SYSTEM, reason=options["reason"])
        self.stdout.write(f"{merged} duplicate customer(s) merged")
