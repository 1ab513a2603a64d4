"""The workspace's actions drive the SLA clock: what a rep does in the browser is what the
clock and the queue's order see."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from handoff import clocks, handover
from handoff.models import RoutingRule, SlaClock, current_agreement
from leads.models import Feedback, Lead
from sales import actions

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MQL_AT = datetime(2026, 1, 13, 10, 0, tzinfo=AMSTERDAM)  # a Tuesday


@pytest.fixture
def handed_over(company, team, rep):
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    lead = Lead.objects.create(
        first_name="Anne", email="anne@vandermeer-machinebouw.nl", company=company,
        conversion_action="download", intent_tier="mid", phone="+31 6 12345678",
    )
    with transaction.atomic():
        lead.move_to(Lead.Stage.MQL, rule="qualification policy", at=MQL_AT)
        handover.hand_over(lead, now=MQL_AT)
    lead.refresh_from_db()
    return lead


def test_logging_a_failed_attempt_starts_the_next_attempt_clock(handed_over, rep):
    first_contact_by = handed_over.respond_by
    at = MQL_AT + timedelta(minutes=30)

    actions.log_attempt(handed_over, by=rep, channel="call", outcome="no_answer", at=at)

    clock = SlaClock.objects.get(lead=handed_over)
    handed_over.refresh_from_db()
    assert clock.kind == SlaClock.Kind.NEXT_ATTEMPT
    # 24 business hours from Tuesday 10:30 (08:30-17:00 days): Friday 09:00.
    assert handed_over.respond_by == at.replace(day=16, hour=9, minute=0)
    assert handed_over.respond_by != first_contact_by


def test_a_verdict_stops_the_clock(handed_over, rep):
    actions.log_attempt(handed_over, by=rep, channel="call", outcome="spoke", at=MQL_AT + timedelta(hours=1))
    assert SlaClock.objects.get(lead=handed_over).kind == SlaClock.Kind.FEEDBACK

    actions.give_feedback(
        handed_over,
        Feedback(disposition=Feedback.Disposition.NO_URGENCY), by=rep, at=MQL_AT + timedelta(hours=2)
    )

    handed_over.refresh_from_db()
    assert handed_over.stage == Lead.Stage.NURTURE
    assert handed_over.respond_by is None
    assert not SlaClock.objects.filter(lead=handed_over).exists()


def test_not_reached_keeps_the_next_attempt_clock_running(handed_over, rep):
    actions.give_feedback(
        handed_over,
        Feedback(disposition=Feedback.Disposition.NOT_REACHED), by=rep, at=MQL_AT + timedelta(hours=1)
    )

    handed_over.refresh_from_db()
    assert handed_over.stage == Lead.Stage.MQL
    assert SlaClock.objects.get(lead=handed_over).kind == SlaClock.Kind.NEXT_ATTEMPT
    # 24 business hours from Tuesday 11:00: Friday 09:30.
    assert handed_over.respond_by == MQL_AT.replace(day=16, hour=9, minute=30)


def test_the_attempt_limit_is_the_agreements(handed_over):
    agreement = current_agreement().copy_as_draft(by=None)
    agreement.min_attempts = 4
    agreement.save()
    agreement.activate(now=MQL_AT)
    assert clocks.attempt_limit() == 4


def test_lead_page_says_which_rule_assigned_the_lead(client, handed_over, rep):
    client.force_login(rep)
    page = client.get(f"/leads/{handed_over.pk}/").content.decode()
    assert f'href="/handoff/leads/{handed_over.pk}/"' in page
    assert "Everyone to the team" in page
