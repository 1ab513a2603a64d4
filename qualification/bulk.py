"""Re-scoring many leads at once: after a policy is activated, from `manage.py rescore`, for
the demo data and the benchmark.

Leads go in chunks ordered by id, each chunk in its own transaction, so memory stays bounded
and an interrupted run keeps what it finished. Per chunk: one query for the leads' facts, one
set-based query counting every engagement rule's activities per lead, the pure scoring
functions, and one bulk write of the scores (COPY into a temporary table and a single
UPDATE … FROM on PostgreSQL). Only the few leads whose stage changes go through
`decisions.act_on()` one by one, so they get the same history and hand-over as a single lead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Q

from leads.models import Activity, Lead
from qualification import decisions
from qualification.models import QualificationPolicy
from qualification.scoring import ActivitySummary, Decision, LeadFacts, PolicySnapshot
from qualification.scoring import ScoreResult, decide, score

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
)


@dataclass
class RescoreStats:
    scored: int = 0
    qualified: int = 0
    disqualified: int = 0
    nurtured: int = 0

    def count(self, decision: str) -> None:
        if decision == Decision.QUALIFY:
            self.qualified += 1
        elif decision == Decision.DISQUALIFY:
            self.disqualified += 1
        elif decision == Decision.NURTURE:
            self.nurtured += 1


def facts_from_row(row: tuple) -> LeadFacts:
    (_id, _stage, email, job_title, action, channel, product, name, domain, employees, sector,
     country, region, is_customer, is_competitor, created_at) = row
    return LeadFacts(
        email=email,
        job_title=job_title,
        conversion_action=action,
        channel=channel,
        product_interest=product,
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


def rule_filter(rule, *, now: datetime) -> Q:
    """The SQL twin of `EngagementRuleSpec.matches()`."""
    condition = Q(kind=rule.activity_kind)
    if rule.window_days:
        condition &= Q(occurred_at__gte=now - timedelta(days=rule.window_days))
    if rule.url_contains:
        condition &= Q(url__icontains=rule.url_contains)
    if rule.title_contains:
        condition &= Q(title__icontains=rule.title_contains)
    return condition


def activity_summaries(policy: PolicySnapshot, activities, *, now: datetime) -> dict[int, ActivitySummary]:
    """One grouped query: per lead, each engagement rule's count, the latest activity and
    whether there was a demo request. Leads without activities are missing from the result."""
    counts = {
        f"rule_{index}": Count("id", filter=rule_filter(rule, now=now))
        for index, rule in enumerate(policy.engagement_rules)
    }
    rows = (
        activities.filter(occurred_at__lte=now)
        .order_by()
        .values("lead_id")
        .annotate(
            last_at=Max("occurred_at"),
            demo_requests=Count("id", filter=Q(kind=Activity.Kind.DEMO_REQUEST)),
            **counts,
        )
    )
    names = list(counts)
    return {
        row["lead_id"]: ActivitySummary(
            tuple(row[name] for name in names), row["last_at"], row["demo_requests"] > 0
        )
        for row in rows
    }


def rescore_leads(
    policy: PolicySnapshot,
    *,
    now: datetime,
    open_only: bool = True,
    move: bool = True,
    chunk_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> RescoreStats:
    """Score every open lead (or every lead), store the scores, and — with `move` — move the
    leads whose stage the score changes. Returns what happened."""
    leads = Lead.objects.open() if open_only else Lead.objects.all()
    no_activities = ActivitySummary((0,) * len(policy.engagement_rules), None, False)
    stats = RescoreStats()
    last_id = 0
    while True:
        with transaction.atomic():
            rows = list(
                leads.filter(id__gt=last_id).order_by("id").values_list(*FACT_FIELDS)[:chunk_size]
            )
            if not rows:
                break
            first_id, last_id = rows[0][0], rows[-1][0]
            activities = Activity.objects.filter(lead_id__gte=first_id, lead_id__lte=last_id)
            if open_only:
                activities = activities.filter(lead__stage__in=Lead.OPEN_STAGES)
            summaries = activity_summaries(policy, activities, now=now)
            results = [
                (row[0], row[1], score(policy, facts_from_row(row), summaries.get(row[0], no_activities), now=now))
                for row in rows
            ]
            write_scores(results, now=now)
            if move:
                for lead_id, stage, result in results:
                    decision = decide(result, stage)
                    if decision != Decision.KEEP:
                        lead = Lead.objects.select_related("company").get(pk=lead_id)
                        if decisions.act_on(lead, result, policy=policy, now=now):
                            stats.count(decision)
        stats.scored += len(rows)
        if progress:
            progress(len(rows))
    return stats


def write_scores(results: list[tuple[int, str, ScoreResult]], *, now: datetime) -> None:
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS qualification_new_scores ("
                " id bigint PRIMARY KEY, fit integer, engagement integer, tier varchar(10),"
                " explanation jsonb) ON COMMIT DELETE ROWS"
            )
            cursor.execute("TRUNCATE qualification_new_scores")
            with cursor.copy(
                "COPY qualification_new_scores (id, fit, engagement, tier, explanation) FROM STDIN"
            ) as copy:
                for lead_id, _stage, result in results:
                    copy.write_row(
                        (lead_id, result.fit_score, result.engagement_score, result.intent_tier,
                         json.dumps(result.explanation))
                    )
            cursor.execute(
                f"UPDATE {table} AS lead SET fit_score = new.fit,"
                " engagement_score = new.engagement, intent_tier = new.tier,"
                " score_explanation = new.explanation, scored_at = %s"
                " FROM qualification_new_scores AS new WHERE lead.id = new.id",
                [now],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET fit_score = %s, engagement_score = %s, intent_tier = %s,"
                " score_explanation = %s, scored_at = %s WHERE id = %s",
                [
                    (r.fit_score, r.engagement_score, r.intent_tier, json.dumps(r.explanation),
                     Lead._meta.get_field("scored_at").get_db_prep_save(now, connection), lead_id)
                    for lead_id, _stage, r in results
                ],
            )


def activate(
    policy: QualificationPolicy,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> RescoreStats:
    """Activate `policy` (retiring the previous one) and re-score every open lead under it."""
    policy.activate(now=now)
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()
    return rescore_leads(snapshot, now=now, progress=progress)
