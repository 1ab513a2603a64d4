"""Re-scoring many leads at once: after a policy is activated, from `manage.py rescore`, for
the demo data and the benchmark.

Leads go in chunks ordered by id, each chunk in its own transaction, so memory stays bounded
and an interrupted run keeps what it finished. Per chunk: one query for the leads' facts, one
set-based query counting every engagement rule's activities per lead, the pure scoring
functions, and one bulk write of the scores that changed (a single UPDATE … FROM unnest() on
PostgreSQL). Only the few leads whose stage changes go through `decisions.act_on()` one by
one, so they get the same history and hand-over as a single lead. With several workers
(PostgreSQL), worker processes share the chunks and the moves follow in the calling process
(`rescore_in_workers`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from common.bulk import TableWriter, server_bound_cursor
from common.lookups import AnyOf
from common.messages import split
from handoff import clocks
from leads.models import Activity, Lead, StageChange
from leads.rollups import refresh as refresh_rollups
from leads.rollups import refresh_retiered
from qualification import decisions, parallel
from qualification.activity_sql import activity_summaries
from qualification.aging import policy_temperature, rescore_after
from qualification.models import QualificationPolicy
from qualification.scoring import (
    SALES_STAMPS,
    ActivitySummary,
    LeadFacts,
    PolicySnapshot,
    ScoreResult,
    decide,
    recycled_at,
    score,
)
from qualification.vocabulary import Decision

FACT_FIELDS = (
    "id",
    "stage",
    "email",
    "job_title",
    "conversion_action",
    "channel",
    "product_interest",
    "company__name",
    "company__domain",
    "company__employees",
    "company__sector",
    "company__country",
    "company__region",
    "company__is_customer",
    "company__is_competitor",
    "created_at",
    "source",
    "campaign",
)


HISTORY_FIELDS = ["lead_id", "from_stage", "to_stage", "changed_at", "rule", "reason", "reason_message"]


@dataclass
class RescoreStats:
    scored: int = 0
    changed: int = 0  # of the scored, those whose score came out different
    qualified: int = 0
    disqualified: int = 0
    nurtured: int = 0
    scheduled: int = 0  # qualified, handed over later (an activation spread over hours)
    moving_seconds: float = 0.0  # of the run, the time spent moving leads


def facts_from_row(row: tuple) -> LeadFacts:
    (_id, _stage, email, job_title, action, channel, product, name, domain, employees, sector,
     country, region, is_customer, is_competitor, created_at, source, campaign) = row
    return LeadFacts(
        email=email,
        job_title=job_title,
        conversion_action=action,
        channel=channel,
        product_interest=product,
        source=source or "",
        campaign=campaign or "",
        company_name=name or "",
        company_domain=domain or "",
        employees=employees,
        sector=sector or "",
        country=country or "",
        region=region or "",
        is_customer=bool(is_customer),
        is_competitor=bool(is_competitor),
        arrived_at=created_at,
    )


def chunks(leads, *, chunk_size: int):
    """The leads' rows (facts, then stage_changed_at, the sales stamps and the stored intent
    tier) a chunk at a time,
    ordered by id. Each chunk is read when the caller asks for it: run the caller's work for
    a chunk in its own transaction."""
    last_id = 0
    while True:
        rows = list(
            leads.filter(id__gt=last_id)
            .order_by("id")
            .values_list(*FACT_FIELDS, "stage_changed_at", *SALES_STAMPS, "intent_tier")[:chunk_size]
        )
        if not rows:
            return
        last_id = rows[-1][0]
        yield rows
        if len(rows) < chunk_size:
            return


def score_rows(policy: PolicySnapshot, rows: list[tuple], activities, *, now: datetime) -> list[tuple]:
    """(row, result, temperature, rescore_at) for each lead row of a chunk; `activities` holds
    (at least) the chunk's leads' activities."""
    no_activities = ActivitySummary((0,) * len(policy.engagement_rules), None)
    summaries = activity_summaries(policy, activities, now=now)
    facts_end = len(FACT_FIELDS)
    scored = []
    for row in rows:
        facts = facts_from_row(row[:facts_end])
        summary = summaries.get(row[0], no_activities)
        result = score(policy, facts, summary, now=now)
        # A closed lead is not re-scored by time: it gets no moment.
        due = rescore_after(policy, facts, summary, result, now=now) if row[1] in Lead.OPEN_STAGES else None
        closed = row[1] in Lead.CLOSED_STAGES
        scored.append((row, result, policy_temperature(policy, result, facts, now=now, closed=closed), due))
    return scored


def chunk_activities(rows: list[tuple], *, by_ids: bool, open_only: bool):
    first_id, last_id = rows[0][0], rows[-1][0]
    activities = Activity.objects.filter(lead_id__gte=first_id, lead_id__lte=last_id)
    if by_ids:
        # The chunk's own leads, which are open already: no join to the lead's stage.
        return activities.filter(AnyOf("lead_id", [row[0] for row in rows]))
    if open_only:
        return activities.filter(lead__stage__in=Lead.OPEN_STAGES)
    return activities


def decision_for(row: tuple, result: ScoreResult) -> str:
    facts_end = len(FACT_FIELDS)
    stage, changed_at, stamps = row[1], row[facts_end], row[facts_end + 1 : facts_end + 1 + len(SALES_STAMPS)]
    return decide(result, stage, recycled_at=recycled_at(stage, changed_at, stamps))


def rescore_leads(
    policy: PolicySnapshot,
    *,
    now: datetime,
    open_only: bool = True,
    move: bool = True,
    chunk_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
    lead_ids: Iterable[int] | None = None,
    triggers_received_at: datetime | None = None,
    spread: timedelta | None = None,
    workers: int = 1,
) -> RescoreStats:
    """Score every open lead (or every lead, or only `lead_ids`), store the scores, and — with
    `move` — move the leads whose stage the score changes. With `triggers_received_at`, a
    lead's newest activity received at that moment is its trigger: the "why now" of a lead it
    tips into MQL. With `spread`, the leads that qualify are handed over in waves across that
    time instead of at once (`schedule_handovers`). With `workers` above 1 (PostgreSQL only),
    that many worker processes, each with its own connection, score and store a share of the
    leads (`rescore_in_workers`); the leads that move then move here, in the caller. An interrupted run,
    serial or not, keeps the chunks it finished: run it again to finish. Returns what happened."""
    if lead_ids is not None:
        lead_ids = sorted(set(lead_ids))
    leads = leads_to_rescore(open_only=open_only, lead_ids=lead_ids)
    stats = RescoreStats()
    later: list[int] = []  # with `spread`: the leads that qualify, handed over over time
    if workers > 1:
        stats, moves = rescore_in_workers(
            policy, leads, workers=workers, now=now, open_only=open_only, lead_ids=lead_ids,
            move=move, chunk_size=chunk_size, progress=progress,
        )
        # The workers stored the scores; the few leads that change stage move here, in one
        # connection, in chunks: hand-overs are per lead and must not race for the same reps.
        for start in range(0, len(moves), chunk_size):
            with transaction.atomic():
                later += apply_moves(
                    moves[start : start + chunk_size], stats, policy=policy, now=now, spread=spread,
                    triggers_received_at=triggers_received_at,
                )
    else:
        for rows in chunks(leads, chunk_size=chunk_size):
            with transaction.atomic():
                results = score_and_store(
                    policy, rows, stats, now=now, by_ids=lead_ids is not None, open_only=open_only
                )
                if move:
                    later += apply_moves(
                        moves_of(results), stats, policy=policy, now=now, spread=spread,
                        triggers_received_at=triggers_received_at,
                    )
            if progress:
                progress(len(rows))
    if later:
        stats.scheduled = schedule_handovers(later, over=spread, now=now)
    return stats


@dataclass(frozen=True)
class RescoreJob:
    """What every worker of a parallel re-score needs to know, sent to each worker process:
    plain data only (a queryset would be evaluated on the way)."""

    policy: PolicySnapshot
    now: datetime
    open_only: bool
    lead_ids: list[int] | None
    move: bool
    chunk_size: int


def leads_to_rescore(*, open_only: bool, lead_ids: list[int] | None):
    leads = Lead.objects.open() if open_only else Lead.objects.all()
    return leads if lead_ids is None else leads.filter(AnyOf("id", lead_ids))


def rescore_in_workers(
    policy: PolicySnapshot,
    leads,
    *,
    workers: int,
    now: datetime,
    open_only: bool,
    lead_ids: list[int] | None,
    move: bool,
    chunk_size: int,
    progress: Callable[[int], None] | None,
) -> tuple[RescoreStats, list[Move]]:
    """Score and store `leads` in `workers` processes, each over its share of the ids in
    chunks as the serial run goes (each chunk its own transaction, `rescore_range`); returns
    the counts and, with `move`, the moves the scores call for, by lead id. No lead moves
    here."""
    parallel.check_can_run()
    job = RescoreJob(policy, now, open_only, lead_ids, move, chunk_size)
    totals, moves = RescoreStats(), []
    for stats, found in parallel.run_in_processes(parallel.id_ranges(leads, workers), rescore_range, job, progress=progress):
        totals.scored += stats.scored
        totals.changed += stats.changed
        moves.extend(found)
    moves.sort(key=lambda found: found[1])
    return totals, moves


def rescore_range(
    first_id: int, last_id: int, job: RescoreJob, should_stop: Callable[[], bool], report: Callable[[int], None]
) -> tuple[RescoreStats, list[Move]]:
    """One worker's share of a parallel re-score (in its own process): the leads with ids
    from `first_id` to `last_id`, chunk by chunk, each chunk in its own transaction, until
    done or told to stop. Returns its counts and the moves its scores call for."""
    stats, moves = RescoreStats(), []
    leads = leads_to_rescore(open_only=job.open_only, lead_ids=job.lead_ids)
    for rows in chunks(leads.filter(id__gte=first_id, id__lte=last_id), chunk_size=job.chunk_size):
        if should_stop():
            break
        with transaction.atomic():
            results = score_and_store(
                job.policy, rows, stats, now=job.now, by_ids=job.lead_ids is not None, open_only=job.open_only
            )
        if job.move:
            moves += moves_of(results)
        report(len(rows))
    return stats, moves


def score_and_store(
    policy: PolicySnapshot, rows: list[tuple], stats: RescoreStats, *, now: datetime, by_ids: bool, open_only: bool
) -> list[tuple]:
    """Score a chunk's lead rows and store the verdicts that changed, counting both in
    `stats`; returns the (row, result, temperature, rescore_at) of each lead."""
    results = score_rows(policy, rows, chunk_activities(rows, by_ids=by_ids, open_only=open_only), now=now)
    stats.changed += write_scores(
        [(row[0], result, temperature, due) for row, result, temperature, due in results],
        first_id=rows[0][0], last_id=rows[-1][0], now=now, tiers_before={row[0]: row[-1] for row in rows},
    )
    stats.scored += len(rows)
    return results


Move = tuple[str, int, str, ScoreResult]  # (decision, lead id, stage as read, result)


def moves_of(results: list[tuple]) -> list[Move]:
    """Of a chunk's scored rows, the leads whose score changes their stage."""
    moves = []
    for row, result, _temperature, _due in results:
        decision = decision_for(row, result)
        if decision != Decision.KEEP:
            moves.append((decision, row[0], row[1], result))
    return moves


