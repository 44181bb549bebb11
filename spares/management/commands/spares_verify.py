"""Verify the stock ledger: every cached balance equals the sum of the journal, every serial unit is
where its last movement put it. Prints each difference; exits 1 when there is one."""

from django.core.management.base import BaseCommand, CommandError

from spares.selectors import ledger_differences


class Command(BaseCommand):
    help = "Check stock balances and serial units against the movement journal (non-zero exit on a difference)."

    def handle(self, *args, **options):
        found = ledger_differences()
        for row in found["balances"]:
            self.stdout.write(
                f"BALANCE location={row['location_id']} item={row['item_id']} "
                f"journal={row['journal']} cached={row['cached']} difference={row['cached'] - row['journal']}"
            )
        for row in found["serials"]:
            self.stdout.write(
                f"SERIAL {row['serial']} cached_location={row['cached_location_id']} "
                f"journal_location={row['journal_location_id']}"
            )
        count = len(found["balances"]) + len(found["serials"])
        if count:
            raise CommandError(f"{count} difference(s) between the ledger and the cached stock")
        self.stdout.write(self.style.SUCCESS("Ledger OK: balances and serial units match the journal."))
