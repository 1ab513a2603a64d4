"""python manage.py backfillfirstcontact: the weekly review's response-time facts for leads
handed over before Handoff stored them (the first-contact deadline and the business time to
the first attempt). Safe to run again: it only touches leads that still miss them."""

from django.core.management.base import BaseCommand

from common.progress import progress_bar
from handoff.clocks import backfill_first_contact


class Command(BaseCommand):
    help = "Store the first-contact deadline and business time to first contact where they are missing."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="Leads per transaction (default 2000).")

    def handle(self, *args, batch: int, verbosity: int, **options):
        with progress_bar(self.stderr, unit="leads", disable=verbosity < 1) as bar:
            updated = backfill_first_contact(batch=batch, progress=bar.update)
        self.stdout.write(f"Updated {updated} leads.")
