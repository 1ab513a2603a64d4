"""Disqualification is not a dead end.

A lead the policy disqualified is decided again when the facts behind the verdict change (its
job title, e-mail domain or company, the company's size or domain): `redecide()` sends it back
to nurture when no disqualifier holds any more, and from there the policy decides as for any
lead. A lead someone disqualified by hand stays disqualified: that was a person's judgement.

A disqualified lead that asks for contact (a demo request, a form) does not disappear either:
`note_requests()` puts it on the "disqualified but asking" list (`Lead.asking_at`) that
marketing and the manager read, with the reason it was disqualified.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import JSONField, OuterRef, QuerySet, Subquery

from common.messages import message
from leads.models import Activity, ConversionAction, IntentTier, Lead, StageChange
from qualification import decisions
from qualification.scoring import LeadFacts, PolicySnapshot, score, summarize

# The facts a disqualifier looks at; a change in any of them re-decides a disqualified lead.
WATCHED = ("email", "job_title", "company_name", "company_domain", "employees", "sector", "is_competitor")
# Activities that ask for contact, with the conversion action whose intent tier they carry.
REQUESTS = {
    Activity.Kind.DEMO_REQUEST: ConversionAction.DEMO_REQUEST,
    Activity.Kind.FORM_SUBMISSION: ConversionAction.CONTACT_FORM,
}


def facts_changed(before: LeadFacts, after: LeadFacts) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in WATCHED)


def disqualified_by_policy(lead: Lead) -> StageChange | None:
    """The stage change that disqualified the lead, when a policy (not a person) made it."""
    change = lead.stage_changes.filter(to_stage=Lead.Stage.DISQUALIFIED).order_by("-changed_at", "-id").first()
    if change and change.changed_by_id is None and change.rule.startswith("qualification policy"):
        return change
    return None


def redecide(lead: Lead, *, now: datetime, policy: PolicySnapshot | None = None) -> bool:
    """Decide again about a disqualified lead whose facts changed. Returns whether it moved:
    back to nurture (and on to MQL when it now qualifies) once no disqualifier holds."""
    policy = policy or decisions.active_policy()
    if policy is None or lead.stage != Lead.Stage.DISQUALIFIED or disqualified_by_policy(lead) is None:
        return False
    activities = lead.activities.only(*decisions.ACTIVITY_FIELDS).order_by()
    result = score(policy, LeadFacts.from_lead(lead), summarize(policy, activities, now=now), now=now)
    if result.disqualifier:
        return False
    with transaction.atomic():
        lead.move_to(
            Lead.Stage.NURTURE,
            rule=policy.rule_name,
            reason=message("decision.no_longer_disqualified", thresholds=result.threshold_summary),
            at=now,
        )
        Lead.objects.filter(pk=lead.pk).update(asking_at=None)
        lead.asking_at = None
        decisions.rescore(lead, now=now, policy=policy)
    return True


def is_high_intent_request(policy: PolicySnapshot, kind: str) -> bool:
    action = REQUESTS.get(kind)
    return action is not None and policy.intent_tiers.get(action) == IntentTier.HIGH


def note_requests(lead_ids: Iterable[int], *, received_at: datetime, policy: PolicySnapshot | None = None) -> int:
    """Of these leads, the disqualified ones that made a high-intent request received at
    `received_at` go on the "disqualified but asking" list. Returns how many."""
    policy = policy or decisions.active_policy()
    if policy is None:
        return 0
    kinds = [kind for kind in REQUESTS if is_high_intent_request(policy, kind)]
    asking = Activity.objects.filter(
        lead_id__in=list(lead_ids), lead__stage=Lead.Stage.DISQUALIFIED, kind__in=kinds, received_at=received_at
    ).values_list("lead_id", flat=True)
    return Lead.objects.filter(id__in=list(asking)).update(asking_at=received_at)


def asking(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """The disqualified leads that asked since, newest request first, each with the reason it
    was disqualified (`disqualified_reason`: typed, or `disqualified_reason_message`: a message)."""
    change = StageChange.objects.filter(lead=OuterRef("pk"), to_stage=Lead.Stage.DISQUALIFIED).order_by("-changed_at", "-id")
    return (
        leads.filter(stage=Lead.Stage.DISQUALIFIED, asking_at__isnull=False)
        .annotate(
            disqualified_reason=Subquery(change.values("reason")[:1]),
            disqualified_reason_message=Subquery(change.values("reason_message")[:1], output_field=JSONField()),
        )
        .select_related("company", "team", "owner")
        .order_by("-asking_at", "-id")
    )
