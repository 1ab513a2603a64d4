"""What one lead adds to the rollups (leads/models/rollup.py), as pure functions of its facts
(a `RolledUpLead`'s fields): to the cohort rollups per arrival day (`contribution()`), to
activity mode's per event day (`event_moments()`, `activity_counts()`), to the weekly review's
per handoff week (`review_contribution()`), to speed to lead (`speed_contribution()`) and to
sales' verdicts (`verdict_counts()`, `verdict_counts_per_day()`). `leads.rollups` adds them up and writes them."""

from __future__ import annotations

import bisect
from datetime import date, datetime, timedelta
from decimal import Decimal

from leads.lead_times import bucket_of
from leads.models.rollup import (
    AFTER_SALE,
    FUNNEL,
    NEVER,
    NO_BUSINESS_TIME,
    PAIRS,
    ROUTING_COUNTS,
    SPEED_EDGES,
    VERDICT_COUNTS,
)

PIPELINE = ("sql", "opportunity")  # the stages a lead counts as open in

def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _stamps(facts: dict) -> tuple[dict[str, datetime | None], dict[str, datetime | None]]:
    """(own, reached): when the lead was at each stage itself ("leads": its arrival), and when
    it first reached each funnel stage (its stamp or a later one's)."""
    own: dict[str, datetime | None] = {"leads": facts["created_at"]}
    own.update({stage: facts[f"{stage}_at"] for stage in FUNNEL})
    reached, earliest = {}, None
    for stage in reversed(FUNNEL):
        moment = own[stage]
        if moment is not None and (earliest is None or moment < earliest):
            earliest = moment
        reached[stage] = earliest
    return own, reached


def contribution(facts: dict, *, zone) -> tuple[date, dict[str, int], list[tuple[str, int]]]:
    """What a lead adds to its day's rollup rows: (its arrival day, its counts, its lead times
    as (measure, microseconds)). The dashboard's definitions: *reached* a stage is its stamp
    or a later one's; *passed* a pair is both own stamps, in order; lost is lost and not won."""
    own, reached = _stamps(facts)
    counts = {"leads": 1}
    for stage in FUNNEL:
        counts[f"reached_{stage}"] = int(reached[stage] is not None)
        counts[f"own_{stage}"] = int(own[stage] is not None)
    mql = reached["mql"]
    tried = mql is not None and facts["first_attempt_at"] is not None
    counts["contacted"] = int(tried)
    counts["attempts"] = (facts["attempt_count"] or 0) if mql is not None else 0
    counts["lost"] = int(facts["lost_at"] is not None and facts["won_at"] is None)
    counts["open"] = int(reached["sql"] is not None and facts["stage"] in PIPELINE)
    cents = int(Decimal(facts["deal_value"]) * 100) if facts["deal_value"] is not None else 0
    counts["revenue_cents"] = cents if facts["won_at"] is not None else 0
    counts["pipeline_cents"] = cents if reached["sql"] is not None else 0
    counts["lost_value_cents"] = cents if counts["lost"] else 0
    times = []
    for earlier, later in PAIRS:
        start, end = own[earlier], own[later]
        passed = start is not None and end is not None and end >= start
        counts[f"passed_{earlier}_{later}"] = int(passed)
        if passed:
            times.append((f"{earlier}_{later}", _microseconds(end - start)))
    if tried:
        times.append(("first_attempt", _microseconds(facts["first_attempt_at"] - mql)))
    if reached["sql"] is not None:
        times.append(("reached_mql_sql", _microseconds(reached["sql"] - mql)))
    # The two clocks: told at or after the handoff by definition; the rep's counts only an
    # attempt made once the owner was told (a rep who found the lead on their own is left out).
    told = facts["owner_told_at"]
    if mql is not None and told is not None:
        times.append(("system_clock", _microseconds(told - mql)))
        if facts["first_attempt_at"] is not None and facts["first_attempt_at"] >= told:
            times.append(("rep_clock", _microseconds(facts["first_attempt_at"] - told)))
    # After the sale: what became of the won leads.
    won = facts["won_at"]
    counts["churned"] = int(won is not None and bool(facts["churned"]))
    counts["renewals"] = (facts["renewals"] or 0) if won is not None else 0
    counts["expansion_cents"] = int(Decimal(facts["expansion"] or 0) * 100) if won is not None else 0
    counts["first_value"] = int(won is not None and facts["first_value_at"] is not None)
    if counts["first_value"]:
        times.append(("won_first_value", _microseconds(facts["first_value_at"] - won)))
    # Routing quality: the first assignment's row, and whether its owner stayed.
    routed = bool(facts["routed_by"])
    counts["routed"] = int(routed)
    counts["routed_with_owner"] = int(routed and facts["first_owner_id"] is not None)
    counts["routed_kept"] = int(counts["routed_with_owner"] and not facts["owner_changed_in_first_week"])
    counts["routed_reassigned"] = int(routed and bool(facts["reassigned"]))
    counts.update(verdict_counts(facts))
    day = facts["created_at"].astimezone(zone).date()
    return day, counts, times


