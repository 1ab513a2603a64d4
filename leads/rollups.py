"""Keeping the funnel's rollups (leads/models/rollup.py) equal to the leads they sum.

Every write that changes what a lead adds to them (arrival, stage, owner or team, contact
attempts, deal value, company, erasure, the owner's new-lead message sent) calls `refresh(Lead.objects, ids)` in its own
transaction, after writing: it locks the leads' `RolledUpLead` rows, reads what they added last
time and what they add now, and adds the difference to the rollup rows with
`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` (PostgreSQL and SQLite alike), so
concurrent writers add up instead of overwriting each other. Rows are written in key order,
so two writers never wait for each other crosswise. A second refresh of the same lead finds
nothing changed and writes nothing, so nested write functions may each call it.

The same difference keeps activity mode's rollups (`ActivityRollup`, `ActivityLeadTimeRollup`):
the same figures, each on the day its event happened (`event_moments()`), so one change of a
lead may add to several days.

The same refresh keeps `StageRollup` (how many leads are in each stage now, per campaign) by
the same difference of the copies.

The same refresh keeps the weekly review's rollups (`ReviewRollup`, `ReviewTimeRollup`): per
handoff week × team × owner × channel, the review's counts that do not depend on the moment
the page is read, and its response times and clocks as histograms (`review_contribution()`).
A lead's feedback and the moves sales sent it back with count too: writing them refreshes.

`rebuild(Lead.objects)` computes the same tables from scratch (`manage.py rebuildrollups`).
Both go through `contribution()`, one pure function of a lead's fields.

Lead times are kept as fine histograms: buckets one second wide up to half a minute, then
each 3 % wider than the one before (and starting at the dashboard's bucket edges, so its
distributions are exact). A bucket holds the number of lead times in it and their sum; a
percentile takes each lead time as its bucket's mean, so it is off by less than the bucket's
width: at most 3 %, or one second (`percentiles_from()`).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Count, Exists, Expression, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.functions import Coalesce, Concat

from common.bulk import TableWriter
from common.business_time import business_time_zone
from leads.models.rollup import (
    ACTIVITY_COUNTS,
    ACTIVITY_MEASURES,
    COUNTS,
    COUNTS_ONLY,
    DIMENSIONS,
    FUNNEL,
    GROUPING_SETS,
    KEY,
    NEVER,
    NO_BUSINESS_TIME,
    PAIRS,
    REVIEW_COUNTS,
    REVIEW_KEY,
    ROUTED_ONLY,
    SPEED_EDGES,
    SPEED_GROUPINGS,
    VERDICT_COUNTS,
    ActivityLeadTimeRollup,
    ActivityRollup,
    CohortRollup,
    LeadTimeRollup,
    ReviewRollup,
    ReviewTimeRollup,
    RolledUpLead,
    SpeedRollup,
    StageRollup,
)

# RolledUpLead's fields, and where a lead query finds each.
FACT_LOOKUPS = {
    "lead_id": "id", "created_at": "created_at", "channel": "channel", "campaign": "campaign",
    "source": "source", "product_interest": "product_interest", "team_id": "team_id",
    "owner_id": "owner_id", "sector": "company__sector", "is_customer": "company__is_customer",
    "stage": "stage", "mql_at": "mql_at", "sal_at": "sal_at", "sql_at": "sql_at",
    "opportunity_at": "opportunity_at", "won_at": "won_at", "lost_at": "lost_at",
    "first_attempt_at": "first_attempt_at", "attempt_count": "attempt_count", "deal_value": "deal_value",
    "source_owner": "source_owner", "lost_reason": "lost_reason", "linked_campaign_id": "linked_campaign_id",
    "first_contact_by": "first_contact_by", "intent_tier": "intent_tier",
    "first_contact_business_seconds": "first_contact_business_seconds",
}
# Facts an app above this one computes from its own tables, which it names here when it loads
# (so leads need not import it): fact → a function giving the expression on a lead query. Until
# one is named, the fact is empty. handoff/apps.py names "owner_told_at"
# (handoff.outbox.owner_told_at(): when the owner was first sent word of the lead), so every
# write that refreshes a lead, and sending that word (handoff.outbox.mark_sent), keeps the two
# clocks' histograms up to date. The leads app names the review's facts from its own other
# tables (leads.review_facts: feedback, the moves back, completeness) and the after-sale facts
# from the account events (leads.account_facts) the same way; handoff/apps.py names routing's
# facts too (handoff.first_assignment).
COMPUTED = (
    "owner_told_at", "has_feedback", "not_reached", "returned", "rejected", "is_complete",
    "churned", "renewals", "first_value_at", "expansion",
    "routed_by", "first_assigned_at", "first_owner_id", "owner_changed_in_first_week", "reassigned",
)
COMPUTED_FACTS: dict[str, Callable[[], Expression]] = {}
# Facts from this app's other tables: sales' verdicts (verdicts_of(), rejections_at_accept()).
OWN_COMPUTED = ("verdicts", "rejected_at_accept")
FACTS = (*FACT_LOOKUPS, *COMPUTED, *OWN_COMPUTED)
BOOLEAN_FACTS = frozenset(
    name for name in COMPUTED if isinstance(RolledUpLead._meta.get_field(name), models.BooleanField)
)

# How a lead (its facts) gives each dimension's value: one line per dimension.
DIMENSION_OF = {
    "channel": lambda facts: facts["channel"] or "",
    "campaign": lambda facts: facts["campaign"] or "",
    "source": lambda facts: facts["source"] or "",
    "product_interest": lambda facts: facts["product_interest"] or "",
    "team": lambda facts: facts["team_id"] or 0,
    "owner": lambda facts: facts["owner_id"] or 0,
    "sector": lambda facts: facts["sector"] or "",
    "customer": lambda facts: "existing" if facts["is_customer"] else "new",
    "source_owner": lambda facts: facts["source_owner"] or "",
    "lost_reason": lambda facts: facts["lost_reason"] or "",
    "linked_campaign": lambda facts: facts["linked_campaign_id"] or 0,
    "routed_by": lambda facts: facts["routed_by"] or "",
    "routed_on": lambda facts: (
        facts["first_assigned_at"].astimezone(business_time_zone()).date().toordinal() if facts["first_assigned_at"] else 0
    ),
}
NOT_IN_SET = {name: field().default for name, field in DIMENSIONS.items()}
GROUPING_SETS_KEPT = [(name, frozenset(kept)) for name, kept in GROUPING_SETS.items()]
PIPELINE = ("sql", "opportunity")
CHUNK = 500  # leads per query when refreshing many

# --- lead-time buckets ----------------------------------------------------------------------

BUCKET_RATIO = 1.03
# Edges the dashboard's own buckets start at (speed to lead, the lead-time distributions).
ALIGNED_EDGES = (60, 300, 900, 1800, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 28 * 86400)


def _edges() -> tuple[int, ...]:
    edges, edge = set(ALIGNED_EDGES), 1
    while edge < 20 * 366 * 86400:
        edges.add(edge)
        edge = max(edge + 1, math.floor(edge * BUCKET_RATIO))
    return tuple(sorted(edges))


EDGES = _edges()  # seconds: bucket b ≥ 1 runs from EDGES[b - 1] up to EDGES[b]
EDGES_US = tuple(edge * 1_000_000 for edge in EDGES)


def bucket_of(microseconds: int) -> int:
    """0 for [0, 1 s), b for [EDGES[b-1], EDGES[b]); a negative time -1 - bucket_of(-time)."""
    if microseconds < 0:
        return -1 - bucket_of(-microseconds)
    return bisect.bisect_right(EDGES_US, microseconds)


def bucket_start(bucket: int) -> int:
    """Where a bucket of positive times starts, in seconds (0 for the first)."""
    return 0 if bucket <= 0 else EDGES[bucket - 1]


def percentiles_from(buckets: Iterable[tuple[int, int, int]], fractions: Iterable[float]) -> list[float] | None:
    """`percentile_cont` of the lead times in (bucket, n, sum of microseconds) rows, each time
    taken as its bucket's mean; None when there are none. Off by less than a bucket's width."""
    runs = sorted((bucket, n, total) for bucket, n, total in buckets if n)
    count = sum(n for _bucket, n, _total in runs)
    if not count:
        return None
    means = [(n, total / n / 1_000_000) for _bucket, n, total in runs]

    def value_at(rank: int) -> float:
        for n, mean in means:
            if rank < n:
                return mean
            rank -= n
        raise IndexError(rank)

    result = []
    for fraction in fractions:
        position = fraction * (count - 1)
        low = math.floor(position)
        high = min(low + 1, count - 1)
        below, above = value_at(low), value_at(high)
        result.append(below + (above - below) * (position - low))
    return result


# --- what one lead adds ---------------------------------------------------------------------


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
    pipeline and open ones when they reached SQL, revenue when won, a loss when lost."""
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
        disposition, reason, quality = verdict.split("/")
        counts["feedback"] += 1
        for name in (f"feedback_{disposition}", f"feedback_{quality}"):
            if name in counts:
                counts[name] += 1
        if disposition == "no_fit" and f"no_fit_{reason}" in counts:
            counts[f"no_fit_{reason}"] += 1
    counts["rejected_at_accept"] = facts["rejected_at_accept"] or 0
    return counts


