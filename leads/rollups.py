"""Keeping the funnel's rollups (leads/models/rollup.py) equal to the leads they sum.

Every write that changes what a lead adds to them (arrival, stage, owner or team, contact
attempts, deal value, company, erasure, the owner's new-lead message sent) calls `refresh(Lead.objects, ids)` in its own
transaction, after writing: it locks the leads' `RolledUpLead` rows, reads what they added last
time and what they add now, and adds the difference to the rollup rows with
`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` (PostgreSQL and SQLite alike), so
concurrent writers add up instead of overwriting each other. Rows are written in key order,
so two writers never wait for each other crosswise. A second refresh of the same lead finds
nothing changed and writes nothing, so nested write functions may each call it.

The same refresh keeps `StageRollup` (how many leads are in each stage now, per campaign) by
the same difference of the copies.

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
from django.db.models import Count, Exists, Expression, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Coalesce, Concat

from common.bulk import TableWriter
from common.business_time import business_time_zone
from leads.models.rollup import (
    COUNTS,
    COUNTS_ONLY,
    DIMENSIONS,
    FUNNEL,
    GROUPING_SETS,
    KEY,
    MONTH_SUFFIX,
    MONTHLY,
    NEVER,
    NO_BUSINESS_TIME,
    PAIRS,
    SPEED_EDGES,
    SPEED_GROUPINGS,
    VERDICT_COUNTS,
    CohortRollup,
    LeadTimeRollup,
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
    "intent_tier": "intent_tier", "first_contact_business_seconds": "first_contact_business_seconds",
}
# Facts an app above this one computes from its own tables, which it names here when it loads
# (so leads need not import it): fact → a function giving the expression on a lead query. Until
# one is named, the fact is empty. handoff/apps.py names "owner_told_at"
# (handoff.outbox.owner_told_at(): when the owner was first sent word of the lead), so every
# write that refreshes a lead, and sending that word (handoff.outbox.mark_sent), keeps the two
# clocks' histograms up to date.
COMPUTED = ("owner_told_at",)
COMPUTED_FACTS: dict[str, Callable[[], Expression]] = {}
# Facts from this app's other tables: sales' verdicts (verdicts_of(), rejections_at_accept()).
OWN_COMPUTED = ("verdicts", "rejected_at_accept")
FACTS = (*FACT_LOOKUPS, *COMPUTED, *OWN_COMPUTED)

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


def contribution(facts: dict, *, zone) -> tuple[date, dict[str, int], list[tuple[str, int]]]:
    """What a lead adds to its day's rollup rows: (its arrival day, its counts, its lead times
    as (measure, microseconds)). The dashboard's definitions: *reached* a stage is its stamp
    or a later one's; *passed* a pair is both own stamps, in order; lost is lost and not won."""
    own: dict[str, datetime | None] = {"leads": facts["created_at"]}
    own.update({stage: facts[f"{stage}_at"] for stage in FUNNEL})
    reached, earliest = {}, None
    for stage in reversed(FUNNEL):
        moment = own[stage]
        if moment is not None and (earliest is None or moment < earliest):
            earliest = moment
        reached[stage] = earliest
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
    counts.update(verdict_counts(facts))
    day = facts["created_at"].astimezone(zone).date()
    return day, counts, times


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
        self.stages: dict[tuple[str, str], int] = defaultdict(int)  # (stage, campaign) → leads
        self.speed: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(self, facts: dict, sign: int = 1) -> None:
        self.stages[(facts["stage"], facts["campaign"] or "")] += sign
        day, counts, times = contribution(facts, zone=self.zone)
        values = {name: of(facts) for name, of in DIMENSION_OF.items()}
        added = [(i, sign * counts[name]) for i, name in enumerate(COUNTS) if counts[name]]
        buckets = [(measure, bucket_of(us), sign * us) for measure, us in times]
        speed = speed_contribution(facts)
        for kept in GROUPING_SETS_KEPT:
            dimensions = [values[d] if d in kept[1] else NOT_IN_SET[d] for d in DIMENSIONS]
            key = (kept[0], day, *dimensions)
            keys = [key]
            if kept[0] in MONTHLY:
                keys.append((f"{kept[0]}{MONTH_SUFFIX}", day.replace(day=1), *dimensions))
            for each in keys:
                row = self.cohort[each]
                for i, value in added:
                    row[i] += value
                if speed is not None and kept[0] in SPEED_GROUPINGS:
                    tier, clock, business, figures = speed
                    entry = self.speed[(*each, tier, clock, business)]
                    for i, n in enumerate(figures):
                        entry[i] += sign * n
            if kept[0] in COUNTS_ONLY:
                continue
            for measure, bucket, us in buckets:
                entry = self.times[(*key, measure, bucket)]
                entry[0] += sign
                entry[1] += us

    # In key order, so that concurrent writers lock shared rows in the same order.
    def cohort_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.cohort.items() if any(row)]
        return sorted(rows, key=_order) if ordered else rows

    def time_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, n, us) for key, (n, us) in self.times.items() if n or us]
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
        if rows := sums.cohort_rows():
            cursor.executemany(_upsert_sql(CohortRollup._meta.db_table, key, list(COUNTS)), _adapted(rows))
        if rows := sums.time_rows():
            sql = _upsert_sql(LeadTimeRollup._meta.db_table, [*key, "measure", "bucket"], ["n", "microseconds"])
            cursor.executemany(sql, _adapted(rows))
        if rows := sums.speed_rows():
            sql = _upsert_sql(SpeedRollup._meta.db_table, [*key, *SPEED_KEY], list(SPEED_SUMS))
            cursor.executemany(sql, _adapted(rows))
        if rows := sums.stage_rows():
            cursor.executemany(_upsert_sql(StageRollup._meta.db_table, ["stage", "campaign"], ["n"]), rows)


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
    computed = [
        COMPUTED_FACTS[name]() if name in COMPUTED_FACTS else Value(None, output_field=models.DateTimeField())
        for name in COMPUTED
    ]
    return [*FACT_LOOKUPS.values(), *computed, verdicts_of(), rejected_at_accept_of()]


