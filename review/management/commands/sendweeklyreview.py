"""python manage.py sendweeklyreview [--week 2026-W46]: queue the weekly review's digest for
the people who read it (sales managers, marketing, RevOps); `runworker` sends it. Once per
week: a second run (or the worker's own Monday run) finds it done and sends nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from review.digest import send_weekly_review
from review.weeks import IsoWeek


class Command(BaseCommand):
    help = "Queue the weekly review digest (last complete ISO week), once per week."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="An ISO week like 2026-W46 (default: the last complete week).")

    def handle(self, *args, week=None, **options):
        try:
            chosen = IsoWeek.parse(week) if week else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        digest = send_weekly_review(now=timezone.now(), week=chosen)
        if digest is None:
            self.stdout.write("The digest of that week was already sent; nothing to do.")
        else:
            self.stdout.write(f"Queued the digest of {digest} for {digest.recipients} people.")