def apply_moves(
    moves: list[Move],
    stats: RescoreStats,
    *,
    policy: PolicySnapshot,
    now: datetime,
    spread: timedelta | None,
    triggers_received_at: datetime | None,
) -> list[int]:
    """Move the leads (each locked and judged again against its locked stage), counting them
    in `stats`. With `spread`, the leads that qualify are not handed over but returned, to be
    handed over in waves."""
    started = time.perf_counter()
    by_decision = {Decision.QUALIFY: [], Decision.NURTURE: [], Decision.DISQUALIFY: []}
    for decision, lead_id, stage, result in moves:
        by_decision[decision].append((lead_id, stage, result))
    later = []
    if spread:
        later = [lead_id for lead_id, _stage, _result in by_decision[Decision.QUALIFY]]
    else:
        stats.qualified += qualify_each(
            by_decision[Decision.QUALIFY], policy=policy, now=now, triggers_received_at=triggers_received_at
        )
    stats.nurtured += move_many(by_decision[Decision.NURTURE], Lead.Stage.NURTURE, policy=policy, now=now)
    stats.disqualified += move_many(by_decision[Decision.DISQUALIFY], Lead.Stage.DISQUALIFIED, policy=policy, now=now)
    stats.moving_seconds += time.perf_counter() - started
    return later


