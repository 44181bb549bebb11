from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tickets import rollup


class Command(BaseCommand):
    help = (
        "Recount the HQ dashboard's per-station daily figures of the last N days from the tickets (default "
        f"{settings.REPAIRNET['DASHBOARD_STATS_REBUILD_DAYS']}, the dashboard's longest window); "
        "rows already right are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="how many days back from today")

    def handle(self, *args, **options):
        if options["days"] is not None and options["days"] < 1:
            raise CommandError("--days must be at least 1")
        result = rollup.stats_rebuild_recent(days=options["days"])
        self.stdout.write(
            f"{result['days']} days: {result['created']} rows created, {result['updated']} updated, "
            f"{result['deleted']} deleted, {result['unchanged']} unchanged"
        )
