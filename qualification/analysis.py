"""Testing a definition against history: simulation (a draft versus the active policy) and
calibration (how the active policy's scores relate to what sales made of the leads).

Both score the leads that arrived in the last N days with the pure scoring functions, each
lead as of its latest activity — the moment its engagement peaked, before any decay — and
compare with the stages the leads actually reached. The leads are read in chunks, so memory
stays bounded however long the period.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from django.db.models import Exists, OuterRef

from common.messages import render
from leads.models import Activity, Feedback, Lead
from qualification.bulk import FACT_FIELDS, facts_from_row
from qualification.scoring import PolicySnapshot, ScoreResult, score, summarize

CHUNK = 5_000
# The funnel counts a lead that skipped a stage as having passed it.
SQL_AND_LATER = ("sql_at", "opportunity_at", "won_at")
MQL_AND_LATER = ("mql_at", "sal_at", *SQL_AND_LATER)
BANDS = [(None, 0, "< 0"), (0, 20, "0–19"), (20, 40, "20–39"), (40, 60, "40–59"), (60, 80, "60–79"), (80, None, "80+")]


@dataclass(frozen=True)
class Outcome:
    """What actually happened to a lead."""

    reached_mql: bool
    reached_sql: bool
    won: bool
    no_fit: bool  # sales said "no fit"


@dataclass(frozen=True)
class ActivityRow:
    kind: str
    occurred_at: datetime
    url: str
    title: str
    seconds: object = None  # `data.seconds` as stored: scoring.seconds_on_site() reads it


def scored_history(
    policies: Sequence[PolicySnapshot], *, since: datetime, now: datetime
) -> Iterator[tuple[Outcome, list[ScoreResult]]]:
    """Every lead that arrived between `since` and `now`, with its outcome and its score under
    each of `policies`."""
    leads = (
        Lead.objects.filter(created_at__gte=since, created_at__lte=now)
        .annotate(
            no_fit=Exists(
                Feedback.objects.filter(lead=OuterRef("pk"), disposition=Feedback.Disposition.NO_FIT)
            ),
        )
        .order_by("id")
    )
    last_id = 0
    while True:
        rows = list(
            leads.filter(id__gt=last_id).values_list(
                *FACT_FIELDS, "no_fit", *MQL_AND_LATER
            )[:CHUNK]
        )
        if not rows:
            return
        last_id = rows[-1][0]
        activities = (
            Activity.objects.filter(lead_id__gte=rows[0][0], lead_id__lte=last_id, occurred_at__lte=now)
            .order_by("lead_id")
            .values_list("lead_id", "kind", "occurred_at", "url", "title", "data__seconds")
        )
        by_lead = {
            lead_id: [ActivityRow(*row[1:]) for row in group]
            for lead_id, group in groupby(activities, key=lambda row: row[0])
        }
        for row in rows:
            fact_row = row[: len(FACT_FIELDS)]
            created_at = row[FACT_FIELDS.index("created_at")]
            no_fit, *stamps = row[len(FACT_FIELDS) :]
            reached = dict(zip(MQL_AND_LATER, stamps))
            outcome = Outcome(
                reached_mql=any(reached[name] for name in MQL_AND_LATER),
                reached_sql=any(reached[name] for name in SQL_AND_LATER),
                won=reached["won_at"] is not None,
                no_fit=no_fit,
            )
            facts = facts_from_row(fact_row)
            lead_activities = by_lead.get(row[0], [])
            as_of = max([created_at, *(a.occurred_at for a in lead_activities)])
            results = [
                score(policy, facts, summarize(policy, lead_activities, now=as_of), now=as_of)
                for policy in policies
            ]
            yield outcome, results


@dataclass
class Tally:
    leads: int = 0
    sql: int = 0
    won: int = 0
    no_fit: int = 0

    def add(self, outcome: Outcome) -> None:
        self.leads += 1
        self.sql += outcome.reached_sql
        self.won += outcome.won
        self.no_fit += outcome.no_fit

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def sql_rate(self) -> float | None:
        return self._rate(self.sql, self.leads)

    @property
    def won_rate(self) -> float | None:
        return self._rate(self.won, self.leads)

    @property
    def no_fit_share(self) -> float | None:
        return self._rate(self.no_fit, self.leads)


@dataclass
class Simulation:
    days: int
    leads: int = 0
    draft: Tally = field(default_factory=Tally)  # the leads the draft would make MQL
    active: Tally | None = None  # the same under the active policy
    only_draft: int = 0  # MQL under the draft, not under the active policy
    only_active: int = 0


def simulate(
    draft: PolicySnapshot, active: PolicySnapshot | None, *, days: int, now: datetime
) -> Simulation:
    """How many leads of the last `days` days would have been MQL under the draft versus the
    active policy, and the SQL and won rates those leads actually reached."""
    policies = [draft] if active is None else [draft, active]
    simulation = Simulation(days=days, active=Tally() if active else None)
    for outcome, results in scored_history(policies, since=now - timedelta(days=days), now=now):
        simulation.leads += 1
        draft_mql = results[0].qualifies
        if draft_mql:
            simulation.draft.add(outcome)
        if active is not None:
            active_mql = results[1].qualifies
            if active_mql:
                simulation.active.add(outcome)
            simulation.only_draft += draft_mql and not active_mql
            simulation.only_active += active_mql and not draft_mql
    return simulation


@dataclass
class BandRow:
    label: str
    scored: int = 0  # leads in the band
    handed_over: Tally = field(default_factory=Tally)  # of those, the ones sales got


@dataclass
class RuleRow:
    kind: str
    label: str
    handed_over: Tally = field(default_factory=Tally)
    stands_out: bool = False


@dataclass
class Calibration:
    days: int
    leads: int
    overall: Tally
    fit_bands: list[BandRow]
    engagement_bands: list[BandRow]
    rules: list[RuleRow]


def band_index(points: int) -> int:
    for index, (low, high, _label) in enumerate(BANDS):
        if (low is None or points >= low) and (high is None or points < high):
            return index
    raise AssertionError(points)


def calibrate(policy: PolicySnapshot, *, days: int, now: datetime) -> Calibration:
    """Per fit and engagement band, and per rule: of the leads sales got (reached MQL), how
    many became SQL, were won, or were called "no fit". A rule whose leads are called "no
    fit" clearly more often than average (1.5×, at least 5 leads) stands out."""
    fit_bands = [BandRow(label) for _low, _high, label in BANDS]
    engagement_bands = [BandRow(label) for _low, _high, label in BANDS]
    rules: dict[tuple[str, str], RuleRow] = {}
    overall = Tally()
    leads = 0
    for outcome, (result,) in scored_history([policy], since=now - timedelta(days=days), now=now):
        leads += 1
        fit_band = fit_bands[band_index(result.fit_score)]
        engagement_band = engagement_bands[band_index(result.engagement_score)]
        fit_band.scored += 1
        engagement_band.scored += 1
        if not outcome.reached_mql:
            continue
        overall.add(outcome)
        fit_band.handed_over.add(outcome)
        engagement_band.handed_over.add(outcome)
        fired = {
            (line["kind"], render(line["label"]).split(" ×")[0])  # a label may be a message
            for line in result.explanation
            if line["kind"] in ("fit", "engagement", "decay", "disqualifier")
        }
        for kind, label in fired:
            rules.setdefault((kind, label), RuleRow(kind, label)).handed_over.add(outcome)
    average = overall.no_fit_share or 0
    for row in rules.values():
        share = row.handed_over.no_fit_share or 0
        row.stands_out = row.handed_over.leads >= 5 and average > 0 and share >= 1.5 * average
    return Calibration(
        days=days,
        leads=leads,
        overall=overall,
        fit_bands=fit_bands,
        engagement_bands=engagement_bands,
        rules=sorted(rules.values(), key=lambda r: (-(r.handed_over.no_fit_share or 0), r.label)),
    )