# An activation spread over hours hands its leads over in this many waves at most.
WAVES = 48


def schedule_handovers(lead_ids: list[int], *, over: timedelta, now: datetime) -> int:
    """Leads that qualify, handed over in even waves across `over` rather than all at once:
    each wave's leads are due for a re-score at their moment, and the worker's re-score
    (`rescore_due`) hands them over then, as any re-score that finds a lead MQL-ready.
    In arrival order (by id), the first wave at once."""
    waves = min(WAVES, len(lead_ids))
    for wave in range(waves):
        start, end = len(lead_ids) * wave // waves, len(lead_ids) * (wave + 1) // waves
        Lead.objects.filter(id__in=lead_ids[start:end]).update(rescore_at=now + over * wave / waves)
    return len(lead_ids)


def rescore_due(*, now: datetime, limit: int = 1000, policy: PolicySnapshot | None = None) -> int:
    """Re-score up to `limit` leads whose `rescore_at` has passed (a decay starting, a band
    running out, a spread-out hand-over), as any re-score: scores, explanation, history,
    hand-over. Safe with several workers: the due leads are locked with SKIP LOCKED, and the
    transaction that re-scores them replaces their moment with the next. Returns how many
    were due."""
    policy = policy or decisions.active_policy()
    with transaction.atomic():
        due = list(
            Lead.objects.filter(rescore_at__lte=now)
            .order_by("rescore_at")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if not due:
            return 0
        if policy is None:
            Lead.objects.filter(id__in=due).update(rescore_at=None)  # nothing to score them by
            return len(due)
        # An open lead's re-score writes its next moment (always a new one: later than now, or
        # none), so only the closed leads, which are not re-scored, are cleared here: one row
        # write per lead rather than two.
        Lead.objects.filter(id__in=due).exclude(stage__in=Lead.OPEN_STAGES).update(rescore_at=None)
        rescore_leads(policy, now=now, lead_ids=due, chunk_size=limit)
    return len(due)


def qualify_each(
    moves: list[tuple[int, str, ScoreResult]],
    *,
    policy: PolicySnapshot,
    now: datetime,
    triggers_received_at: datetime | None = None,
) -> int:
    """Leads that became MQL go one by one through `decisions.qualify()`: the hand-over to
    sales is per lead. They are locked in one query and judged again against the locked
    stage, so a lead sales accepted a moment ago stays where it is. Only these few leads have
    their trigger looked up; a batch re-scores a thousand leads and qualifies a handful."""
    results = {lead_id: result for lead_id, _stage, result in moves}
    leads = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("company")
        .filter(id__in=list(results))
    )
    moved = 0
    for lead in leads:
        result = results[lead.pk]
        recycled = recycled_at(lead.stage, lead.stage_changed_at, [getattr(lead, s) for s in SALES_STAMPS])
        if decide(result, lead.stage, recycled_at=recycled) == Decision.QUALIFY:
            trigger = None
            if triggers_received_at is not None:
                trigger = newest_activity_received(lead, at=triggers_received_at)
            decisions.qualify(lead, result, policy=policy, now=now, trigger=trigger)
            moved += 1
    return moved


