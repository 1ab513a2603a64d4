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
lead may add to several days; the routed* sets hold there only the routing counts, on the day
of the lead's first assignment.

The same refresh keeps `StageRollup` (how many leads are in each stage now, per campaign) by
the same difference of the copies.

The same refresh keeps the weekly review's rollups (`ReviewRollup`, `ReviewTimeRollup`): per
handoff week × team × owner × channel, the review's counts that do not depend on the moment
the page is read, and its response times and clocks as histograms (`review_contribution()`).
A lead's feedback and the moves sales sent it back with count too: writing them refreshes.

`rebuild(Lead.objects)` computes the same tables from scratch (`manage.py rebuildrollups`).
A bulk writer that rebuilds at its end anyway (the demo) writes inside `held_back()`, where
`refresh()` does nothing: the rebuild gives what refreshing after every write would have.
Both go through what one lead adds (`leads.contributions`: pure functions of its fields), and
both keep month rows beside the day rows (`leads.month_rows`).

Lead times are kept as fine histograms: buckets one second wide up to half a minute, then
each 3 % wider than the one before (and starting at the dashboard's bucket edges, so its
distributions are exact). A bucket holds the number of lead times in it and their sum; a
percentile takes each lead time as its bucket's mean, so it is off by less than the bucket's
width: at most 3 %, or one second (`leads.lead_times`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery

from common.bulk import TableWriter
from common.business_time import business_time_zone
from leads.contributions import (
    activity_counts,
    contribution,
    event_moments,
    review_contribution,
    speed_contribution,
    verdict_counts_per_day,
)
from leads.lead_times import bucket_of
from leads.models.rollup import (
    ACTIVITY_COUNTS,
    ACTIVITY_MEASURES,
    COUNTS,
    COUNTS_ONLY,
    DIMENSIONS,
    GROUPING_SETS,
    KEY,
    REVIEW_COUNTS,
    REVIEW_KEY,
    ROUTED_ONLY,
    ROUTING_COUNTS,
    SPEED_GROUPINGS,
    VERDICT_COUNTS,
    ActivityLeadTimeRollup,
    ActivityRollup,
    ActivitySpeedRollup,
    CohortRollup,
    LeadTimeRollup,
    ReviewRollup,
    ReviewTimeRollup,
    RolledUpLead,
    SpeedRollup,
    StageRollup,
)
from leads.month_rows import add_month_rows, key_order, with_month_rows
from leads.rollup_facts import FACTS, fact_columns, facts_from_row, facts_of

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
CHUNK = 500  # leads per query when refreshing many
REBUILD_WORK_MEM = "256MB"  # for the rebuild's transaction only (PostgreSQL)
VERDICT_INDEX = {name: ACTIVITY_COUNTS.index(name) for name in VERDICT_COUNTS}  # counted per day given

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
        self.activity_speed: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # per MQL day

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

        # (The routing counts go to the routed sets only, the others to every other set.)
        on_days: dict[date, list[tuple[int, int]]] = defaultdict(list)
        routed_on_days: dict[date, list[tuple[int, int]]] = defaultdict(list)
        event_counts = activity_counts(counts)
        for i, name in enumerate(ACTIVITY_COUNTS):
            if name not in VERDICT_INDEX and (value := event_counts[name]):
                days_of_set = routed_on_days if name in ROUTING_COUNTS else on_days
                days_of_set[day_of(moments[name])].append((i, sign * value))
        for given_on, verdicts in verdict_counts_per_day(facts).items():  # each verdict on its own day
            on_days[given_on].extend((VERDICT_INDEX[name], sign * n) for name, n in verdicts.items() if n)
        timed = [
            (day_of(moments[measure]), measure, bucket, us)
            for measure, bucket, us in buckets if measure in ACTIVITY_MEASURES
        ]
        speed = speed_contribution(facts)
        handoff_day = day_of(moments["reached_mql"]) if speed is not None else None  # activity mode's speed to lead
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
                for entry in (
                    self.speed[(*key, tier, clock, business)],
                    self.activity_speed[(grouping, handoff_day, *dims, tier, clock, business)],
                ):
                    for i, n in enumerate(figures):
                        entry[i] += sign * n
            for event_day, event_added in (routed_on_days if routed_only else on_days).items():
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
        return sorted(rows, key=key_order) if ordered else rows

    def time_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, n, us) for key, (n, us) in self.times.items() if n or us]
        return sorted(rows, key=key_order) if ordered else rows

    def activity_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.activity.items() if any(row)]
        return sorted(rows, key=key_order) if ordered else rows

    def activity_time_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, n, us) for key, (n, us) in self.activity_times.items() if n or us]
        return sorted(rows, key=key_order) if ordered else rows

    def review_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.review.items() if any(row)]
        return sorted(rows, key=key_order) if ordered else rows

    def review_time_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, n, us) for key, (n, us) in self.review_times.items() if n or us]
        return sorted(rows, key=key_order) if ordered else rows

    def speed_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.speed.items() if any(row)]
        return sorted(rows, key=key_order) if ordered else rows

    def activity_speed_rows(self, *, ordered: bool = True) -> list[tuple]:
        rows = [(*key, *row) for key, row in self.activity_speed.items() if any(row)]
        return sorted(rows, key=key_order) if ordered else rows

    def stage_rows(self) -> list[tuple]:
        return sorted((*key, n) for key, n in self.stages.items() if n)


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
        if rows := with_month_rows(sums.activity_speed_rows(), len(KEY) + len(SPEED_KEY)):
            sql = _upsert_sql(ActivitySpeedRollup._meta.db_table, [*key, *SPEED_KEY], list(SPEED_SUMS))
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


