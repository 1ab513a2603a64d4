import pytest
from django.utils import timezone

from demo.agreement import NOTES, TARGETS, agree_demo_targets
from handoff.models import Agreement, current_agreement

pytestmark = pytest.mark.django_db


def test_the_demo_agrees_realistic_targets_once():
    published = current_agreement()
    assert published.within_sla_percent == 100 and published.feedback_percent == 100
    now = timezone.now()
    agreement = agree_demo_targets(now=now)
    assert current_agreement() == agreement and agreement.version == published.version + 1
    assert {name: getattr(agreement, name) for name in TARGETS} == TARGETS
    assert all(value < 100 for value in TARGETS.values())
    # what the teams signed besides the targets stays: the agreed response times
    assert agreement.first_contact_high_intent == published.first_contact_high_intent
    assert agree_demo_targets(now=now) is None
    assert Agreement.objects.filter(notes=NOTES).count() == 1


def test_an_agreement_the_teams_changed_since_is_kept():
    agree_demo_targets(now=timezone.now())
    theirs = current_agreement().copy_as_draft(by=None)
    theirs.within_sla_percent = 95
    theirs.save()
    theirs.activate(now=timezone.now())
    assert agree_demo_targets(now=timezone.now()) is None
    assert current_agreement().within_sla_percent == 95