class Sums:
    """Rollup rows being added up in memory: a key's counts, a (key, measure, bucket)'s times."""

    def __init__(self, zone):
        self.zone = zone
        self.cohort: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
        self.times: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        self.activity: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(ACTIVITY_COUNTS))
        self.activity_times: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        self.stages: dict[tuple[str, str], int] = defaultdict(int)  # (stage, campaign) → leads
        self.review: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(REVIEW_COUNTS))
        self.review_times: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        self.speed: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(self, facts: dict, sign: int = 1) -> None:
        self.stages[(facts["stage"], facts["campaign"] or "")] += sign
        if (handed := review_contribution(facts, zone=self.zone)) is not None:
            key, counts, times = handed
            row = self.review[key]
            for i, name in enumerate(REVIEW_COUNTS):
                row[i] += sign * counts[name]
            for measure, bucket, us in times:
                entry = self.review_times[(*key, measure, bucket)]
                entry[0] += sign
                entry[1] += sign * us
        day, counts, times = contribution(facts, zone=self.zone)
        values = {name: of(facts) for name, of in DIMENSION_OF.items()}
        added = [(i, sign * counts[name]) for i, name in enumerate(COUNTS) if counts[name]]
        buckets = [(measure, bucket_of(us), sign * us) for measure, us in times]
        # Activity mode: the same figures, each on its event's day.
        moments, days = event_moments(facts), {}

        def day_of(moment: datetime) -> date:
            if moment not in days:
                days[moment] = moment.astimezone(self.zone).date()
            return days[moment]

        on_days: dict[date, list[tuple[int, int]]] = defaultdict(list)
        event_counts = activity_counts(counts)
        for i, name in enumerate(ACTIVITY_COUNTS):
            if value := event_counts[name]:
                on_days[day_of(moments[name])].append((i, sign * value))
        timed = [
            (day_of(moments[measure]), measure, bucket, us)
            for measure, bucket, us in buckets if measure in ACTIVITY_MEASURES
        ]
        speed = speed_contribution(facts)
        for grouping, kept in GROUPING_SETS_KEPT:
            routed_only = grouping in ROUTED_ONLY
            if routed_only and not counts["routed"]:
                continue
            dims = tuple(values[d] if d in kept else NOT_IN_SET[d] for d in DIMENSIONS)
            key = (grouping, day, *dims)
            row = self.cohort[key]
            for i, value in added:
                row[i] += value
            if speed is not None and grouping in SPEED_GROUPINGS:
                tier, clock, business, figures = speed
                entry = self.speed[(*key, tier, clock, business)]
                for i, n in enumerate(figures):
                    entry[i] += sign * n
            if routed_only:  # read by routing quality in cohort mode only
                continue
            for event_day, event_added in on_days.items():
                row = self.activity[(grouping, event_day, *dims)]
                for i, value in event_added:
                    row[i] += value
            if grouping in COUNTS_ONLY:
                continue
            for measure, bucket, us in buckets:
                entry = self.times[(*key, measure, bucket)]
                entry[0] += sign
                entry[1] += us
            for event_day, measure, bucket, us in timed:
                entry = self.activity_times[(grouping, event_day, *dims, measure, bucket)]
                entry[0] += sign
                entry[1] += us

    # In key order, so that concurrent writers lock shared rows in the same order.
    def cohort_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.cohort.items() if any(row)]
        return sorted(rows, key=_order) if ordered else rows

    def time_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, n, us) for key, (n, us) in self.times.items() if n or us]
        return sorted(rows, key=_order) if ordered else rows

    def activity_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.activity.items() if any(row)]
        return sorted(rows, key=_order) if ordered else rows

    def activity_time_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, n, us) for key, (n, us) in self.activity_times.items() if n or us]
        return sorted(rows, key=_order) if ordered else rows

    def review_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.review.items() if any(row)]
        return sorted(rows, key=_order) if ordered else rows

    def review_time_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, n, us) for key, (n, us) in self.review_times.items() if n or us]
        return sorted(rows, key=_order) if ordered else rows

    def speed_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.speed.items() if any(row)]
        return sorted(rows, key=_order) if ordered else rows

    def stage_rows(self) -> list[tuple]:
        return sorted((*key, n) for key, n in self.stages.items() if n)