def review_contribution(facts: dict, *, zone) -> tuple[tuple, dict[str, int], list[tuple[str, int, int]]] | None:
    """What a handed-over lead adds to the weekly review's rollup: (its key, its counts, its
    histogram entries as (measure, bucket, microseconds)); None for a lead never handed over.
    The review's definitions (review.metrics.figure_filters), less those that depend on now."""
    stamps = [facts[f"{stage}_at"] for stage in FUNNEL]
    handed = min((moment for moment in stamps if moment is not None), default=None)
    if handed is None:
        return None
    day = handed.astimezone(zone).date()
    key = (day - timedelta(days=day.weekday()), facts["team_id"] or 0, facts["owner_id"] or 0, facts["channel"] or "")
    tried, due_by = facts["first_attempt_at"], facts["first_contact_by"]
    accepted = any(stamp is not None for stamp in stamps[1:])
    counts = {
        "mqls": 1,
        "contacted": int(tried is not None),
        "within_sla": int(tried is not None and due_by is not None and tried <= due_by),
        "contacted_late": int(tried is not None and due_by is not None and tried > due_by),
        "attempts": facts["attempt_count"] or 0,
        "returned": int(facts["returned"]),
        "with_feedback": int(facts["has_feedback"]),
        "accepted": int(accepted),
        "rejected": int(facts["rejected"] and not accepted),
        "complete": int(facts["is_complete"]),
        "sqls": int(any(stamp is not None for stamp in stamps[2:])),
    }
    times = []
    if (seconds := facts["first_contact_business_seconds"]) is not None:
        times.append(("response", bucket_of(seconds * 1_000_000), seconds * 1_000_000))
    told = facts["owner_told_at"]
    if told is not None:
        times.append(("system_clock", *_bucketed(told - handed)))
        if tried is not None and tried >= told:
            times.append(("rep_clock", *_bucketed(tried - told)))
    if facts["not_reached"]:
        times.append(("not_reached_attempts", facts["attempt_count"] or 0, 0))
    return key, counts, times


def _bucketed(delta: timedelta) -> tuple[int, int]:
    us = _microseconds(delta)
    return bucket_of(us), us


def activity_counts(counts: dict[str, int]) -> dict[str, int]:
    """The counts activity mode adds up: contribution()'s, and those ACTIVITY_COUNTS adds."""
    extra = {f"skipped_{stage}": counts[f"reached_{stage}"] - counts[f"own_{stage}"] for stage in FUNNEL}
    extra["mql_reached_sql"] = counts["reached_sql"]
    return {**counts, **extra}


