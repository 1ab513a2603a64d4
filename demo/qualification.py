"""The demo's active policy, built from the published examples: decision-maker title +25,
target sector +20, right size +15, personal e-mail −30, competitor or consultant −50; pricing
page +20, demo request +30, case study +10, repeated visits +15, 30 days inactive −15."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery

from common.roles import Role
from leads.models import Activity, Lead, Sector
from qualification.bulk import RescoreStats, rescore_leads
from qualification.disqualified import REQUESTS
from qualification.models import (
    Disqualifier,
    EngagementRule,
    FitRule,
    QualificationPolicy,
    SignOff,
    months_later,
)
from qualification.scoring import PolicySnapshot
from qualification.vocabulary import Attribute, DisqualifierKind, Operator

TARGET_SECTORS = ", ".join(
    [Sector.FOOD, Sector.PHARMA, Sector.AUTOMOTIVE, Sector.ELECTRONICS, Sector.MACHINERY,
     Sector.METAL, Sector.PLASTICS, Sector.PACKAGING]
)
# Keywords match whole words; the stars keep the Dutch compounds ("Inkoopmanager",
# "Afdelingshoofd", "Hoofdinkoper", "Fabrieksdirecteur") that are one word.
DECISION_MAKER_WORDS = "*directeur, ceo, *eigenaar, *manager, *hoofd*, *director, owner, head"
STUDENT_WORDS = "*student*, stagiair*, afstudeer*"
FIT_RULES = [
    (Attribute.JOB_TITLE, Operator.CONTAINS_ANY, DECISION_MAKER_WORDS, 25, "Decision-maker title"),
    (Attribute.SECTOR, Operator.IN, TARGET_SECTORS, 20, "Target sector"),
    (Attribute.EMPLOYEES, Operator.AT_LEAST, "50", 15, "Right size (50+ employees)"),
    (Attribute.EMAIL_DOMAIN_TYPE, Operator.EQUALS, "personal", -30, "Personal e-mail address"),
    (Attribute.COMPETITOR, Operator.IS_TRUE, "", -50, "Competitor"),
    (Attribute.SECTOR, Operator.IN, Sector.CONSULTING, -50, "Consultant"),
]
K = Activity.Kind
# (kind, url contains, points, cap, from the n-th time, within days, label)
ENGAGEMENT_RULES = [
    (K.PRICING_PAGE, "", 20, 40, 1, 90, "Pricing page"),
    (K.DEMO_REQUEST, "", 30, 30, 1, 90, "Demo request"),
    (K.CASE_STUDY, "", 10, 20, 1, 90, "Case study"),
    (K.PAGE_VISIT, "", 15, 15, 3, 30, "Repeated visits (3+ in 30 days)"),
]


@transaction.atomic
def ensure_demo_policy(*, now: datetime) -> QualificationPolicy:
    """The active demo policy (v1), signed by noor (marketing) and mark (sales manager) a year
    before `now`. Does nothing when any policy exists already."""
    existing = QualificationPolicy.objects.active() or QualificationPolicy.objects.first()
    if existing:
        return existing
    users = get_user_model().objects.in_bulk(["noor", "mark"], field_name="username")
    signed_at = now - timedelta(days=365)
    policy = QualificationPolicy.objects.create(
        version=1,
        notes="Agreed in the kick-off of marketing and sales, from the published examples.",
        fit_threshold=40,
        engagement_threshold=30,
        customer_engagement_threshold=10,
        decay_points=-15,
        decay_after_days=30,
        created_at=signed_at,
        created_by=users.get("noor"),
        review_by=months_later(now.date(), 3),
    )
    FitRule.objects.bulk_create(
        FitRule(policy=policy, attribute=a, operator=o, value=v, points=p, label=label)
        for a, o, v, p, label in FIT_RULES
    )
    EngagementRule.objects.bulk_create(
        EngagementRule(
            policy=policy, activity_kind=kind, url_contains=url, points=points, cap=cap,
            min_count=min_count, window_days=days, label=label,
        )
        for kind, url, points, cap, min_count, days, label in ENGAGEMENT_RULES
    )
    # No reason of its own: the lead's history names the disqualifier in each reader's language.
    Disqualifier.objects.create(policy=policy, kind=DisqualifierKind.STUDENT, value=STUDENT_WORDS)
    for role, username in ((Role.MARKETING, "noor"), (Role.SALES_MANAGER, "mark")):
        if username in users:
            SignOff.objects.create(policy=policy, role=role, signed_by=users[username], signed_at=signed_at)
    policy.status = QualificationPolicy.Status.ACTIVE
    policy.effective_at = signed_at
    policy.save(update_fields=["status", "effective_at"])
    return policy


def demo_policy(*, now: datetime) -> PolicySnapshot:
    """The policy the demo's stories are told by and its leads scored under."""
    return QualificationPolicy.objects.with_rules().get(pk=ensure_demo_policy(now=now).pk).snapshot()


def score_demo(*, now: datetime, progress=None) -> RescoreStats:
    """Give every demo lead its score and explanation as of the demo's `now`, without moving
    any lead: the demo's stage history is already written and must keep its own times (and was
    written by the same policy, so the stage and the score agree)."""
    stats = rescore_leads(demo_policy(now=now), now=now, open_only=False, move=False, progress=progress)
    mark_asking(now=now)
    return stats


def mark_asking(*, now: datetime) -> int:
    """The demo's "disqualified but asking" list: disqualified leads that made a request
    (demo, form) after they were disqualified, as ingesting that request would have noted."""
    latest_request = (
        Activity.objects.filter(
            lead=OuterRef("pk"), kind__in=list(REQUESTS), occurred_at__gt=OuterRef("disqualified_at"),
            occurred_at__lte=now,
        )
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    asking = Lead.objects.filter(stage=Lead.Stage.DISQUALIFIED).annotate(asked_at=Subquery(latest_request))
    return asking.exclude(asked_at=None).update(asking_at=Subquery(latest_request))