def _order(row: tuple):
    return tuple(str(v) for v in row)


# --- keeping them up to date ----------------------------------------------------------------


def _upsert_sql(table: str, key: list[str], sums: list[str]) -> str:
    q = connection.ops.quote_name
    columns = [*key, *sums]
    return (
        f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in key)}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = {q(table)}.{q(c)} + EXCLUDED.{q(c)}" for c in sums)
    )


def _key_columns() -> list[str]:
    return [CohortRollup._meta.get_field(name).column for name in KEY]


def _adapted(rows: list[tuple]) -> list[tuple]:
    day = KEY.index("day")
    return [(*r[:day], connection.ops.adapt_datefield_value(r[day]), *r[day + 1 :]) for r in rows]


def _add(sums: Sums) -> None:
    key = _key_columns()
    with connection.cursor() as cursor:
        if rows := with_month_rows(sums.cohort_rows(), len(KEY)):
            cursor.executemany(_upsert_sql(CohortRollup._meta.db_table, key, list(COUNTS)), _adapted(rows))
        if rows := with_month_rows(sums.time_rows(), len(KEY) + 2):
            sql = _upsert_sql(LeadTimeRollup._meta.db_table, [*key, "measure", "bucket"], ["n", "microseconds"])
            cursor.executemany(sql, _adapted(rows))
        if rows := with_month_rows(sums.activity_rows(), len(KEY)):
            cursor.executemany(_upsert_sql(ActivityRollup._meta.db_table, key, list(ACTIVITY_COUNTS)), _adapted(rows))
        if rows := with_month_rows(sums.activity_time_rows(), len(KEY) + 2):
            sql = _upsert_sql(ActivityLeadTimeRollup._meta.db_table, [*key, "measure", "bucket"], ["n", "microseconds"])
            cursor.executemany(sql, _adapted(rows))
        if rows := with_month_rows(sums.speed_rows(), len(KEY) + len(SPEED_KEY)):
            sql = _upsert_sql(SpeedRollup._meta.db_table, [*key, *SPEED_KEY], list(SPEED_SUMS))
            cursor.executemany(sql, _adapted(rows))
        if rows := sums.stage_rows():
            cursor.executemany(_upsert_sql(StageRollup._meta.db_table, ["stage", "campaign"], ["n"]), rows)
        if rows := sums.review_rows():
            sql = _upsert_sql(ReviewRollup._meta.db_table, list(REVIEW_KEY), list(REVIEW_COUNTS))
            cursor.executemany(sql, _adapted_review(rows))
        if rows := sums.review_time_rows():
            sql = _upsert_sql(ReviewTimeRollup._meta.db_table, [*REVIEW_KEY, "measure", "bucket"], ["n", "microseconds"])
            cursor.executemany(sql, _adapted_review(rows))