def event_moments(facts: dict) -> dict[str, datetime | None]:
    """When each count and each lead time of a lead happened: the day activity mode counts it
    on. As the dashboard's activity mode counts: a stage when it was reached (own: its own
    stamp), a step and its lead time when its later stage was reached, the follow-up, the two
    clocks and the week's SQLs when the lead reached MQL, MQL → SQL when it reached SQL, the
    pipeline and open ones when they reached SQL, revenue when won, a loss when lost, the
    routing counts when the lead was first assigned, after the sale (its counts and the win →
    first value) when it was won."""
    own, reached = _stamps(facts)
    moments: dict[str, datetime | None] = {"leads": facts["created_at"]}
    for stage in FUNNEL:
        moments[f"reached_{stage}"] = moments[f"skipped_{stage}"] = reached[stage]
        moments[f"own_{stage}"] = own[stage]
    for earlier, later in PAIRS:
        moments[f"passed_{earlier}_{later}"] = moments[f"{earlier}_{later}"] = own[later]
    for name in ("contacted", "attempts", "mql_reached_sql", "first_attempt", "system_clock", "rep_clock"):
        moments[name] = reached["mql"]
    moments["open"] = moments["pipeline_cents"] = moments["reached_mql_sql"] = reached["sql"]
    moments["revenue_cents"] = own["won"]
    moments["lost"] = moments["lost_value_cents"] = facts["lost_at"]
    for name in ROUTING_COUNTS:
        moments[name] = facts["first_assigned_at"]
    for name in (*AFTER_SALE, "won_first_value"):
        moments[name] = own["won"]
    return moments


def speed_bucket(seconds: float) -> int:
    """Speed to lead's bucket of a time to the first attempt (`WidthBucket` over SPEED_EDGES):
    a time before the handoff is as fast as it gets, the first bucket."""
    return bisect.bisect_right(SPEED_EDGES, seconds)


def speed_contribution(facts: dict) -> tuple[str, int, int, tuple[int, int, int, int]] | None:
    """What an MQL adds to speed to lead: (its intent tier, its clock-time bucket, its
    business-time bucket, (1, reached SAL, reached SQL, won)); None for a lead never MQL."""
    own = [facts[f"{stage}_at"] for stage in FUNNEL]
    reached = [min([m for m in own[i:] if m is not None], default=None) for i in range(len(FUNNEL))]
    mql, sal, sql = reached[0], reached[1], reached[2]
    if mql is None:
        return None
    tried = facts["first_attempt_at"]
    if tried is None:
        clock = business = NEVER
    else:
        clock = speed_bucket((tried - mql).total_seconds())
        seconds = facts["first_contact_business_seconds"]
        business = NO_BUSINESS_TIME if seconds is None else speed_bucket(seconds)
    figures = (1, int(sal is not None), int(sql is not None), int(facts["won_at"] is not None))
    return facts["intent_tier"] or "", clock, business, figures


def verdict_counts(facts: dict) -> dict[str, int]:
    """A lead's verdicts as the feedback per source counts them (VERDICT_COUNTS)."""
    counts = dict.fromkeys(VERDICT_COUNTS, 0)
    for verdict in (facts["verdicts"] or "").split():
        _add_verdict(counts, verdict)
    counts["rejected_at_accept"] = facts["rejected_at_accept"] or 0
    return counts


def verdict_counts_per_day(facts: dict) -> dict[date, dict[str, int]]:
    """A lead's verdicts by the day each was given (activity mode): the VERDICT_COUNTS of its
    feedback of that day and of its rejections at the accept step that day. (A verdict copied
    before its day was kept has none, and counts on no day.)"""
    per_day: dict[date, dict[str, int]] = {}
    for verdict in (facts["verdicts"] or "").split():
        if len(parts := verdict.split("/")) == 4:
            _add_verdict(per_day.setdefault(date.fromisoformat(parts[3]), dict.fromkeys(VERDICT_COUNTS, 0)), verdict)
    for day in (facts["rejected_at_accept_on"] or "").split():
        per_day.setdefault(date.fromisoformat(day), dict.fromkeys(VERDICT_COUNTS, 0))["rejected_at_accept"] += 1
    return per_day


def _add_verdict(counts: dict[str, int], verdict: str) -> None:
    disposition, reason, quality = verdict.split("/")[:3]
    counts["feedback"] += 1
    for name in (f"feedback_{disposition}", f"feedback_{quality}"):
        if name in counts:
            counts[name] += 1
    if disposition == "no_fit" and f"no_fit_{reason}" in counts:
        counts[f"no_fit_{reason}"] += 1
