"""Applying the policy to one lead: store its score and move it where the score says, inside
the caller's transaction.

`rescore()` is what every change to a lead calls (a new activity, an edited lead). `qualify()`
is the one place where a lead becomes an MQL; `record_activity()` stores an activity and
re-scores in one go, with the activity as the trigger ("why now").
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from common.messages import choice, message, moment
from handoff import clocks, handover
from leads.models import Activity, Lead, StageChange
from leads.rollups import refresh_retiered
from qualification import intent
from qualification.aging import policy_temperature, rescore_after
from qualification.models import QualificationPolicy
from qualification.scoring import (
    SALES_STAMPS,
    LeadFacts,
    PolicySnapshot,
    ScoreResult,
    decide,
    recycled_at,
    score,
    summarize,
)
from qualification.vocabulary import Decision

ACTIVITY_FIELDS = ("kind", "occurred_at", "url", "title", "data")


def active_policy() -> PolicySnapshot | None:
    policy = QualificationPolicy.objects.with_rules().active()
    return policy.snapshot() if policy else None


def rescore(
    lead: Lead,
    *,
    now: datetime,
    trigger: Activity | None = None,
    policy: PolicySnapshot | None = None,
) -> ScoreResult | None:
    """Score `lead` under the active policy (or `policy`), store the verdict and act on it.

    `trigger` is the activity that just arrived, recorded as the reason when it tips the lead
    into MQL. Returns None when no policy is active. Call it in the same transaction as the
    change that prompted it.
    """
    policy = policy or active_policy()
    if policy is None:
        return None
    activities = lead.activities.only(*ACTIVITY_FIELDS).order_by()
    summary = summarize(policy, activities, now=now)
    facts = LeadFacts.from_lead(lead)
    result = score(policy, facts, summary, now=now)
    with transaction.atomic():
        store(
            lead, result, now=now,
            temperature=policy_temperature(policy, result, facts, now=now, closed=lead.stage in Lead.CLOSED_STAGES),
            rescore_at=rescore_after(policy, facts, summary, result, now=now) if lead.stage in Lead.OPEN_STAGES else None,
        )
        act_on(lead, result, policy=policy, now=now, trigger=trigger)
    return result


def record_activity(lead: Lead, *, now: datetime | None = None, **fields) -> tuple[Activity, bool]:
    """`lead.record_activity(**fields)`, then re-score with the new activity as the trigger.
    An activity received before (same source system and id) changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        activity, created = lead.record_activity(**fields)
        if created:
            policy = active_policy()
            rescore(lead, now=now, trigger=activity, policy=policy)
            intent.react([activity], now=now, policy=policy)
    return activity, created


def store(
    lead: Lead, result: ScoreResult, *, now: datetime, temperature: str, rescore_at: datetime | None
) -> None:
    fields = {
        "fit_score": result.fit_score,
        "engagement_score": result.engagement_score,
        "intent_tier": result.intent_tier,
        "score_explanation": result.explanation,
        "temperature": temperature,
        "rescore_at": rescore_at,
        "scored_at": now,
    }
    Lead.objects.filter(pk=lead.pk).update(**fields)
    refresh_retiered(Lead.objects, [lead.pk])  # speed to lead counts MQLs per intent tier
    for name, value in fields.items():
        setattr(lead, name, value)


def act_on(
    lead: Lead,
    result: ScoreResult,
    *,
    policy: PolicySnapshot,
    now: datetime,
    trigger: Activity | None = None,
) -> StageChange | None:
    """Move the lead where its score sends it, judged against the locked, stored stage so a
    lead that sales accepted a moment ago is never pulled back."""
    with transaction.atomic():
        lead.stage, changed_at, *stamps = (
            Lead.objects.select_for_update()
            .values_list("stage", "stage_changed_at", *SALES_STAMPS)
            .get(pk=lead.pk)
        )
        decision = decide(result, lead.stage, recycled_at=recycled_at(lead.stage, changed_at, stamps))
        if decision == Decision.QUALIFY:
            return qualify(lead, result, policy=policy, now=now, trigger=trigger)
        if decision == Decision.DISQUALIFY:
            change = lead.move_to(
                Lead.Stage.DISQUALIFIED, rule=policy.rule_name, reason=result.disqualifier, at=now
            )
            clocks.stop_clock(lead)  # an MQL's clock stops with it
            return change
        if decision == Decision.NURTURE:
            return lead.move_to(
                Lead.Stage.NURTURE, rule=policy.rule_name, reason=nurture_reason(result), at=now
            )
    return None


def nurture_reason(result: ScoreResult) -> dict:
    return message("decision.nurture", thresholds=result.threshold_summary)


def qualify(
    lead: Lead,
    result: ScoreResult,
    *,
    policy: PolicySnapshot,
    now: datetime,
    trigger: Activity | None = None,
) -> StageChange:
    """The lead qualifies: it becomes an MQL, with the trigger as the "why now", and is handed
    to sales (owner, deadline, notification) in the same transaction. The single place where
    the policy hands a lead to sales."""
    change = lead.move_to(Lead.Stage.MQL, rule=policy.rule_name, reason=why_now(result, trigger), at=now)
    handover.hand_over(lead, now=now)
    return change


def why_now(result: ScoreResult, trigger: Activity | None) -> dict:
    """'fit 60 ≥ 40, engagement 35 ≥ 30 — tipped by: Pricing page “Prijzen” (20 Nov 2026 10:04)',
    as a message put into words when read."""
    reason = result.threshold_summary
    if result.for_account_management:
        reason = message("decision.for_account_management", thresholds=reason)
    if trigger is None:
        return reason
    what = choice("activity", trigger.kind)
    if trigger.title:
        what = message("decision.activity", kind=what, title=trigger.title)
    return message("decision.tipped_by", reason=reason, activity=what, when=moment(trigger.occurred_at))