def _adapted_review(rows: list[tuple]) -> list[tuple]:
    return [(connection.ops.adapt_datefield_value(r[0]), *r[1:]) for r in rows]


SPEED_KEY = ("intent_tier", "clock", "business")
SPEED_SUMS = ("n", "sals", "sqls", "won")


def rejections_at_accept():
    """Sales sent the MQL back to marketing with the reject button: a person moved it from MQL
    to nurture, and no feedback was given in that same move (feedback "no urgency" or "not
    reached" also returns a lead to nurture, stamped with the feedback's own moment)."""
    Feedback, Lead, StageChange = (apps.get_model("leads", name) for name in ("Feedback", "Lead", "StageChange"))
    feedback_then = Feedback.objects.filter(lead=OuterRef("lead"), given_at=OuterRef("changed_at"))
    return StageChange.objects.filter(
        from_stage=Lead.Stage.MQL, to_stage=Lead.Stage.NURTURE, changed_by__isnull=False
    ).filter(~Exists(feedback_then))


def verdicts_of() -> Expression:
    """A lead's feedback as "disposition/no-fit reason/quality", space-separated (any order:
    `_facts` sorts them). NULL: none."""
    Feedback = apps.get_model("leads", "Feedback")  # (leads.models imports this module)
    verdict = Concat("disposition", Value("/"), "no_fit_reason", Value("/"), "quality", output_field=models.TextField())
    given = Feedback.objects.filter(lead=OuterRef("pk")).order_by().values("lead")
    return Subquery(given.annotate(v=StringAgg(verdict, Value(" "))).values("v"))


