from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from repairnet import roles
from tickets import services


class Command(BaseCommand):
    help = (
        "Load China's public holidays of a year (default: this year and the next) into the SLA calendar from "
        "the State Council calendar (chinesecalendar). A year already loaded is kept as HQ edited it unless "
        "--force, which replaces the calendar's days of that year (never days HQ entered)."
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="years to load, e.g. 2026 2027")
        parser.add_argument("--force", action="store_true", help="replace the calendar's days of these years")

    def handle(self, *args, **options):
        today = timezone.localdate()
        years = options["years"] or [today.year, today.year + 1]
        if any(not 2000 <= y <= 2100 for y in years):
            raise CommandError("years must lie between 2000 and 2100")
        for year in years:
            added = services.holidays_load(year=year, actor=roles.SYSTEM, force=options["force"])
            self.stdout.write(f"{year}: {added} holiday(s) added")
