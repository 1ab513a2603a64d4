"""What time alone does to a scored lead (pure, `now` passed in): how it reads at a glance —
cold, warm or hot, from its score and how recently it did something, in the policy's bands —
and the next moment at which time alone may change its verdict."""

from __future__ import annotations

from datetime import datetime, timedelta

from leads.models import Temperature
from qualification.scoring import ActivitySummary, LeadFacts, PolicySnapshot, ScoreResult

HOT_WITHIN = timedelta(days=7)
WARM_WITHIN = timedelta(days=30)


def policy_temperature(
    policy: PolicySnapshot, result: ScoreResult, facts: LeadFacts, *, now: datetime, closed: bool = False
) -> str:
    """`temperature()` with the policy's own bands."""
    return temperature(
        result, facts, now=now, closed=closed,
        hot_within=timedelta(days=policy.hot_within_days), warm_within=timedelta(days=policy.warm_within_days),
    )


def temperature(
    result: ScoreResult,
    facts: LeadFacts,
    *,
    now: datetime,
    hot_within: timedelta = HOT_WITHIN,
    warm_within: timedelta = WARM_WITHIN,
    closed: bool = False,
) -> str:
    """How a lead reads at a glance, from its score and how recently it did something:
    hot = MQL-ready and active within `hot_within`; warm = some fit or some engagement and
    active within `warm_within`; cold otherwise, and always when disqualified or `closed` (won,
    lost, or disqualified by sales: nobody should call it). "Active" is the lead's last
    activity, or its arrival when it has none, as for the decay."""
    if result.disqualifier or closed:
        return Temperature.COLD
    active_at = result.last_activity_at or facts.arrived_at
    if active_at is None:
        return Temperature.COLD
    quiet_for = now - active_at
    if result.qualifies and quiet_for < hot_within:
        return Temperature.HOT
    if (result.fit_score > 0 or result.engagement_score > 0) and quiet_for < warm_within:
        return Temperature.WARM
    return Temperature.COLD


def rescore_after(
    policy: PolicySnapshot, facts: LeadFacts, summary: ActivitySummary, result: ScoreResult, *, now: datetime
) -> datetime | None:
    """The first moment after `now` at which time alone may change this lead's verdict: the
    decay starting, a counted activity leaving its rule's window, the temperature band running
    out. None when nothing waits (a disqualified lead: time changes no disqualifier)."""
    if result.disqualifier:
        return None
    moments = []
    quiet_since = summary.last_activity_at or facts.arrived_at
    if quiet_since is not None:
        if policy.decay_points and policy.decay_after_days:
            moments.append(quiet_since + timedelta(days=policy.decay_after_days))
        moments += [quiet_since + timedelta(days=policy.hot_within_days), quiet_since + timedelta(days=policy.warm_within_days)]
    for rule, oldest in zip(policy.engagement_rules, summary.oldest_counted):
        if rule.window_days and oldest is not None:
            # Still counted at exactly window_days old (see EngagementRuleSpec.matches).
            moments.append(oldest + timedelta(days=rule.window_days, microseconds=1))
    return min((moment for moment in moments if moment > now), default=None)