def rejected_at_accept_of() -> Expression:
    rejections = rejections_at_accept().filter(lead=OuterRef("pk")).order_by().values("lead")
    return Coalesce(Subquery(rejections.annotate(n=Count("pk")).values("n")), 0)


def _fact_columns() -> list:
    """What a lead query reads for FACTS, in their order."""
    computed = [COMPUTED_FACTS[name]() if name in COMPUTED_FACTS else _empty(name) for name in COMPUTED]
    return [*FACT_LOOKUPS.values(), *computed, verdicts_of(), rejected_at_accept_of()]


def _empty(fact: str) -> Value:
    """A computed fact no app has named yet: its field's default (False, 0 or NULL)."""
    field = RolledUpLead._meta.get_field(fact)
    return Value(field.get_default(), output_field=field)


def _facts(row: tuple) -> dict:
    """A lead query's row as FACTS, stored as RolledUpLead stores them."""
    facts = dict(zip(FACTS, row))
    for name in BOOLEAN_FACTS:  # SQLite answers 0 or 1
        facts[name] = bool(facts[name])
    facts["verdicts"] = " ".join(sorted((facts["verdicts"] or "").split()))
    facts["intent_tier"] = facts["intent_tier"] or ""
    return facts


def facts_of(leads) -> list[dict]:
    return [_facts(row) for row in leads.order_by("pk").values_list(*_fact_columns())]


def refresh_retiered(leads, lead_ids: Iterable[int]) -> int:
    """`refresh()` for the leads among these whose intent tier is no longer the rolled-up one
    (after re-scoring many): one query finds them, the rest is refresh's. Returns how many."""
    ids = sorted(set(lead_ids))
    retiered = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        tier_now = leads.filter(pk=OuterRef("lead_id")).values("intent_tier")[:1]
        retiered += RolledUpLead.objects.filter(lead_id__in=chunk).exclude(intent_tier=Subquery(tier_now)).values_list(
            "lead_id", flat=True
        )
    return refresh(leads, retiered) if retiered else 0


def refresh(leads, lead_ids: Iterable[int]) -> int:
    """Bring the rollups in line with these leads (created, changed or deleted just now), in
    the caller's transaction. `leads` is the lead model's manager. Returns how many changed."""
    ids = sorted(set(lead_ids))
    changed = 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            changed += _refresh_chunk(leads, ids[start : start + CHUNK])
    return changed


