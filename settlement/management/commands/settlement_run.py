from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from settlement import services


class Command(BaseCommand):
    help = "Rebuild the draft statements of a month (issued and later statements are left untouched)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, **options):
        try:
            month = services.parse_month(options["month"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        run = services.settlement_run_start(month=month, actor=None, queue=False)
        run = services.settlement_run_execute(run_id=run.pk)
        self.stdout.write(
            f"{run.month:%Y-%m}: {run.status}; drafts {run.drafts_count}, untouched {run.locked_count}, "
            f"lines {run.lines_count}, excluded {run.excluded_count}"
        )
        if run.status != run.Status.DONE:
            raise CommandError(run.message or "run did not finish")