def _facts(row: tuple) -> dict:
    """A lead query's row as FACTS, stored as RolledUpLead stores them."""
    facts = dict(zip(FACTS, row))
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


# --- rebuilding them ------------------------------------------------------------------------


def rebuild(leads, *, progress=None) -> dict[str, int]:
    """Compute every rollup row from the leads, replacing what is there: one transaction, in
    which a concurrent refresh waits (it locks the RolledUpLead rows; this locks the table).
    Leads are read in arrival order and written a batch of days at a time."""
    zone = business_time_zone()
    tables = [CohortRollup, LeadTimeRollup, RolledUpLead, SpeedRollup, StageRollup]
    written = dict.fromkeys(["leads", "cohort_rows", "time_rows", "speed_rows", "stage_rows"], 0)
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
        sums, snapshots, last_day = Sums(zone), [], None

        months = Sums(zone)  # the month rows: over all days, written at the end

        def flush(*, last: bool = False):
            nonlocal sums, snapshots
            for rows, into in ((sums.cohort, months.cohort), (sums.speed, months.speed)):
                for key in [key for key in rows if key[0].endswith(MONTH_SUFFIX)]:
                    into[key] = [a + b for a, b in zip(into[key], rows.pop(key))]
            if last:
                sums.cohort.update(months.cohort)
                sums.speed.update(months.speed)
            cohort, times = sums.cohort_rows(ordered=False), sums.time_rows(ordered=False)
            cohort_writer.write([dict(zip([*KEY, *COUNTS], row)) for row in cohort])
            time_writer.write([dict(zip([*KEY, "measure", "bucket", "n", "microseconds"], row)) for row in times])
            speed = sums.speed_rows(ordered=False)
            speed_writer.write([dict(zip([*KEY, *SPEED_KEY, *SPEED_SUMS], row)) for row in speed])
            snapshot_writer.write(snapshots)
            written["speed_rows"] += len(speed)
            written["cohort_rows"] += len(cohort)
            written["time_rows"] += len(times)
            for key, n in sums.stages.items():
                stages[key] += n
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
        flush(last=True)
        stage_rows = [StageRollup(stage=s, campaign=c, n=n) for (s, c), n in sorted(stages.items()) if n]
        StageRollup.objects.bulk_create(stage_rows)
        written["stage_rows"] = len(stage_rows)
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