def _refresh_chunk(leads, ids: list[int]) -> int:
    stored = RolledUpLead.objects.select_for_update().filter(lead_id__in=ids).order_by("lead_id")
    before = {row["lead_id"]: row for row in stored.values(*FACTS)}
    after = {row["lead_id"]: row for row in facts_of(leads.filter(pk__in=ids))}
    changed = [i for i in ids if before.get(i) != after.get(i)]
    if not changed:
        return 0
    sums = Sums(business_time_zone())
    for lead_id in changed:
        if lead_id in before:
            sums.add(before[lead_id], -1)
        if lead_id in after:
            sums.add(after[lead_id], +1)
    _add(sums)
    gone = [i for i in changed if i not in after]
    if gone:
        RolledUpLead.objects.filter(lead_id__in=gone).delete()
    if present := [RolledUpLead(**after[i]) for i in changed if i in after]:
        RolledUpLead.objects.bulk_create(
            present, update_conflicts=True, unique_fields=["lead_id"], update_fields=FACTS[1:]
        )
    return len(changed)


# --- month rows: beside each day row of a table keyed by RollupKey, its month's (the same sums
# over the business day's calendar month, grouping MONTH + the set's name, day the month's
# first). A period reads its whole months from month rows, its ragged edges from day rows
# (`period_q`). A refresh adds each difference to both (`with_month_rows`); a rebuild sums the
# day rows it wrote (`add_month_rows`).

MONTH = "m:"  # a grouping name and this must fit RollupKey.grouping (20 characters)


def with_month_rows(rows: list[tuple], key_length: int) -> list[tuple]:
    """Day rows (grouping, day, the rest of the key…, sums…) and their month rows, added up,
    in key order. `key_length` counts the key's columns, grouping and day included."""
    months: dict[tuple, list] = {}
    for row in rows:
        key = (MONTH + row[0], row[1].replace(day=1), *row[2:key_length])
        if (total := months.get(key)) is None:
            months[key] = list(row[key_length:])
        else:
            for i, value in enumerate(row[key_length:]):
                total[i] += value
    added = [(*key, *values) for key, values in months.items() if any(values)]
    return sorted([*rows, *added], key=_order)