def newest_activity_received(lead: Lead, *, at: datetime) -> Activity | None:
    return lead.activities.filter(received_at=at).order_by("-occurred_at", "-id").first()


def move_many(moves: list[tuple[int, str, ScoreResult]], to_stage: str, *, policy: PolicySnapshot, now: datetime) -> int:
    """Move many leads to nurture or disqualified in a few statements: what `Lead.move_to()`
    does for one lead (check the transition against the locked stage, write the history row,
    stamp the first arrival, bump the version), set-based. Returns how many moved."""
    if not moves:
        return 0
    wanted = {lead_id: (stage, result) for lead_id, stage, result in moves}
    locked = dict(
        Lead.objects.select_for_update().filter(id__in=list(wanted)).values_list("id", "stage")
    )
    # A lead whose stage changed since it was read (sales accepted it a moment ago) stays put.
    movable = [
        lead_id for lead_id, (stage, _result) in wanted.items()
        if locked.get(lead_id) == stage and to_stage in Lead.allowed_next_stages(stage)
    ]
    if not movable:
        return 0
    stamp = f"{to_stage}_at"
    Lead.objects.filter(id__in=movable).update(
        stage=to_stage,
        stage_changed_at=now,
        version=F("version") + 1,
        updated_at=now,
        **{stamp: Coalesce(F(stamp), Value(now))},
    )
    refresh_rollups(Lead.objects, movable)
    if to_stage == Lead.Stage.DISQUALIFIED:
        clocks.stop_clocks(movable)  # the MQLs among them leave sales' hands
    TableWriter(StageChange, HISTORY_FIELDS).write(
        [
            {
                "lead_id": lead_id,
                "from_stage": wanted[lead_id][0],
                "to_stage": to_stage,
                "changed_at": now,
                "rule": policy.rule_name,
                **dict(zip(("reason", "reason_message"), split(move_reason(wanted[lead_id][1], to_stage)))),
            }
            for lead_id in movable
        ]
    )
    return len(movable)


