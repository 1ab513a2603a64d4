from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from qualification.models import Disqualifier, FitRule, QualificationPolicy, SignOff, months_later
from qualification.tests.conftest import NOW, make_policy, sign_both
from qualification.vocabulary import DisqualifierKind

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_a_rule_with_an_unknown_attribute_or_operator_is_refused_naming_the_field(draft):
    assert "attribute" in errors_of(FitRule(policy=draft, attribute="size", operator="at_least", value="5", points=5))
    assert "operator" in errors_of(FitRule(policy=draft, attribute="employees", operator="about", value="5", points=5))


def test_a_number_rule_with_a_word_is_refused_naming_the_value(draft):
    errors = errors_of(FitRule(policy=draft, attribute="employees", operator="at_least", value="fifty", points=5))
    assert errors == {"value": ["“fifty” is not a whole number."]}


def test_disqualifier_values_are_checked(draft):
    assert "value" in errors_of(Disqualifier(policy=draft, kind=DisqualifierKind.TOO_SMALL, value="ten"))
    assert "value" in errors_of(Disqualifier(policy=draft, kind=DisqualifierKind.SECTOR_OUTSIDE, value="food, bakery"))
    Disqualifier(policy=draft, kind=DisqualifierKind.SECTOR_OUTSIDE, value="food, metal").full_clean()


def test_the_next_review_is_three_months_on_by_default():
    assert months_later(date(2026, 11, 30), 3) == date(2027, 2, 28)
    policy = QualificationPolicy(version=9)
    assert policy.review_by == months_later(date.today(), 3) or policy.review_by > date.today()


def test_a_new_draft_reviews_three_months_on_not_on_the_old_versions_date(policy):
    policy.review_by = date(2025, 1, 31)
    policy.save()
    draft = policy.copy_as_draft(by=None)
    assert draft.review_by == months_later(timezone.localdate(), 3)
    assert not draft.review_by_chosen


def test_activation_moves_an_automatic_review_date_to_three_months_after_it_takes_effect(draft, marketer, manager):
    draft.review_by = date(2026, 9, 1)  # the draft took longer than its first three months
    draft.save()
    sign_both(draft, marketer, manager)
    draft.activate(now=NOW)
    draft.refresh_from_db()
    assert draft.review_by == date(2027, 2, 20)


def test_activation_keeps_a_review_date_someone_chose(draft, marketer, manager):
    draft.review_by, draft.review_by_chosen = date(2027, 6, 1), True
    draft.save()
    sign_both(draft, marketer, manager)
    draft.activate(now=NOW)
    draft.refresh_from_db()
    assert draft.review_by == date(2027, 6, 1)


def test_the_review_is_due_from_the_active_versions_review_date_on(policy, draft):
    policy.review_by = draft.review_by = date(2027, 2, 20)
    assert not policy.review_due(today=date(2027, 2, 19))
    assert policy.review_due(today=date(2027, 2, 20))
    assert policy.review_due(today=date(2027, 3, 1))
    assert not draft.review_due(today=date(2027, 3, 1))  # a draft is reviewed before it is signed
    policy.status = QualificationPolicy.Status.RETIRED
    assert not policy.review_due(today=date(2027, 3, 1))


def test_only_one_policy_can_be_active(policy):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_policy(version=2)


def test_a_draft_is_a_copy_with_the_next_version_and_the_same_rules(policy, draft):
    assert (draft.version, draft.status) == (2, QualificationPolicy.Status.DRAFT)
    assert [r.label for r in draft.fit_rules.all()] == [r.label for r in policy.fit_rules.all()]
    assert draft.engagement_rules.count() == 2


def test_activation_needs_both_signoffs_and_rules(draft, marketer, manager):
    assert draft.activation_problems() == ["Marketing has not signed yet.", "A sales manager has not signed yet."]
    with pytest.raises(ValidationError):
        draft.activate(now=NOW)
    draft.fit_rules.all().delete()
    draft.engagement_rules.all().delete()
    sign_both(draft, marketer, manager)
    assert draft.activation_problems() == ["The policy has no fit or engagement rules."]


def test_activation_retires_the_previous_policy(policy, draft, marketer, manager):
    sign_both(draft, marketer, manager)
    previous = draft.activate(now=NOW)
    policy.refresh_from_db()
    assert previous == policy
    assert (policy.status, policy.retired_at) == (QualificationPolicy.Status.RETIRED, NOW)
    assert (draft.status, draft.effective_at) == (QualificationPolicy.Status.ACTIVE, NOW)


def test_signing_needs_the_role_and_two_different_people(draft, marketer, manager, rep, revops_admin):
    with pytest.raises(ValidationError):
        draft.sign(rep, role=SignOff.Role.SALES_MANAGER, now=NOW)
    revops_admin.is_superuser = True  # holds every role, but signs only once
    draft.sign(revops_admin, role=SignOff.Role.MARKETING, now=NOW)
    with pytest.raises(ValidationError, match="two different people"):
        draft.sign(revops_admin, role=SignOff.Role.SALES_MANAGER, now=NOW)
    draft.sign(manager, role=SignOff.Role.SALES_MANAGER, now=NOW)
    assert {(s.role, s.signed_by) for s in draft.signoffs.all()} == {
        ("Marketing", revops_admin), ("Sales manager", manager)
    }


def test_a_changed_draft_loses_its_signoffs(draft, marketer, manager):
    sign_both(draft, marketer, manager)
    draft.draft_changed()
    assert draft.signoffs.count() == 0


def test_an_active_policy_cannot_be_signed(policy, marketer):
    with pytest.raises(ValidationError):
        policy.sign(marketer, role=SignOff.Role.MARKETING, now=NOW)


def test_intent_tiers_must_map_actions_to_tiers(draft):
    draft.intent_tiers = {"quote_request": "urgent"}
    assert "intent_tiers" in errors_of(draft)
