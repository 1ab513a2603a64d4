"""What the won deals teach: the history read from the database, the "what converts" report
(traits, patterns, a proposed definition and its validation) and adopting the proposal as a
draft policy.

The history is every lead that arrived before `until`, with its activities before it went to
sales — its first MQL, or a later stage it skipped to; all of them up to `until` when it never
went — and whether it was won by then. A lead that arrived recently has not had its chance
yet: the report leaves out the leads younger than the time 90 % of the won leads needed from
arrival to won (`time_to_win()`), or the most recent leads would all count as not won.
Leads are read in chunks ordered by id, their activities one query per chunk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from common.business_time import start_of_day
from leads.models import Activity, Lead
from qualification.bulk import FACT_FIELDS, facts_from_row
from qualification.models import EngagementRule, FitRule, QualificationPolicy, next_version
from qualification.proposal import Proposal, Validation, propose, split_by_time, validate
from qualification.whatconverts import (
    ActivityRow,
    LeadRecord,
    Pattern,
    TraitRow,
    TraitTable,
    describe_pattern,
    patterns,
    trait_table,
)

CHUNK = 5_000
WON_WITHIN_SHARE = 0.9
HANDOVER_STAMPS = ("mql_at", "sal_at", "sql_at", "opportunity_at", "won_at")


def end_of_day(day: date) -> datetime:
    """The first moment after `day` in the business time zone: `--until DAY` includes DAY."""
    return start_of_day(day + timedelta(days=1))


def end_of_history() -> datetime:
    return timezone.now()


def time_to_win(*, until: datetime) -> timedelta:
    """How long 90 % of the leads won before `until` took from arrival to won: the database
    sorts the durations and hands over the one at that rank."""
    durations = (
        Lead.objects.filter(won_at__lt=until, won_at__gte=F("created_at"))
        .annotate(took=ExpressionWrapper(F("won_at") - F("created_at"), output_field=DurationField()))
        .order_by("took")
        .values_list("took", flat=True)
    )
    count = durations.count()
    if not count:
        return timedelta(0)
    return durations[math.ceil(count * WON_WITHIN_SHARE) - 1]


def history(*, until: datetime, arrived_before: datetime | None = None) -> list[LeadRecord]:
    """The leads that arrived before `arrived_before` (default: `until`), as they were at
    `until`."""
    arrived = min(until, arrived_before or until)
    leads = Lead.objects.filter(created_at__lt=arrived).order_by("id")
    # The database leaves out what no record keeps: activities of leads outside the history,
    # and those after the first stamp in the funnel's order (no later than the earliest
    # stamp, which the loop below keeps to exactly).
    first_stamp = Coalesce(*(F(f"lead__{stamp}") for stamp in HANDOVER_STAMPS), Value(until))
    records: list[LeadRecord] = []
    last_id = 0
    while True:
        rows = list(leads.filter(id__gt=last_id).values_list(*FACT_FIELDS, *HANDOVER_STAMPS, "lost_at")[:CHUNK])
        if not rows:
            return records
        last_id = rows[-1][0]
        activities = (
            Activity.objects.filter(
                lead_id__gte=rows[0][0], lead_id__lte=last_id, lead__created_at__lt=arrived,
                occurred_at__lt=until, occurred_at__lte=first_stamp,
            )
            .order_by("lead_id", "occurred_at", "id")
            .values_list("lead_id", "kind", "occurred_at", "url", "title", "data__seconds")
        )
        by_lead = {
            lead_id: [ActivityRow(kind, at, url, title, seconds_of(seconds)) for _lead, kind, at, url, title, seconds in group]
            for lead_id, group in groupby(activities.iterator(chunk_size=CHUNK), key=lambda row: row[0])
        }
        for row in rows:
            stamps = dict(zip(HANDOVER_STAMPS, row[len(FACT_FIELDS) : -1]))
            handed_over = min((stamp for stamp in stamps.values() if stamp is not None), default=None)
            # The activity that made it an MQL counts: it happened at that moment, not after.
            before = [a for a in by_lead.get(row[0], []) if handed_over is None or a.occurred_at <= handed_over]
            won = stamps["won_at"] is not None and stamps["won_at"] < until
            lost_at = row[-1] if row[-1] is not None and row[-1] < until else None
            window_end = min(handed_over or lost_at or until, until)
            records.append(LeadRecord(facts_from_row(row[: len(FACT_FIELDS)]), tuple(before), won, window_end))


def seconds_of(value) -> float | None:
    """An activity's `data.seconds` as a number of seconds, None when it has none that is one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)