def add_month_rows(model, key: Iterable[str], sums: Iterable[str]) -> int:
    """Write the month rows of a table that holds only day rows (just rebuilt): one INSERT …
    SELECT summing its day rows per month. Returns how many it wrote."""
    q = connection.ops.quote_name
    columns = {name: model._meta.get_field(name).column for name in [*key, *sums]}
    rest = [q(columns[name]) for name in key if name not in ("grouping", "day")]
    month = (
        f"CAST(date_trunc('month', {q('day')}) AS date)" if connection.vendor == "postgresql"
        else f"date({q('day')}, 'start of month')"
    )
    table = q(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({q('grouping')}, {q('day')}, {', '.join(rest)}, "
        f"{', '.join(q(columns[name]) for name in sums)}) "
        f"SELECT %s || {q('grouping')}, {month}, {', '.join(rest)}, "
        f"{', '.join(f'SUM({q(columns[name])})' for name in sums)} FROM {table} "
        f"WHERE {q('grouping')} NOT LIKE %s GROUP BY {q('grouping')}, {month}, {', '.join(rest)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [MONTH, MONTH + "%"])
        return cursor.rowcount


def period_q(grouping: str, first_day: date, last_day: date, *, months: bool = True, cuts: Iterable[date] = ()) -> Q:
    """The rollup rows of `grouping` that sum the days first_day … last_day (inclusive): the
    month rows of the whole months in it, the day rows of the rest. `months=False` reads day
    rows only (for a figure that groups by day or week). A month holding a day of `cuts` is
    read as days too, so that a later filter on `day > cut` stays exact."""
    q = Q()
    for span in period_spans(grouping, first_day, last_day, months=months, cuts=cuts):
        q |= span
    return q


def period_spans(grouping: str, first_day: date, last_day: date, *, months: bool = True, cuts: Iterable[date] = ()) -> list[Q]:
    """`period_q` as the rows of one range each (the month rows first): read them with one
    query each, or a UNION ALL, for an index range scan per range instead of a bitmap of all."""
    whole = _whole_months(first_day, last_day, cuts) if months else []
    spans = [Q(grouping=MONTH + grouping, day__in=whole)] if whole else []
    start = first_day
    for month in [*whole, None]:
        end = last_day if month is None else month - timedelta(days=1)
        if start <= end:
            spans.append(Q(grouping=grouping, day__gte=start, day__lte=end))
        if month is not None:
            start = _next_month(month)
    return spans or [Q(grouping=grouping, day__gte=first_day, day__lte=last_day)]  # (matches nothing)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _whole_months(first_day: date, last_day: date, cuts: Iterable[date]) -> list[date]:
    """The first days of the months wholly in first_day … last_day that no cut falls inside
    (a cut on a month's last day splits nothing)."""
    cuts = list(cuts)
    month, found = first_day if first_day.day == 1 else _next_month(first_day), []
    while (end := _next_month(month) - timedelta(days=1)) <= last_day:
        if not any(month <= cut < end for cut in cuts):
            found.append(month)
        month = _next_month(month)
    return found


# --- rebuilding them ------------------------------------------------------------------------


class _Staging:
    """A temporary table with a rollup's columns and no key, which holds partial sums until
    `add_up()` writes them into the rollup, one row per key. Activity rows need it: a batch of
    arrival days adds to every day its leads did something on, so a day's sums are complete
    only once every lead is read."""

    def __init__(self, model, key: list[str], sums: list[str]):
        q = connection.ops.quote_name
        self.target, self.key, self.columns = q(model._meta.db_table), key, [*key, *sums]
        self.sums, self.table = sums, q(f"{model._meta.db_table}_staging")
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} AS SELECT {', '.join(q(c) for c in self.columns)} "
                f"FROM {self.target} WHERE 1 = 0"
            )

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.table} ({columns}) VALUES ({placeholders})", _adapted(rows))

    def add_up(self) -> int:
        q = connection.ops.quote_name
        key = ", ".join(q(c) for c in self.key)
        sums = ", ".join(f"SUM({q(c)})" for c in self.sums)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.target} ({', '.join(q(c) for c in self.columns)}) "
                f"SELECT {key}, {sums} FROM {self.table} GROUP BY {key}"
            )
            added = cursor.rowcount
            cursor.execute(f"DROP TABLE {self.table}")
        return added


