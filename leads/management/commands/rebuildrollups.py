"""python manage.py rebuildrollups: compute the funnel's and the weekly review's rollups afresh
from the leads.

Needed once after a migration that adds a dimension or a figure, after loading data by hand
(COPY, a restored dump) and by the demo data; every write of the application keeps them up to
date itself. Safe at any time: one transaction, during which the application's writes wait."""

from django.core.management.base import BaseCommand

from common.progress import progress_bar
from leads.models import Lead
from leads.rollups import rebuild


class Command(BaseCommand):
    help = "Rebuild the funnel dashboard's and the weekly review's rollup tables from the leads."

    def handle(self, *args, verbosity: int, **options):
        with progress_bar(self.stderr, unit="leads", total=Lead.objects.count(), disable=verbosity < 1) as bar:
            seen = 0

            def advance(done: int) -> None:
                nonlocal seen
                bar.update(done - seen)
                seen = done

            written = rebuild(Lead.objects, progress=advance)
        self.stdout.write(
            f"Rolled up {written['leads']} leads: {written['cohort_rows']} cohort rows, "
            f"{written['time_rows']} lead-time rows, {written['activity_rows']} activity rows, "
            f"{written['activity_time_rows']} activity lead-time rows, {written['speed_rows']} speed-to-lead rows, "
            f"{written['activity_speed_rows']} activity speed-to-lead rows, "
            f"{written['stage_rows']} stage rows, {written['review_rows']} weekly review rows."
        )
