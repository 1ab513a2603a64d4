"""python manage.py whatconverts: what won leads had in common, and the definition it suggests."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from qualification import learning, stored_reports
from qualification.whatconverts import trait_label, value_label

ROWS_PER_TRAIT = 8


class Command(BaseCommand):
    help = (
        "Compare the won leads with the rest over the history: per trait the leads, won, the "
        "won rate and its lift; the top patterns; a proposed definition fitted on the older "
        "leads and validated on the most recent ones, next to the active policy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", help="Only leads that arrived up to and including this day (YYYY-MM-DD).")
        parser.add_argument("--json", action="store_true", help="Print the whole report as JSON.")
        parser.add_argument(
            "--store", action="store_true",
            help="Also store the report: the what-converts page shows it (and adopts its proposal) until a newer one.",
        )

    def handle(self, *args, until, json: bool, store: bool, **options):
        if until:
            try:
                day = date.fromisoformat(until)
            except ValueError:
                raise CommandError(f"--until {until!r} is not a day: write it as YYYY-MM-DD.")
            moment = learning.end_of_day(day)
        else:
            moment = learning.end_of_history()
        # The command's own words are English; the labels and patterns follow them.
        with translation.override("en"):
            if store:
                stored = stored_reports.compute_and_store(until=moment, now=timezone.now())
                report = stored_reports.report_of(stored)
                self.stderr.write(f"Stored as report {stored.pk} ({stored.duration.total_seconds():.1f} s).")
            else:
                report = learning.report(until=moment)
            if json:
                self.stdout.write(dumps(report.as_data()))
                return
            self.write_text(report)

    def write_text(self, report):
        table = report.table
        out = self.stdout.write
        out(f"{table.leads} leads, {table.won} won ({table.rate:.1%}) before {report.until:%Y-%m-%d %H:%M}")
        if report.waited:
            out(f"Left out: the leads younger than {report.waited.days} days (90 % of the won leads took at most that long).")
        if not table.leads:
            return
        shown: dict[str, int] = {}
        current = None
        for row in table.rows:
            if shown.get(row.attribute, 0) >= ROWS_PER_TRAIT:
                continue
            shown[row.attribute] = shown.get(row.attribute, 0) + 1
            if row.attribute != current:
                current = row.attribute
                out(f"\n{trait_label(row.attribute)}")
            lift = "–" if row.lift is None else f"{row.lift:.2f}×"
            marker = "  (small sample)" if row.small_sample else ""
            out(f"  {value_label(row.attribute, row.value):<32} {row.leads:>7} leads {row.won:>6} won {row.rate:>6.1%}  lift {lift}{marker}")
        if report.patterns:
            out("\nPatterns")
            for text in report.pattern_texts():
                out(f"  {text}")
        proposal = report.proposal
        if proposal is None:
            out("\nNo proposal: the history needs won leads and leads that were not won.")
            return
        policy = proposal.snapshot
        out(f"\nProposal ({len(proposal.rules)} rules): MQL at fit ≥ {policy.fit_threshold}, engagement ≥ {policy.engagement_threshold}")
        for rule in proposal.rules:
            out(f"  {rule.points:+4d}  {rule.label}")
        validation = report.validation
        if validation is None:
            return
        out(
            f"\nHold-out: the {validation.holdout_leads} most recent leads ({validation.holdout_won} won), "
            f"fitted on the {validation.training_leads} before them"
        )
        out(f"  {'':<16}{'AUC':>8}{'top 10 %':>10}{'top 30 %':>10}")
        out(f"  {'proposal':<16}{figure(validation.auc)}{rate(validation.top_decile_rate)}{rate(validation.top_30_rate)}")
        out(f"  {'active policy':<16}{figure(validation.active_auc)}{rate(validation.active_top_decile_rate)}{rate(validation.active_top_30_rate)}")


def figure(value) -> str:
    return f"{'–' if value is None else format(value, '.3f'):>8}"


def rate(value) -> str:
    return f"{'–' if value is None else format(value, '.1%'):>10}"


def dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