def rebuild(leads, *, progress=None) -> dict[str, int]:
    """Compute every rollup row from the leads, replacing what is there: one transaction, in
    which a concurrent refresh waits (it locks the RolledUpLead rows; this locks the table).
    Leads are read in arrival order and written a batch of days at a time (activity mode's
    rows through a staging table, added up at the end)."""
    zone = business_time_zone()
    tables = [
        CohortRollup, LeadTimeRollup, ActivityRollup, ActivityLeadTimeRollup, RolledUpLead, SpeedRollup,
        StageRollup, ReviewRollup, ReviewTimeRollup,
    ]
    written = dict.fromkeys(
        ["leads", "cohort_rows", "time_rows", "activity_rows", "activity_time_rows", "speed_rows", "stage_rows",
         "review_rows"], 0,
    )
    stages: dict[tuple[str, str], int] = defaultdict(int)  # over all days, written at the end
    with transaction.atomic():
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
        for model in tables:
            model.objects.all().delete()
        cohort_writer = TableWriter(CohortRollup, [*KEY, *COUNTS])
        time_writer = TableWriter(LeadTimeRollup, [*KEY, "measure", "bucket", "n", "microseconds"])
        speed_writer = TableWriter(SpeedRollup, [*KEY, *SPEED_KEY, *SPEED_SUMS])
        snapshot_writer = TableWriter(RolledUpLead, list(FACTS))
        # A week's review rows gather leads that arrived on many days: added up over all of
        # them, and written at the end (a few rows per week, team, owner and channel).
        review = Sums(zone)
        key = _key_columns()
        activity_staging = _Staging(ActivityRollup, key, list(ACTIVITY_COUNTS))
        activity_time_staging = _Staging(ActivityLeadTimeRollup, [*key, "measure", "bucket"], ["n", "microseconds"])
        sums, snapshots, last_day = Sums(zone), [], None

        def flush():
            nonlocal sums, snapshots
            cohort, times = sums.cohort_rows(ordered=False), sums.time_rows(ordered=False)
            cohort_writer.write([dict(zip([*KEY, *COUNTS], row)) for row in cohort])
            time_writer.write([dict(zip([*KEY, "measure", "bucket", "n", "microseconds"], row)) for row in times])
            speed = sums.speed_rows(ordered=False)
            speed_writer.write([dict(zip([*KEY, *SPEED_KEY, *SPEED_SUMS], row)) for row in speed])
            snapshot_writer.write(snapshots)
            activity_staging.write(sums.activity_rows(ordered=False))
            activity_time_staging.write(sums.activity_time_rows(ordered=False))
            written["speed_rows"] += len(speed)
            written["cohort_rows"] += len(cohort)
            written["time_rows"] += len(times)
            for key, n in sums.stages.items():
                stages[key] += n
            for key, row in sums.review.items():
                review.review[key] = [a + b for a, b in zip(review.review[key], row)]
            for key, (n, us) in sums.review_times.items():
                entry = review.review_times[key]
                entry[0] += n
                entry[1] += us
            sums, snapshots = Sums(zone), []

        rows = leads.order_by("created_at", "pk").values_list(*_fact_columns())
        for row in rows.iterator(chunk_size=5000):
            facts = _facts(row)
            day = facts["created_at"].astimezone(zone).date()
            if day != last_day and len(snapshots) >= 20_000:
                flush()  # only between days: a day's rows are complete before they are written
            last_day = day
            sums.add(facts)
            snapshots.append(facts)
            written["leads"] += 1
            if progress and written["leads"] % 20_000 == 0:
                progress(written["leads"])
        flush()
        written["activity_rows"] = activity_staging.add_up()
        written["activity_time_rows"] = activity_time_staging.add_up()
        written["cohort_rows"] += add_month_rows(CohortRollup, KEY, COUNTS)
        written["time_rows"] += add_month_rows(LeadTimeRollup, [*KEY, "measure", "bucket"], ["n", "microseconds"])
        written["activity_rows"] += add_month_rows(ActivityRollup, KEY, ACTIVITY_COUNTS)
        written["activity_time_rows"] += add_month_rows(
            ActivityLeadTimeRollup, [*KEY, "measure", "bucket"], ["n", "microseconds"]
        )
        written["speed_rows"] += add_month_rows(SpeedRollup, [*KEY, *SPEED_KEY], SPEED_SUMS)
        stage_rows = [StageRollup(stage=s, campaign=c, n=n) for (s, c), n in sorted(stages.items()) if n]
        StageRollup.objects.bulk_create(stage_rows)
        written["stage_rows"] = len(stage_rows)
        review_rows = review.review_rows(ordered=False)
        TableWriter(ReviewRollup, [*REVIEW_KEY, *REVIEW_COUNTS]).write(
            [dict(zip([*REVIEW_KEY, *REVIEW_COUNTS], row)) for row in review_rows]
        )
        TableWriter(ReviewTimeRollup, [*REVIEW_KEY, "measure", "bucket", "n", "microseconds"]).write(
            [dict(zip([*REVIEW_KEY, "measure", "bucket", "n", "microseconds"], row)) for row in review.review_time_rows(ordered=False)]
        )
        written["review_rows"] = len(review_rows)
    return written


# --- reading the stage rollup ---------------------------------------------------------------


def leads_per_stage(stages: Iterable[str]) -> dict[str, int]:
    """How many leads are in each of `stages` now (a stage without leads is left out)."""
    rows = StageRollup.objects.filter(stage__in=list(stages)).values_list("stage").annotate(total=models.Sum("n"))
    return {stage: total for stage, total in rows.order_by() if total}


def campaigns_with_leads_in(stages: Iterable[str]) -> list[str]:
    """The campaigns (named, in order) with a lead in one of `stages` now."""
    named = StageRollup.objects.filter(stage__in=list(stages), n__gt=0).exclude(campaign="")
    return list(named.order_by("campaign").values_list("campaign", flat=True).distinct())
