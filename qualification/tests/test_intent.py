"""What a new activity of a lead with sales says: rising intent and strong signals."""

from datetime import timedelta

import pytest

from handoff.models import Notification, RoutingRule, SlaClock
from leads.models import Activity, Lead
from qualification import decisions
from qualification.intent import INTENT_ROSE, SECOND_FORM, signal_of
from qualification.scoring import DEFAULT_INTENT_TIERS
from qualification.tests.conftest import NOW
from sales import actions

K = Activity.Kind
S = Lead.Stage


def form(action):
    return Activity(kind=K.FORM_SUBMISSION, occurred_at=NOW, data={"conversion_action": action})


@pytest.mark.parametrize(
    "activity, stage, forms, signal",
    [
        (form("quote_request"), S.MQL, 1, INTENT_ROSE),
        (Activity(kind=K.DEMO_REQUEST, occurred_at=NOW), S.SAL, 1, INTENT_ROSE),
        (form("callback"), S.SQL, 3, "callback"),  # the first contact is behind them
        (Activity(kind=K.PRICING_PAGE, occurred_at=NOW), S.SAL, 0, K.PRICING_PAGE),
        (form("download"), S.SAL, 2, SECOND_FORM),
        (form("download"), S.SAL, 1, ""),
        (form("newsletter"), S.OPPORTUNITY, 1, ""),
        (Activity(kind=K.PAGE_VISIT, occurred_at=NOW), S.MQL, 0, ""),
    ],
)
def test_signal_of(activity, stage, forms, signal):
    assert signal_of(activity, stage=stage, tiers=DEFAULT_INTENT_TIERS, forms_so_far=forms) == signal


def test_a_policy_that_calls_a_download_high_intent_makes_it_a_request(policy):
    tiers = {**DEFAULT_INTENT_TIERS, "download": "high"}
    assert signal_of(form("download"), stage=S.MQL, tiers=tiers, forms_so_far=1) == INTENT_ROSE


@pytest.fixture
def contacted_sal(policy, lead, rep, team):
    """A mid-intent SAL that was called without success: its next attempt is due in a day."""
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    lead.conversion_action = "download"
    lead.save()
    decisions.record_activity(lead, now=NOW - timedelta(hours=2), kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(hours=2))
    decisions.record_activity(lead, now=NOW - timedelta(hours=2), kind=K.CASE_STUDY, occurred_at=NOW - timedelta(hours=2))
    lead.refresh_from_db()
    assert lead.stage == S.MQL
    actions.accept(lead, by=lead.owner, at=NOW - timedelta(hours=2))
    actions.log_attempt(lead, by=lead.owner, channel="call", outcome="no_answer", at=NOW - timedelta(hours=1))
    lead.refresh_from_db()
    assert lead.sla_clock.kind == SlaClock.Kind.NEXT_ATTEMPT
    return lead


def test_a_contacted_sal_that_asks_for_a_demo_must_be_tried_again_within_the_high_intent_time(contacted_sal):
    before = contacted_sal.respond_by

    decisions.record_activity(contacted_sal, now=NOW, kind=K.DEMO_REQUEST, occurred_at=NOW, title="Demo")

    contacted_sal.refresh_from_db()
    clock = contacted_sal.sla_clock
    assert clock.kind == SlaClock.Kind.NEXT_ATTEMPT
    assert clock.due_by == contacted_sal.respond_by < before
    assert clock.started_at == NOW
    told = Notification.objects.get(kind=Notification.Kind.INTENT_ROSE)
    assert (told.recipient, told.lead) == (contacted_sal.owner, contacted_sal)
    assert told.context["sooner"] is True


def test_a_request_keeps_a_deadline_that_is_sooner_already_and_still_tells_the_owner(contacted_sal):
    soon = NOW + timedelta(minutes=5)
    SlaClock.objects.filter(lead=contacted_sal).update(due_by=soon)
    Lead.objects.filter(pk=contacted_sal.pk).update(respond_by=soon)

    decisions.record_activity(
        contacted_sal, now=NOW, kind=K.FORM_SUBMISSION, occurred_at=NOW, data={"conversion_action": "quote_request"}
    )

    contacted_sal.refresh_from_db()
    assert contacted_sal.respond_by == soon
    told = Notification.objects.get(kind=Notification.Kind.INTENT_ROSE)
    assert told.context["sooner"] is False and told.context["signal"] == "quote_request"


def test_a_nurtured_lead_nobody_owns_tells_nobody(policy, lead):
    lead.owner, lead.conversion_action = None, "newsletter"
    lead.save()
    lead.move_to(S.NURTURE, at=NOW - timedelta(days=1))
    decisions.record_activity(lead, now=NOW, kind=K.PRICING_PAGE, occurred_at=NOW)
    lead.refresh_from_db()
    assert lead.stage == S.NURTURE
    assert not Notification.objects.exists()
