from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from settlement import exports, services
from settlement.models import Statement


class Command(BaseCommand):
    help = "Write a month's finance workbook (XLSX) and, with --pdf-dir, one PDF statement per station."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--xlsx", required=True, help="workbook file to write")
        parser.add_argument("--pdf-dir", help="directory for the per-station PDF statements")

    def handle(self, *args, **options):
        try:
            month = services.parse_month(options["month"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        def progress(done, total):
            self.stderr.write(f"\r{done}/{total} rows", ending="")

        path = exports.workbook_build(month=month, path=Path(options["xlsx"]), progress=progress)
        self.stderr.write("")
        self.stdout.write(f"workbook: {path}")
        if options["pdf_dir"]:
            folder = Path(options["pdf_dir"])
            folder.mkdir(parents=True, exist_ok=True)
            count = 0
            for statement in Statement.objects.filter(month=month).select_related("station").order_by("station__code"):
                exports.statement_pdf_build(
                    statement=statement, path=folder / f"statement-{month:%Y-%m}-{statement.station.code}.pdf"
                )
                count += 1
            self.stdout.write(f"PDF statements: {count} in {folder}")