@dataclass
class Report:
    until: datetime
    table: TraitTable
    waited: timedelta = timedelta(0)  # leads younger than this at `until` are left out
    patterns: list[Pattern] = field(default_factory=list)
    proposal: Proposal | None = None
    validation: Validation | None = None
    active_version: int | None = None  # the policy the validation compares with

    def pattern_texts(self) -> list[str]:
        return [describe_pattern(pattern) for pattern in self.patterns]

    def as_data(self) -> dict:
        return {
            "until": self.until.isoformat(),
            "left_out_younger_than_days": round(self.waited / timedelta(days=1), 1),
            "left_out_younger_than_seconds": self.waited.total_seconds(),
            "active_version": self.active_version,
            "leads": self.table.leads,
            "won": self.table.won,
            "rate": round(self.table.rate, 4),
            "traits": [row.as_data() for row in self.table.rows],
            "patterns": self.pattern_texts(),
            "pattern_traits": [
                {"traits": [list(trait) for trait in p.traits], "leads": p.leads, "won": p.won, "won_share": p.won_share}
                for p in self.patterns
            ],
            "suggestion": self.proposal.as_data() if self.proposal else None,
            "validation": self.validation.as_data() if self.validation else None,
        }

    @classmethod
    def from_data(cls, data: dict) -> "Report":
        """The report `as_data()` wrote (a stored one): codes and figures, put into words again
        in the reader's language — the stored texts are not read."""
        leads, won = data["leads"], data["won"]
        average = won / leads if leads else 0.0
        table = TraitTable(leads, won, [
            TraitRow(row["attribute"], row["value"], row["leads"], row["won"], average) for row in data["traits"]
        ])
        return cls(
            until=datetime.fromisoformat(data["until"]),
            table=table,
            waited=timedelta(seconds=data["left_out_younger_than_seconds"]),
            patterns=[
                Pattern(tuple(tuple(trait) for trait in p["traits"]), p["leads"], p["won"], p["won_share"], average)
                for p in data["pattern_traits"]
            ],
            proposal=Proposal.from_data(data["suggestion"]) if data["suggestion"] else None,
            validation=Validation.from_data(data["validation"]) if data["validation"] else None,
            active_version=data["active_version"],
        )


def report_from(records: list[LeadRecord], *, active: QualificationPolicy | None, until: datetime | None = None) -> Report:
    table = trait_table(records)
    report = Report(
        until=until or end_of_history(), table=table, patterns=patterns(records, table),
        active_version=active.version if active else None,
    )
    training, holdout, cutoff = split_by_time(records)
    base = active.snapshot() if active else None
    report.proposal = propose(training, base=base)
    if report.proposal is not None and holdout:
        report.validation = validate(report.proposal.snapshot, base, training=training, holdout=holdout, cutoff=cutoff)
    return report


def report(*, until: datetime) -> Report:
    """The whole report over the leads that had their chance by `until`, next to the active
    policy."""
    active = QualificationPolicy.objects.with_rules().active()
    waited = time_to_win(until=until)
    result = report_from(history(until=until, arrived_before=until - waited), active=active, until=until)
    result.waited = waited
    return result


@transaction.atomic
def adopt(proposal: Proposal, *, by) -> QualificationPolicy:
    """A new draft with the proposal's rules and thresholds; the rest (disqualifiers, intent
    tiers, decay, temperature bands) copied from the active policy. Not active, not signed:
    marketing edits, simulates, signs and activates it as any draft. A rule the policy
    refuses raises ValidationError and no draft is left behind."""
    active = QualificationPolicy.objects.with_rules().active()
    if active is not None:
        draft = active.copy_as_draft(by=by)
        draft.fit_rules.all().delete()
        draft.engagement_rules.all().delete()
    else:
        draft = QualificationPolicy.objects.create(version=next_version(), created_by=by)
    snapshot = proposal.snapshot
    draft.fit_threshold = snapshot.fit_threshold
    draft.engagement_threshold = snapshot.engagement_threshold
    draft.customer_engagement_threshold = snapshot.customer_engagement_threshold
    draft.save(update_fields=["fit_threshold", "engagement_threshold", "customer_engagement_threshold"])
    # No label: a rule without one describes itself in the reader's language.
    rules = [
        FitRule(policy=draft, attribute=r.attribute, operator=r.operator, value=r.value, points=r.points)
        for r in snapshot.fit_rules
    ] + [
        EngagementRule(
            policy=draft, activity_kind=r.activity_kind, points=r.points, cap=r.cap, min_count=r.min_count,
            window_days=r.window_days, min_minutes=r.min_minutes,
        )
        for r in snapshot.engagement_rules
    ]
    if not rules:
        raise ValidationError(_("The proposal has no rules."))
    for rule in rules:
        rule.full_clean()
    FitRule.objects.bulk_create([rule for rule in rules if isinstance(rule, FitRule)])
    EngagementRule.objects.bulk_create([rule for rule in rules if isinstance(rule, EngagementRule)])
    return draft
