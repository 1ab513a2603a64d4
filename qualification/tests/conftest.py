from datetime import datetime, timezone

import pytest
from django.utils import translation

from leads.models import Activity
from qualification.models import EngagementRule, FitRule, QualificationPolicy, SignOff
from qualification.vocabulary import Attribute, Operator

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def make_policy(*, status=QualificationPolicy.Status.ACTIVE, version=1, **fields) -> QualificationPolicy:
    """A small policy: decision maker +25, machinery +20, 50+ employees +15; pricing page +20
    (at most 40), case study +10; MQL at fit ≥ 40 and engagement ≥ 30."""
    policy = QualificationPolicy.objects.create(
        version=version,
        status=status,
        fit_threshold=40,
        engagement_threshold=30,
        customer_engagement_threshold=10,
        **fields,
    )
    FitRule.objects.create(policy=policy, attribute=Attribute.JOB_TITLE, operator=Operator.CONTAINS_ANY, value="hoofd, directeur", points=25, label="Decision maker")
    FitRule.objects.create(policy=policy, attribute=Attribute.SECTOR, operator=Operator.IN, value="machinery", points=20, label="Target sector")
    FitRule.objects.create(policy=policy, attribute=Attribute.EMPLOYEES, operator=Operator.AT_LEAST, value="50", points=15, label="Right size")
    EngagementRule.objects.create(policy=policy, activity_kind=Activity.Kind.PRICING_PAGE, points=20, cap=40, label="Pricing page")
    EngagementRule.objects.create(policy=policy, activity_kind=Activity.Kind.CASE_STUDY, points=10, label="Case study")
    return policy


@pytest.fixture(autouse=True)
def in_english():
    """Explanations and reasons are stored in the language active while scoring: English here."""
    with translation.override("en"):
        yield


@pytest.fixture
def policy(db):
    return make_policy()


@pytest.fixture
def draft(db, policy):
    return policy.copy_as_draft(by=None)


def sign_both(policy, marketer, manager):
    policy.sign(marketer, role=SignOff.Role.MARKETING, now=NOW)
    policy.sign(manager, role=SignOff.Role.SALES_MANAGER, now=NOW)


@pytest.fixture(autouse=True)
def fallback_owner(db):
    """Qualifying hands the lead to sales, which needs someone to own it: as in any
    installation, a sales manager is the fallback owner."""
    from common.roles import Role
    from conftest import make_user
    from handoff.models import HandoffSettings

    owner = make_user("fallback", Role.SALES_MANAGER)
    settings_row = HandoffSettings.load()
    settings_row.fallback_owner = owner
    settings_row.save()
    return owner
