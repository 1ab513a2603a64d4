"""The scoring rules' SQL twins: what a lead's activities add up to under a policy, in one
grouped query per chunk of leads (`activity_summaries()`), so that bulk re-scoring reads each
activity once. Each filter says which pure rule of `qualification.scoring` it mirrors."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, FloatField, Func, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce

from leads.models import Activity, ConversionAction, IntentTier
from qualification.scoring import ActivitySummary, PolicySnapshot, tier_of


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


class SecondsOnSite(Func):
    """The SQL twin of `scoring.seconds_on_site()`: an activity's `data.seconds` when it is a
    number of seconds (not a text, a boolean or below zero), else 0."""

    output_field = FloatField()
    template = (
        "CASE WHEN jsonb_typeof(%(expressions)s -> 'seconds') = 'number'"
        " AND (%(expressions)s ->> 'seconds')::float >= 0"
        " THEN (%(expressions)s ->> 'seconds')::float ELSE 0 END"
    )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection,
            template=(
                "CASE WHEN json_type(%(expressions)s, '$.seconds') IN ('integer', 'real')"
                " AND json_extract(%(expressions)s, '$.seconds') >= 0"
                " THEN json_extract(%(expressions)s, '$.seconds') ELSE 0 END"
            ),
            **extra_context,
        )


def activity_summaries(policy: PolicySnapshot, activities, *, now: datetime) -> dict[int, ActivitySummary]:
    """One grouped query: per lead, each engagement rule's count, the latest activity and
    whether there was a demo request. Leads without activities are missing from the result."""
    counts = {
        f"rule_{index}": Count("id", filter=rule_filter(rule, now=now))
        for index, rule in enumerate(policy.engagement_rules)
    }
    # Low intent never lifts a tier, so only the higher tiers' conversions are counted.
    tiers = [IntentTier.HIGH, IntentTier.MID]
    conversions = {f"tier_{tier}": Count("id", filter=conversion_filter(policy, tier)) for tier in tiers}
    # When a windowed rule's oldest counted activity leaves the window, time alone changes
    # the score: the lead's rescore_at.
    oldest = {
        f"oldest_{index}": Min("occurred_at", filter=rule_filter(rule, now=now))
        for index, rule in enumerate(policy.engagement_rules)
        if rule.window_days
    }
    # A minutes rule adds up its activities' time on the website.
    seconds = {
        f"seconds_{index}": Coalesce(Sum(SecondsOnSite("data"), filter=rule_filter(rule, now=now)), Value(0.0))
        for index, rule in enumerate(policy.engagement_rules)
        if rule.min_minutes
    }
    rows = (
        activities.filter(occurred_at__lte=now)
        .order_by()
        .values("lead_id")
        .annotate(last_at=Max("occurred_at"), **conversions, **counts, **oldest, **seconds)
        .values_list("lead_id", "last_at", *conversions, *counts, *oldest, *seconds)
    )
    # Plain tuples, sliced by position: a million leads' rows as dicts cost seconds of Python.
    rules = len(counts)
    counts_at = 2 + len(conversions)
    oldest_at = counts_at + rules
    seconds_at = oldest_at + len(oldest)
    # Per rule, where its oldest counted activity and its seconds are in a row (None: not asked).
    oldest_of = [None] * rules
    for position, name in enumerate(oldest):
        oldest_of[int(name.removeprefix("oldest_"))] = oldest_at + position
    seconds_of = [None] * rules
    for position, name in enumerate(seconds):
        seconds_of[int(name.removeprefix("seconds_"))] = seconds_at + position
    summaries = {}
    for row in rows:
        summaries[row[0]] = ActivitySummary(
            row[counts_at:oldest_at],
            row[1],
            next((tier for tier, count in zip(tiers, row[2:counts_at]) if count), ""),
            tuple(None if at is None else row[at] for at in oldest_of),
            tuple(0.0 if at is None else float(row[at]) for at in seconds_of),
        )
    return summaries


def conversion_filter(policy: PolicySnapshot, tier: str) -> Q:
    """The SQL twin of `scoring.conversion_of()`: the activities that are conversions the
    policy puts in `tier`."""
    actions = [action for action in ConversionAction.values if tier_of(policy, action) == tier]
    condition = Q(kind=Activity.Kind.FORM_SUBMISSION) & (
        Q(data__conversion_action__in=actions)
        | (~Q(data__has_key="conversion_action") & Q(data__hidden__conversion_action__in=actions))
    )
    if ConversionAction.DEMO_REQUEST in actions:
        condition |= Q(kind=Activity.Kind.DEMO_REQUEST)
    return condition