def refresh_retiered(leads, lead_ids: Iterable[int]) -> int:
    """`refresh()` for the leads among these whose intent tier is no longer the rolled-up one
    (after re-scoring many): one query finds them, the rest is refresh's. Returns how many."""
    if _held_back.get():
        return 0
    ids = sorted(set(lead_ids))
    retiered = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        tier_now = leads.filter(pk=OuterRef("lead_id")).values("intent_tier")[:1]
        retiered += RolledUpLead.objects.filter(lead_id__in=chunk).exclude(intent_tier=Subquery(tier_now)).values_list(
            "lead_id", flat=True
        )
    return refresh(leads, retiered) if retiered else 0


_held_back: ContextVar[bool] = ContextVar("rollups_held_back", default=False)


@contextmanager
def held_back() -> Iterator[None]:
    """Writes inside this block leave the rollups alone (`refresh()` does nothing), for a bulk
    writer that calls `rebuild()` once after it: the rebuilt rollups equal what refreshing
    after every write would have kept. Until that rebuild the rollups are out of date."""
    token = _held_back.set(True)
    try:
        yield
    finally:
        _held_back.reset(token)


def refresh(leads, lead_ids: Iterable[int]) -> int:
    """Bring the rollups in line with these leads (created, changed or deleted just now), in
    the caller's transaction. `leads` is the lead model's manager. Returns how many changed
    (none inside `held_back()`)."""
    if _held_back.get():
        return 0
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
        ActivitySpeedRollup, StageRollup, ReviewRollup, ReviewTimeRollup,
    ]
    written = dict.fromkeys(
        ["leads", "cohort_rows", "time_rows", "activity_rows", "activity_time_rows", "speed_rows",
         "activity_speed_rows", "stage_rows", "review_rows"], 0,
    )
    stages: dict[tuple[str, str], int] = defaultdict(int)  # over all days, written at the end
    with transaction.atomic():
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
                # The sums over every day row (the activity rows' staging, the month rows)
                # group millions of rows: with the default 4 MB they spill to disk, and took
                # twice as long at a million leads.
                cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
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
        activity_speed_staging = _Staging(ActivitySpeedRollup, [*key, *SPEED_KEY], list(SPEED_SUMS))
        sums, snapshots, last_day = Sums(zone), [], None

        def flush():
            nonlocal sums, snapshots
            cohort, times = sums.cohort_rows(ordered=False), sums.time_rows(ordered=False)
            cohort_writer.write_values(cohort)
            time_writer.write_values(times)
            speed = sums.speed_rows(ordered=False)
            speed_writer.write_values(speed)
            snapshot_writer.write_values([[facts[name] for name in FACTS] for facts in snapshots])
            activity_staging.write(sums.activity_rows(ordered=False))
            activity_time_staging.write(sums.activity_time_rows(ordered=False))
            activity_speed_staging.write(sums.activity_speed_rows(ordered=False))
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

        rows = leads.order_by("created_at", "pk").values_list(*fact_columns(zone))
        for row in rows.iterator(chunk_size=5000):
            facts = facts_from_row(row)
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
        written["activity_speed_rows"] = activity_speed_staging.add_up()
        written["cohort_rows"] += add_month_rows(CohortRollup, KEY, COUNTS)
        written["time_rows"] += add_month_rows(LeadTimeRollup, [*KEY, "measure", "bucket"], ["n", "microseconds"])
        written["activity_rows"] += add_month_rows(ActivityRollup, KEY, ACTIVITY_COUNTS)
        written["activity_time_rows"] += add_month_rows(
            ActivityLeadTimeRollup, [*KEY, "measure", "bucket"], ["n", "microseconds"]
        )
        written["speed_rows"] += add_month_rows(SpeedRollup, [*KEY, *SPEED_KEY], SPEED_SUMS)
        written["activity_speed_rows"] += add_month_rows(ActivitySpeedRollup, [*KEY, *SPEED_KEY], SPEED_SUMS)
        stage_rows = [StageRollup(stage=s, campaign=c, n=n) for (s, c), n in sorted(stages.items()) if n]
        StageRollup.objects.bulk_create(stage_rows)
        written["stage_rows"] = len(stage_rows)
        review_rows = review.review_rows(ordered=False)
        TableWriter(ReviewRollup, [*REVIEW_KEY, *REVIEW_COUNTS]).write_values(review_rows)
        TableWriter(ReviewTimeRollup, [*REVIEW_KEY, "measure", "bucket", "n", "microseconds"]).write_values(
            review.review_time_rows(ordered=False)
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
