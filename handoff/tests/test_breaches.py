"""A missed deadline: recorded once, the owner and their manager told, and the policy's
"what next" (keep, next present member, team queue) done and written in the lead's history."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse

from handoff import breaches, handover
from handoff.models import (
    Assignment,
    Notification,
    RoutingRule,
    SlaBreach,
    SlaClock,
    SlaPolicy,
    UserAvailability,
)
from handoff.notify import compose
from leads.models import Lead

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY_NOON = datetime(2026, 1, 12, 12, 0, tzinfo=AMSTERDAM)
AFTER = MONDAY_NOON + timedelta(minutes=20)  # high intent: first contact was due 12:15

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def handed_over(team, rep, manager, company):
    """A high-intent MQL with `rep` (the only team member so far)."""
    RoutingRule.objects.create(name="Team", position=50, target="team", team=team)
    lead = Lead.objects.create(first_name="Kees", company=company, intent_tier="high", conversion_action="quote_request")
    with transaction.atomic():
        lead.move_to(Lead.Stage.MQL, at=MONDAY_NOON)
        handover.hand_over(lead, now=MONDAY_NOON)
    Notification.objects.all().delete()
    return lead


def with_policy(lead, after_breach):
    policy = SlaPolicy.objects.create(name=f"Then {after_breach}", after_breach=after_breach)
    SlaClock.objects.filter(lead=lead).update(policy=policy, policy_name=policy.name)
    return policy


def run_out(lead):
    clock = SlaClock.objects.select_related("lead__owner", "lead__team__manager", "policy").get(lead=lead)
    return breaches.run_out([clock], now=AFTER)


def test_the_owner_is_told_too_not_only_the_manager(handed_over, rep, manager):
    (breach,) = run_out(handed_over)

    assert (breach.outcome, breach.passed_to) == (SlaBreach.Outcome.KEPT, None)
    told = {n.recipient: n for n in Notification.objects.all()}
    assert set(told) == {rep, manager}
    assert told[manager].kind == Notification.Kind.ESCALATION
    assert told[rep].kind == Notification.Kind.MISSED
    message = compose(told[rep])
    assert message.subject.startswith("You missed a deadline: Kees")
    assert dict(message.facts)["What happens now"] == "It stays with Rep."


def test_a_manager_who_owns_the_lead_is_told_once(handed_over, manager):
    Lead.objects.filter(pk=handed_over.pk).update(owner=manager)
    handed_over.refresh_from_db()

    run_out(handed_over)

    assert [(n.recipient, n.kind) for n in Notification.objects.all()] == [(manager, Notification.Kind.ESCALATION)]


def test_reassign_passes_the_lead_to_the_next_present_member_with_a_fresh_deadline(handed_over, rep, other_rep, manager):
    with_policy(handed_over, SlaPolicy.AfterBreach.REASSIGN)

    (breach,) = run_out(handed_over)

    handed_over.refresh_from_db()
    assert handed_over.owner == other_rep
    assert (breach.owner, breach.outcome, breach.passed_to) == (rep, SlaBreach.Outcome.REASSIGNED, other_rep)
    assert breach.due_by == MONDAY_NOON + timedelta(minutes=15)
    clock = SlaClock.objects.get(lead=handed_over)
    assert clock.due_by == AFTER + timedelta(minutes=15)  # the new owner's own first-contact deadline
    assert handed_over.respond_by == clock.due_by
    assignment = handed_over.assignments.order_by("-id").first()
    assert (assignment.kind, assignment.owner, assignment.assigned_by) == (Assignment.Kind.REASSIGNED, other_rep, None)
    (change,) = handed_over.changes.all()
    assert change.changes == {"owner": [rep.pk, other_rep.pk]}
    assert change.described() == [("owner", "Rep", "Otherrep")]
    kinds = {n.recipient: n.kind for n in Notification.objects.all()}
    assert kinds == {
        rep: Notification.Kind.MISSED, manager: Notification.Kind.ESCALATION, other_rep: Notification.Kind.REASSIGNED
    }
    missed = Notification.objects.get(recipient=rep)
    assert dict(compose(missed).facts)["What happens now"] == "The lead was passed to Otherrep, the next present member."
    passed = compose(Notification.objects.get(recipient=other_rep))
    assert passed.subject.startswith("A lead passed to you: Kees")


def test_reassign_skips_who_is_away_and_keeps_the_lead_when_nobody_else_is_present(handed_over, rep, other_rep):
    with_policy(handed_over, SlaPolicy.AfterBreach.REASSIGN)
    UserAvailability.objects.create(user=other_rep, is_away=True)

    (breach,) = run_out(handed_over)

    handed_over.refresh_from_db()
    assert handed_over.owner == rep
    assert (breach.outcome, breach.passed_to) == (SlaBreach.Outcome.NOBODY_ELSE, None)
    assert not handed_over.changes.exists()
    missed = Notification.objects.get(recipient=rep)
    assert dict(compose(missed).facts)["What happens now"] == "Nobody else was present to take it: it stays with Rep."


def test_queue_puts_the_lead_back_in_the_team_queue(handed_over, rep, team, manager):
    with_policy(handed_over, SlaPolicy.AfterBreach.QUEUE)

    (breach,) = run_out(handed_over)

    handed_over.refresh_from_db()
    assert (handed_over.owner, handed_over.team) == (None, team)
    assert (breach.owner, breach.outcome) == (rep, SlaBreach.Outcome.QUEUED)
    (change,) = handed_over.changes.all()
    assert change.described() == [("owner", "Rep", None)]
    escalation = Notification.objects.get(recipient=manager)
    assert dict(compose(escalation).facts)["What happened"] == "The lead is back in the team queue."


def test_a_lead_without_a_team_has_no_queue_to_go_back_to_and_stays(handed_over, rep, team):
    with_policy(handed_over, SlaPolicy.AfterBreach.QUEUE)
    team.members.remove(rep)
    Lead.objects.filter(pk=handed_over.pk).update(team=None)
    handed_over.refresh_from_db()

    (breach,) = run_out(handed_over)

    handed_over.refresh_from_db()
    assert (handed_over.owner, handed_over.team, breach.outcome) == (rep, None, SlaBreach.Outcome.KEPT)


def test_the_same_breach_twice_does_its_policy_once(handed_over, rep, other_rep):
    with_policy(handed_over, SlaPolicy.AfterBreach.REASSIGN)
    clock = SlaClock.objects.select_related("lead__owner", "lead__team__manager", "policy").get(lead=handed_over)

    assert breaches.record_breach(clock, now=AFTER) is not None
    assert breaches.record_breach(clock, now=AFTER) is None

    assert SlaBreach.objects.count() == 1
    assert handed_over.assignments.filter(kind=Assignment.Kind.REASSIGNED).count() == 1


def test_the_lead_page_history_shows_the_breach_and_what_followed(client, handed_over, rep, other_rep, manager):
    with_policy(handed_over, SlaPolicy.AfterBreach.REASSIGN)
    run_out(handed_over)
    client.force_login(manager)

    page = client.get(reverse("leads:detail", args=[handed_over.pk])).content.decode()

    history = page[page.index('id="history-title"'):]
    assert "Deadline missed" in history
    assert "passed to the next present member (Otherrep)" in history
    assert "owner: Rep → Otherrep" in history
