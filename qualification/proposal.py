"""A draft definition learnt from the history: readable point rules fitted on the older part
of it and validated on the most recent part.

Pure: `LeadRecord`s in (see `qualification.whatconverts`), a `Proposal` and its `Validation`
out. The candidates are the rules a policy can already say — "sector is food", "employees at
least 100", "job title contains manager", "3 page visits or more" — each fitted as a yes/no
feature. A logistic regression (Newton's method, with a little ridge so that rare features stay
calm) weighs them on the training part; values of one attribute that weigh about the same become one
"is one of" rule, the weakest are dropped until at most `MAX_RULES` are left, and each weight
becomes whole points (one log-odds = `POINTS_PER_LOG_ODDS` points). The
thresholds are the ones that best separate won from not won on the training part (F1). The
hold-out part — the most recent `HOLDOUT_SHARE` of the leads by arrival — is then scored with
the same scoring functions as any policy, and so is the active policy, side by side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.translation import gettext as _

from common.messages import render
from leads.models import Activity, Channel, ConversionAction, Sector
from qualification.regression import auc, fit_logistic, grouped, top_rate
from qualification.scoring import (
    WEBSITE_KINDS,
    EngagementRuleSpec,
    FitRuleSpec,
    LeadFacts,
    PolicySnapshot,
    ScoreResult,
    fit_rule_fires,
    minutes_label,
    score,
    seconds_on_site,
    summarize,
    thresholds_met,
)
from qualification.vocabulary import Attribute, Operator, split_list
from qualification.whatconverts import (
    MINUTES_BANDS,
    SENIORITY_WORDS,
    WINDOW_DAYS,
    LeadRecord,
    Seniority,
    title_words,
)

HOLDOUT_SHARE = 0.3
MAX_RULES = 15
# Candidates kept for the first fit, then fewer at each round until MAX_RULES are left.
SELECTION_ROUNDS = (40, 25, MAX_RULES)
POINTS_PER_LOG_ODDS = 10
MERGE_WITHIN = 0.3  # log-odds: values whose weights differ less than this share one rule
# Beyond this many leads in the training part or the hold-out an even sample of them is used:
# 15 weights need far fewer leads, and the time stays bounded however long the history.
SAMPLE_LIMIT = 50_000
MIN_SUPPORT = 20  # a candidate needs at least this many training leads with it, and without it
SIZE_STEPS = (10, 50, 100, 250, 1000)
COUNT_STEPS = (1, 2, 3, 5, 10)
# Minutes on the website in the window: the lower bounds of the window trait's bands.
MINUTE_STEPS = tuple(low for low, _high, _label in MINUTES_BANDS if low > 0)
VALUE_ATTRIBUTES = (
    Attribute.SECTOR, Attribute.COUNTRY, Attribute.REGION, Attribute.CHANNEL, Attribute.SOURCE,
    Attribute.CAMPAIGN, Attribute.CONVERSION_ACTION, Attribute.PRODUCT_INTEREST,
)
DISQUALIFIED = -(10**9)
CHOICES_OF = {Attribute.SECTOR: Sector, Attribute.CHANNEL: Channel, Attribute.CONVERSION_ACTION: ConversionAction}  # a disqualified lead ranks below every score


def split_by_time(records: Sequence[LeadRecord], *, holdout_share: float = HOLDOUT_SHARE):
    """(training, hold-out, cutoff): the hold-out is the most recent `holdout_share` of the
    leads by arrival; leads that arrived at the cutoff moment itself all go to the hold-out."""
    ordered = sorted(records, key=lambda record: record.arrived_at)
    held = round(len(ordered) * holdout_share)
    if not ordered or held == 0:
        return ordered, [], None
    cutoff = ordered[len(ordered) - held].arrived_at
    training = [record for record in ordered if record.arrived_at < cutoff]
    return training, [record for record in ordered if record.arrived_at >= cutoff], cutoff


def evenly_sampled(records: Sequence[LeadRecord], limit: int = SAMPLE_LIMIT) -> Sequence[LeadRecord]:
    """At most `limit` records, spread evenly over the sequence (every n-th by position)."""
    if len(records) <= limit:
        return records
    return [records[len(records) * i // limit] for i in range(limit)]


# --- candidates ----------------------------------------------------------------------------


Rule = FitRuleSpec | EngagementRuleSpec


def fires(rule: Rule, record: LeadRecord) -> bool:
    if isinstance(rule, EngagementRuleSpec):
        if rule.min_minutes:
            return seconds_matching(record, rule) >= rule.min_minutes * 60
        return record.counts[rule.activity_kind] >= rule.min_count
    return fit_rule_fires(rule, record.facts)


def seconds_matching(record: LeadRecord, rule: EngagementRuleSpec) -> float:
    """The record's time on the website through the activities `rule` matches (its kind, in
    its window) at the moment it is scored (`score_record`), as a minutes rule adds it up."""
    return sum(seconds_on_site(a) for a in record.activities if rule.matches(a, now=record.as_of))


def rule_label(rule: Rule) -> str:
    """How a proposed rule reads, in the active language."""
    if isinstance(rule, EngagementRuleSpec):
        if rule.min_minutes:
            return render(minutes_label(rule.activity_kind, rule.min_minutes, rule.window_days))
        kind = Activity.Kind(rule.activity_kind).label
        if rule.min_count <= 1:
            return _("%(kind)s: at least once") % {"kind": kind}
        return _("%(kind)s: at least %(count)s times") % {"kind": kind, "count": rule.min_count}
    choices = CHOICES_OF.get(rule.attribute)
    value = rule.value
    if choices is not None:
        value = ", ".join(str(choices(v).label) if v in choices.values else v for v in split_list(rule.value))
    if rule.operator == Operator.IS_TRUE:
        return f"{Attribute(rule.attribute).label} {Operator(rule.operator).label}"
    return f"{Attribute(rule.attribute).label} {Operator(rule.operator).label} {value}"


def fit_candidate(attribute: str, operator: str, value: str) -> FitRuleSpec:
    return FitRuleSpec(attribute, operator, value, 0, "")


def candidate_keys(record: LeadRecord) -> list[Rule]:
    """The candidate rules this lead matches (the counting twin of `fires()`)."""
    facts = record.facts
    found: list[Rule] = []
    for attribute in VALUE_ATTRIBUTES:
        value = str(facts.value_of(attribute) or "").strip()
        if value and not any(separator in value for separator in ",;\n"):
            found.append(fit_candidate(attribute, Operator.EQUALS, value))
    if facts.employees is not None:
        found += [fit_candidate(Attribute.EMPLOYEES, Operator.AT_LEAST, str(step)) for step in SIZE_STEPS if facts.employees >= step]
    if facts.is_customer:
        found.append(fit_candidate(Attribute.EXISTING_CUSTOMER, Operator.IS_TRUE, ""))
    found += [fit_candidate(Attribute.JOB_TITLE, Operator.CONTAINS_ANY, word) for word in sorted(title_words(facts.job_title))]
    counts = record.counts
    for kind in Activity.Kind.values:
        found += [EngagementRuleSpec(kind, 0, "", min_count=step) for step in COUNT_STEPS if counts[kind] >= step]
    for kind in WEBSITE_KINDS:
        if counts[kind] and any(seconds_on_site(a) for a in record.activities if a.kind == kind):
            minutes = seconds_matching(record, minutes_candidate(kind, 1)) / 60
            found += [minutes_candidate(kind, step) for step in MINUTE_STEPS if minutes >= step]
    return found


def minutes_candidate(kind: str, minutes: int) -> EngagementRuleSpec:
    return EngagementRuleSpec(kind, 0, "", window_days=WINDOW_DAYS, min_minutes=minutes)


SENIORITY_RULES = [
    fit_candidate(Attribute.JOB_TITLE, Operator.CONTAINS_ANY, ", ".join(SENIORITY_WORDS[level]))
    for level in (Seniority.EXECUTIVE, Seniority.MANAGER)
]


def strongest_candidates(training: Sequence[LeadRecord], *, limit: int) -> tuple[list[Rule], list[list[int]]]:
    """The candidates whose won rate differs most from the rest's (a two-proportion z-score),
    each seen with and without on at least MIN_SUPPORT training leads — of candidates that
    match exactly the same leads only the first —, with each training lead's matching
    candidates (by index)."""
    total, won = len(training), sum(record.won for record in training)
    if not total or not won or won == total:
        return [], []
    matching: dict[Rule, list[int]] = {}
    canonical: dict[tuple, Rule] = {}  # "Mumbai" and "mumbai" are one rule: "is" ignores case
    for index, record in enumerate(training):
        for key in candidate_keys(record) + [rule for rule in SENIORITY_RULES if fires(rule, record)]:
            if isinstance(key, FitRuleSpec):
                key = canonical.setdefault((key.attribute, key.operator, key.value.lower()), key)
            matching.setdefault(key, []).append(index)
    rate = won / total
    spread = rate * (1 - rate)
    outcomes = [record.won for record in training]

    def strength(key) -> float:
        n1 = len(matching[key])
        won_with = sum(outcomes[i] for i in matching[key])
        r1, r0 = won_with / n1, (won - won_with) / (total - n1)
        return abs(r1 - r0) / math.sqrt(spread * (1 / n1 + 1 / (total - n1)))

    eligible = [key for key, leads in matching.items() if MIN_SUPPORT <= len(leads) <= total - MIN_SUPPORT]
    eligible.sort(key=lambda key: (-strength(key), rule_sort_key(key)))
    chosen, seen = [], set()
    for key in eligible:
        matched = tuple(matching[key])
        if matched not in seen:
            seen.add(matched)
            chosen.append(key)
        if len(chosen) == limit:
            break
    rows: list[list[int]] = [[] for _record in training]
    for column, key in enumerate(chosen):
        for index in matching[key]:
            rows[index].append(column)
    return chosen, rows


def rule_sort_key(rule: Rule) -> tuple:
    if isinstance(rule, EngagementRuleSpec):
        return (1, rule.activity_kind, rule.min_count, rule.min_minutes or 0)
    return (0, rule.attribute, rule.operator, rule.value)


# --- the logistic regression -----------------------------------------------------------------


# --- the proposal ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    snapshot: PolicySnapshot  # the proposed rules and thresholds, on the base policy's other settings
    training_leads: int
    training_won: int

    @property
    def rules(self) -> list[Rule]:
        return [*self.snapshot.fit_rules, *self.snapshot.engagement_rules]

    def as_data(self) -> dict:
        policy = self.snapshot
        return {
            "training_leads": self.training_leads,
            "training_won": self.training_won,
            "fit_threshold": policy.fit_threshold,
            "engagement_threshold": policy.engagement_threshold,
            "customer_engagement_threshold": policy.customer_engagement_threshold,
            "fit_rules": [
                {"attribute": r.attribute, "operator": r.operator, "value": r.value, "points": r.points, "label": r.label}
                for r in policy.fit_rules
            ],
            "engagement_rules": [
                {
                    "activity_kind": r.activity_kind, "min_count": r.min_count, "points": r.points, "cap": r.cap,
                    "window_days": r.window_days, "min_minutes": r.min_minutes, "label": r.label,
                }
                for r in policy.engagement_rules
            ],
        }

    @classmethod
    def from_data(cls, data: dict) -> "Proposal":
        """The proposal `as_data()` stored: its rules and thresholds (the other settings of a
        draft come from the active policy when it is adopted), labelled in the active language."""
        fit_rules = tuple(
            with_points(fit_candidate(r["attribute"], r["operator"], r["value"]), r["points"]) for r in data["fit_rules"]
        )
        # A report stored before minutes rules has neither window_days nor min_minutes.
        engagement_rules = tuple(
            replace(
                with_points(
                    EngagementRuleSpec(
                        r["activity_kind"], 0, "", min_count=r["min_count"],
                        window_days=r.get("window_days"), min_minutes=r.get("min_minutes"),
                    ),
                    r["points"],
                ),
                cap=r["cap"],
            )
            for r in data["engagement_rules"]
        )
        snapshot = replace(
            empty_policy(), fit_threshold=data["fit_threshold"], engagement_threshold=data["engagement_threshold"],
            customer_engagement_threshold=data["customer_engagement_threshold"],
            fit_rules=fit_rules, engagement_rules=engagement_rules,
        )
        return cls(snapshot, data["training_leads"], data["training_won"])


def empty_policy() -> PolicySnapshot:
    return PolicySnapshot(version=0, fit_threshold=0, engagement_threshold=0, customer_engagement_threshold=0)


def with_points(rule: Rule, points: int) -> Rule:
    if isinstance(rule, EngagementRuleSpec):
        # One-off: the points once the lead did it min_count times (or stayed min_minutes),
        # however often it did; a minutes rule gives them once anyway and takes no cap.
        return replace(rule, points=points, cap=None if rule.min_minutes else abs(points), label=rule_label(rule))
    return replace(rule, points=points, label=rule_label(rule))


def propose(training: Sequence[LeadRecord], *, base: PolicySnapshot | None = None) -> Proposal | None:
    """Fit at most MAX_RULES point rules on `training`; None when it has no won lead (or only
    won leads): there is nothing to learn from. The disqualifiers, intent tiers and the other
    settings come from `base` (the active policy), unchanged."""
    base = base or empty_policy()
    training = evenly_sampled(training)
    outcomes = [record.won for record in training]
    candidates, matrix = strongest_candidates(training, limit=SELECTION_ROUNDS[0])
    if not candidates:
        return None

    def refit(candidates, matrix):
        return fit_logistic(grouped(matrix, outcomes), len(candidates))[1]

    weights = refit(candidates, matrix)
    for keep in [*SELECTION_ROUNDS[1:], None]:
        candidates, matrix, merged = merge_alike(candidates, weights, matrix)
        if merged:
            weights = refit(candidates, matrix)
        if keep is not None and len(candidates) > keep:
            candidates, matrix = strongest_fitted(candidates, weights, matrix, keep=keep)
            weights = refit(candidates, matrix)
    rules = [
        with_points(rule, round(weight * POINTS_PER_LOG_ODDS))
        for rule, weight in zip(candidates, weights)
        if round(weight * POINTS_PER_LOG_ODDS)
    ]
    snapshot = replace(
        base,
        version=0,
        fit_rules=tuple(rule for rule in rules if isinstance(rule, FitRuleSpec)),
        engagement_rules=tuple(rule for rule in rules if isinstance(rule, EngagementRuleSpec)),
    )
    return Proposal(choose_thresholds(snapshot, training), len(training), sum(outcomes))


def strongest_fitted(candidates: list[Rule], weights: list[float], matrix: list[list[int]], *, keep: int):
    """The `keep` candidates that weigh most in the fit: weight × the spread of the feature."""
    shares = [0] * len(candidates)
    for row in matrix:
        for index in row:
            shares[index] += 1
    importance = [abs(w) * math.sqrt(n / len(matrix) * (1 - n / len(matrix))) for w, n in zip(weights, shares)]
    kept = sorted(sorted(range(len(candidates)), key=lambda i: -importance[i])[:keep])
    renumber = {old: new for new, old in enumerate(kept)}
    return [candidates[i] for i in kept], [[renumber[i] for i in row if i in renumber] for row in matrix]


def merge_alike(candidates: list[Rule], weights: list[float], matrix: list[list[int]]):
    """One "is one of" rule for values of one attribute that weigh about the same (within
    MERGE_WITHIN log-odds): "region is one of Mumbai, Thane" reads better than two rules, and
    frees a place for another. Returns (candidates, matrix, whether anything merged)."""
    groups: dict[str, list[int]] = {}
    for index, rule in enumerate(candidates):
        if isinstance(rule, FitRuleSpec) and rule.attribute in VALUE_ATTRIBUTES and rule.operator in (Operator.EQUALS, Operator.IN):
            groups.setdefault(rule.attribute, []).append(index)
    target = list(range(len(candidates)))  # old index → new index, before renumbering
    merged_rules: dict[int, Rule] = {}
    for attribute, members in groups.items():
        members.sort(key=lambda i: weights[i])
        cluster: list[int] = []
        for index in [*members, None]:
            if index is not None and (not cluster or weights[index] - weights[cluster[0]] <= MERGE_WITHIN):
                cluster.append(index)
                continue
            if len(cluster) > 1:
                values = [value.strip() for i in cluster for value in candidates[i].value.split(",")]
                merged_rules[cluster[0]] = fit_candidate(attribute, Operator.IN, ", ".join(values))
                for i in cluster:
                    target[i] = cluster[0]
            cluster = [] if index is None else [index]
    if not merged_rules:
        return candidates, matrix, False
    survivors = sorted(set(target))
    renumber = {old: new for new, old in enumerate(survivors)}
    rules = [merged_rules.get(old, candidates[old]) for old in survivors]
    return rules, [sorted({renumber[target[i]] for i in row}) for row in matrix], True


def score_record(policy: PolicySnapshot, record: LeadRecord) -> ScoreResult:
    """The record scored as the policy scores a lead, as of its last activity before sales."""
    return score(policy, record.facts, summarize(policy, record.activities, now=record.as_of), now=record.as_of)


def choose_thresholds(policy: PolicySnapshot, training: Sequence[LeadRecord], *, steps: int = 15) -> PolicySnapshot:
    """The fit and engagement thresholds whose MQLs match the won training leads best (F1),
    among `steps` quantiles of each score; ties go to the stricter pair."""
    tally: dict[tuple, list[int]] = {}
    for record in training:
        result = score_record(policy, record)
        if result.disqualifier:
            continue
        key = (result.fit_score, result.engagement_score, result.intent_tier, record.facts.is_customer)
        counts = tally.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += record.won
    won_total = sum(record.won for record in training)
    if not tally or not won_total:
        return policy
    fits = quantiles([key[0] for key in tally], steps)
    engagements = quantiles([key[1] for key in tally], steps)
    customer, other = LeadFacts(is_customer=True), LeadFacts()
    best, best_f1 = (policy.fit_threshold, policy.engagement_threshold), -1.0
    for fit_threshold in fits:
        for engagement_threshold in engagements:
            trial = replace(
                policy, fit_threshold=fit_threshold, engagement_threshold=engagement_threshold,
                customer_engagement_threshold=min(engagement_threshold, policy.customer_engagement_threshold or engagement_threshold),
            )
            chosen = won_chosen = 0
            for (fit, engagement, tier, is_customer), (leads, won) in tally.items():
                if thresholds_met(trial, customer if is_customer else other, tier, fit, engagement)[0]:
                    chosen += leads
                    won_chosen += won
            f1 = 2 * won_chosen / (chosen + won_total) if chosen else 0.0
            if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12 and (fit_threshold, engagement_threshold) > best):
                best, best_f1 = (fit_threshold, engagement_threshold), f1
    return replace(
        policy, fit_threshold=best[0], engagement_threshold=best[1],
        customer_engagement_threshold=min(best[1], policy.customer_engagement_threshold or best[1]),
    )


def quantiles(values: Sequence[int], steps: int) -> list[int]:
    ordered = sorted(set(values))
    if len(ordered) <= steps:
        return ordered
    return sorted({ordered[round(i * (len(ordered) - 1) / (steps - 1))] for i in range(steps)})


# --- validation --------------------------------------------------------------------------------


def ranking(result: ScoreResult) -> int:
    """How a policy ranks a lead: its points; a disqualified lead last."""
    return DISQUALIFIED if result.disqualifier else result.fit_score + result.engagement_score


@dataclass(frozen=True)
class Validation:
    holdout_leads: int
    holdout_won: int
    training_leads: int
    cutoff: datetime | None
    auc: float | None
    top_decile_rate: float | None
    top_30_rate: float | None
    active_auc: float | None = None
    active_top_decile_rate: float | None = None
    active_top_30_rate: float | None = None

    @property
    def holdout_rate(self) -> float | None:
        return self.holdout_won / self.holdout_leads if self.holdout_leads else None

    @classmethod
    def from_data(cls, data: dict) -> "Validation":
        return cls(
            holdout_leads=data["holdout_leads"], holdout_won=data["holdout_won"], training_leads=data["training_leads"],
            cutoff=datetime.fromisoformat(data["cutoff"]) if data["cutoff"] else None,
            **{name: data[name] for name in FIGURES},
        )

    def as_data(self) -> dict:
        rounded = lambda value: None if value is None else round(value, 4)  # noqa: E731
        return {
            "holdout_leads": self.holdout_leads,
            "holdout_won": self.holdout_won,
            "holdout_rate": rounded(self.holdout_rate),
            "training_leads": self.training_leads,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "auc": rounded(self.auc),
            "top_decile_rate": rounded(self.top_decile_rate),
            "top_30_rate": rounded(self.top_30_rate),
            "active_auc": rounded(self.active_auc),
            "active_top_decile_rate": rounded(self.active_top_decile_rate),
            "active_top_30_rate": rounded(self.active_top_30_rate),
        }


FIGURES = ("auc", "top_decile_rate", "top_30_rate", "active_auc", "active_top_decile_rate", "active_top_30_rate")


def figures(policy: PolicySnapshot, holdout: Sequence[LeadRecord]) -> tuple[float | None, float | None, float | None]:
    values = [ranking(score_record(policy, record)) for record in holdout]
    outcomes = [record.won for record in holdout]
    return auc(values, outcomes), top_rate(values, outcomes, 0.1), top_rate(values, outcomes, 0.3)


def validate(
    proposal: PolicySnapshot, active: PolicySnapshot | None, *, training: Sequence, holdout: Sequence[LeadRecord], cutoff
) -> Validation:
    """The proposal's and the active policy's AUC and top-10 % / top-30 % won rates on the
    hold-out leads (an even sample of SAMPLE_LIMIT of them when there are more)."""
    holdout = evenly_sampled(holdout)
    proposed = figures(proposal, holdout)
    current: tuple = figures(active, holdout) if active is not None else (None, None, None)
    return Validation(
        holdout_leads=len(holdout),
        holdout_won=sum(record.won for record in holdout),
        training_leads=len(training),
        cutoff=cutoff,
        auc=proposed[0],
        top_decile_rate=proposed[1],
        top_30_rate=proposed[2],
        active_auc=current[0],
        active_top_decile_rate=current[1],
        active_top_30_rate=current[2],
    )


