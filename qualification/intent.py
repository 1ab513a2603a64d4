"""What new activities say about a lead sales already has: its intent rose (it asked for
contact again: a demo, a quote) or it shows another strong signal (the pricing page, a second
form). Re-scoring decides where a lead goes; this decides whom to tell and how soon they must
act.

`react()` runs after the new activities were stored and their leads re-scored, in the same
transaction; `signal_of()` is the rule, pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from common.lookups import AnyOf
from handoff import handover
from leads.models import Activity, IntentTier, Lead
from qualification.scoring import DEFAULT_INTENT_TIERS, PolicySnapshot

# Stages in which an owner works the lead and wants to hear what it does.
WATCHED_STAGES = (Lead.Stage.MQL, Lead.Stage.SAL, Lead.Stage.SQL, Lead.Stage.OPPORTUNITY)
# Stages whose deadline is the first contact: a new request for contact makes it sooner.
RESPONDING_STAGES = (Lead.Stage.MQL, Lead.Stage.SAL)
FORMS = (Activity.Kind.FORM_SUBMISSION, Activity.Kind.DEMO_REQUEST)
SECOND_FORM = "second_form"
INTENT_ROSE = "intent_rose"


def signal_of(activity, *, stage: str, tiers: Mapping[str, str], forms_so_far: int) -> str:
    """What `activity` tells the owner of a lead in `stage`: INTENT_ROSE for a high-intent
    request while the first contact is due, otherwise the strong signal's name (a high-intent
    request later on, the pricing page, a second form or more: `forms_so_far` counts the lead's
    forms including this one), "" for nothing worth a message."""
    action = activity.conversion_action
    high = bool(action) and tiers.get(action) == IntentTier.HIGH
    if high and stage in RESPONDING_STAGES:
        return INTENT_ROSE
    if high:
        return action
    if activity.kind == Activity.Kind.PRICING_PAGE:
        return Activity.Kind.PRICING_PAGE
    if activity.kind in FORMS and forms_so_far >= 2:
        return SECOND_FORM
    return ""


def watched(lead_ids: Iterable[int], *, now: datetime) -> QuerySet[Lead]:
    """Of these leads, those whose owner `react()` may tell something: the leads sales works
    on, except those that became an MQL at `now` (their hand-over message said it all)."""
    return Lead.objects.filter(AnyOf("id", lead_ids), stage__in=WATCHED_STAGES, owner__isnull=False).exclude(
        stage_changed_at=now
    )


def react(activities: Sequence[Activity], *, now: datetime, policy: PolicySnapshot | None) -> int:
    """Tell the owners of the leads with sales what these new activities say, and move their
    deadline up when a lead asked for contact. A lead that became an MQL at `now` is skipped:
    its hand-over message said it all. Returns the number of leads whose owner was told."""
    tiers = policy.intent_tiers if policy else DEFAULT_INTENT_TIERS
    by_lead: dict[int, list[Activity]] = {}
    for activity in sorted(activities, key=lambda a: (a.occurred_at, a.pk or 0)):
        by_lead.setdefault(activity.lead_id, []).append(activity)
    if not by_lead:
        return 0
    leads = (
        watched(by_lead, now=now)
        .select_related("company", "owner")
        .annotate(forms=Count("activities", filter=Q(activities__kind__in=FORMS)))
        .order_by("pk")  # rows are locked in this order, whichever request comes first
    )
    told = 0
    for lead in leads:
        new = by_lead[lead.pk]
        forms_before = lead.forms - sum(1 for a in new if a.kind in FORMS)
        signals = []
        for activity in new:
            forms_before += activity.kind in FORMS
            signal = signal_of(activity, stage=lead.stage, tiers=tiers, forms_so_far=forms_before)
            if signal:
                signals.append((activity, signal))
        rose = [activity for activity, signal in signals if signal == INTENT_ROSE]
        if rose:
            handover.intent_rose(lead, rose[-1], now=now)
            told += 1
        elif signals:
            activity, signal = signals[-1]
            told += handover.strong_signal(lead, activity, signal, now=now)
    return told