def move_reason(result: ScoreResult, to_stage: str) -> str | dict:
    if to_stage == Lead.Stage.DISQUALIFIED:
        return result.disqualifier
    return decisions.nurture_reason(result)


def write_scores(
    results: list[tuple[int, ScoreResult, str, datetime | None]],
    *,
    first_id: int,
    last_id: int,
    now: datetime,
    tiers_before: dict[int, str] | None = None,
) -> int:
    """Store the (lead id, result, temperature, rescore_at) verdicts that changed; returns how
    many. A lead whose verdict came out the same keeps its row and its `scored_at` untouched:
    rewriting a lead row updates all of its indexes, and most re-scores (an e-mail opened, a
    nightly decay run) change nothing. The MQLs whose intent tier changed move to their new
    tier in the rollups (speed to lead), in the caller's transaction. With `tiers_before` (the
    intent tiers as stored, read with the leads), only the leads whose tier the result changes
    are checked against the rollups: at an activation few change tier, and the check costs a
    query over the rollups per chunk."""
    changed = _write_changed_scores(results, first_id=first_id, last_id=last_id, now=now)
    if changed:
        if tiers_before is None:
            retiered = [lead_id for lead_id, *_rest in results]
        else:
            retiered = [lead_id for lead_id, r, *_rest in results if tiers_before.get(lead_id) != r.intent_tier]
        if retiered:
            refresh_retiered(Lead.objects, retiered)
    return changed


def _write_changed_scores(
    results: list[tuple[int, ScoreResult, str, datetime | None]], *, first_id: int, last_id: int, now: datetime
) -> int:
    table = Lead._meta.db_table
    if connection.vendor == "postgresql":
        ids, fits, engagements, tiers, explanations, temperatures, dues = zip(
            *(
                (lead_id, r.fit_score, r.engagement_score, r.intent_tier, json.dumps(r.explanation), temperature, due)
                for lead_id, r, temperature, due in results
            )
        )
        with server_bound_cursor() as cursor:
            # The id range lets the planner walk the primary key instead of scanning the table.
            cursor.execute(
                f"UPDATE {table} AS lead SET fit_score = new.fit,"
                " engagement_score = new.engagement, intent_tier = new.tier,"
                " score_explanation = new.explanation, temperature = new.temperature,"
                " rescore_at = new.due, scored_at = %b"
                " FROM unnest(%b::bigint[], %b::integer[], %b::integer[], %b::text[], %b::jsonb[],"
                " %b::text[], %b::timestamptz[])"
                " AS new (id, fit, engagement, tier, explanation, temperature, due)"
                " WHERE lead.id = new.id AND lead.id BETWEEN %b AND %b"
                " AND (lead.fit_score, lead.engagement_score, lead.intent_tier, lead.score_explanation,"
                " lead.temperature, lead.rescore_at)"
                " IS DISTINCT FROM (new.fit, new.engagement, new.tier, new.explanation, new.temperature, new.due)",
                [
                    now, list(ids), list(fits), list(engagements), list(tiers), list(explanations),
                    list(temperatures), list(dues), first_id, last_id,
                ],
            )
            return cursor.rowcount
    adapt = Lead._meta.get_field("scored_at").get_db_prep_save
    scored_at = adapt(now, connection)
    params = []
    for lead_id, r, temperature, due in results:
        score_values = (r.fit_score, r.engagement_score, r.intent_tier, json.dumps(r.explanation), temperature)
        due_value = adapt(due, connection)
        params.append((*score_values, due_value, scored_at, lead_id, *score_values, due_value))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET fit_score = %s, engagement_score = %s, intent_tier = %s,"
            " score_explanation = %s, temperature = %s, rescore_at = %s, scored_at = %s WHERE id = %s"
            " AND NOT (fit_score IS %s AND engagement_score IS %s AND intent_tier = %s"
            " AND score_explanation = %s AND temperature = %s AND rescore_at IS %s)",
            params,
        )
        return cursor.rowcount


def activate(
    policy: QualificationPolicy,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    spread: timedelta | None = None,
    workers: int = 1,
) -> RescoreStats:
    """Activate `policy` (retiring the previous one) and re-score every open lead under it, in
    `workers` processes; with `spread`, the leads it makes MQL are handed over across that time."""
    if workers > 1:
        parallel.check_can_run()  # before the policy changes, not half-way
    policy.activate(now=now)
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()
    return rescore_leads(snapshot, now=now, progress=progress, spread=spread, workers=workers)
