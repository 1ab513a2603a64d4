"""python manage.py rescore: re-score leads under the active qualification policy."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from common.progress import progress_bar
from leads.models import Lead
from qualification.bulk import rescore_leads
from qualification.models import QualificationPolicy


class Command(BaseCommand):
    help = (
        "Re-score every open lead under the active qualification policy, in chunks with "
        "bounded memory, and move the leads whose score changes their stage (never a lead "
        "sales already accepted)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all-leads", action="store_true", help="Also score closed leads (scores only; they do not move).")
        parser.add_argument("--scores-only", action="store_true", help="Store scores, move no lead.")
        parser.add_argument("--chunk", type=int, default=20_000, help="Leads per transaction (default 20000).")
        parser.add_argument(
            "--workers", type=int, default=1,
            help="Worker processes re-scoring at once, each with its own connection and share of the "
            "leads (PostgreSQL only; default 1). Two suit a two-core server.",
        )

    def handle(self, *args, all_leads, scores_only, chunk, workers, verbosity, **options):
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if workers > 1 and connection.vendor != "postgresql":
            raise CommandError(f"--workers above 1 needs PostgreSQL; this database is {connection.vendor}.")
        policy = QualificationPolicy.objects.with_rules().active()
        if policy is None:
            raise CommandError("No qualification policy is active: activate one first.")
        now = timezone.now()
        leads = Lead.objects.all() if all_leads else Lead.objects.open()
        started = time.monotonic()
        with progress_bar(self.stderr, total=leads.count(), unit="leads", disable=verbosity < 1) as bar:
            stats = rescore_leads(
                policy.snapshot(), now=now, open_only=not all_leads, move=not scores_only,
                chunk_size=chunk, progress=bar.update, workers=workers,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-scored {stats.scored} leads under policy v{policy.version} in "
                f"{time.monotonic() - started:.1f} s ({stats.changed} scores changed): "
                f"{stats.qualified} became MQL, "
                f"{stats.disqualified} disqualified, {stats.nurtured} to nurture."
            )
        )
