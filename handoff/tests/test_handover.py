from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import translation

from common.roles import Role
from conftest import make_user
from demo import clocks as demo_clocks
from handoff import clocks, handover
from handoff.models import (
    Agreement,
    Assignment,
    HandoffSettings,
    Notification,
    NotificationChannel,
    RoutingRule,
    SlaBreach,
    SlaClock,
    SlaPolicy,
)
from leads.models import Company, ContactAttempt, Feedback, Lead

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

pytestmark = pytest.mark.usefixtures("in_english")


def local(*args):
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.fixture
def team_rule(team, rep):
    return RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)


@pytest.fixture
def new_lead(company):
    return Lead.objects.create(
        first_name="Anne", last_name="Bos", email="anne@vandermeer-machinebouw.nl", company=company,
        channel="google_ads", conversion_action="download", intent_tier="mid", phone="+31 6 12345678",
    )


def become_mql(lead, at):
    """What the qualification policy does: the move and the handoff in one transaction."""
    with transaction.atomic():
        lead.move_to(Lead.Stage.MQL, rule="qualification policy", reason="thresholds met", at=at)
        return handover.hand_over(lead, now=at)


def test_hand_over_gives_owner_reason_deadline_and_notification(new_lead, rep, team, team_rule):
    at = local(2026, 1, 13, 10, 0)

    assignment = become_mql(new_lead, at)

    new_lead.refresh_from_db()
    assert new_lead.owner == rep
    assert new_lead.team == team
    assert new_lead.stage == Lead.Stage.MQL
    assert assignment.rule == team_rule
    assert assignment.kind == Assignment.Kind.RULE
    assert "Everyone to the team" in assignment.get_reason_display()
    # Mid intent, no customer: the MQL policy, 24 business hours of 8.5 h from Tuesday 10:00.
    assert new_lead.respond_by == local(2026, 1, 15, 17, 0)
    clock = new_lead.sla_clock
    assert clock.kind == SlaClock.Kind.FIRST_CONTACT
    assert clock.policy_name.startswith("MQL")
    assert clock.remind_at == local(2026, 1, 15, 11, 0)  # 75 % of 24 business hours = 18 h
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient, notification.lead) == (Notification.Kind.ASSIGNED, rep, new_lead)
    assert notification.status == Notification.Status.PENDING
    assert notification.context["due_by"] == new_lead.respond_by.isoformat()


def test_high_intent_lead_gets_fifteen_business_minutes(new_lead, team_rule):
    new_lead.intent_tier = "high"
    new_lead.save()

    become_mql(new_lead, local(2026, 1, 13, 16, 50))

    new_lead.refresh_from_db()
    assert new_lead.respond_by == local(2026, 1, 14, 8, 35)


def test_existing_customer_arriving_friday_evening_is_due_monday_1220(new_lead, team_rule):
    account_manager = make_user("am", Role.SALES_REP)
    new_lead.company = Company.objects.create(name="Klant B.V.", is_customer=True, account_manager=account_manager)
    new_lead.save()

    assignment = become_mql(new_lead, local(2026, 1, 16, 16, 50))

    new_lead.refresh_from_db()
    assert new_lead.owner == account_manager
    assert assignment.rule.target == RoutingRule.Target.ACCOUNT_MANAGER
    assert new_lead.respond_by == local(2026, 1, 19, 12, 20)


def test_lead_arriving_on_koningsdag_starts_counting_the_next_working_day(new_lead, team_rule):
    become_mql(new_lead, local(2026, 4, 27, 11, 0))

    new_lead.refresh_from_db()
    assert new_lead.sla_clock.due_by == HandoffSettings.load().calendar().add_business_time(
        local(2026, 4, 28, 8, 30), timedelta(hours=24)
    )


def test_policy_for_a_routing_rule_wins_when_it_comes_first(new_lead, team_rule):
    SlaPolicy.objects.create(name="Team route: remind early", position=1, routing_rule=team_rule, at_risk_percent=10)

    become_mql(new_lead, local(2026, 1, 13, 10, 0))

    new_lead.refresh_from_db()
    assert new_lead.sla_clock.policy_name == "Team route: remind early"
    # 10 % of the agreement's 24 business hours: 2 h 24 min of working time.
    assert new_lead.sla_clock.remind_at == local(2026, 1, 13, 12, 24)


def test_the_first_contact_deadline_is_the_agreements_for_the_leads_tier(new_lead, team_rule):
    Agreement.objects.update(first_contact_within=timedelta(hours=2))

    become_mql(new_lead, local(2026, 1, 13, 10, 0))

    new_lead.refresh_from_db()
    assert new_lead.respond_by == local(2026, 1, 13, 12, 0)


def test_handoff_rolls_back_with_the_stage_change(new_lead, team_rule):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            new_lead.move_to(Lead.Stage.MQL, at=local(2026, 1, 13, 10, 0))
            handover.hand_over(new_lead, now=local(2026, 1, 13, 10, 0))
            raise RuntimeError("the caller's transaction fails after the handoff")

    new_lead.refresh_from_db()
    assert (new_lead.stage, new_lead.owner, new_lead.respond_by) == (Lead.Stage.NEW, None, None)
    assert not Assignment.objects.exists()
    assert not Notification.objects.exists()
    assert not SlaClock.objects.exists()


def test_notifications_follow_channel_preferences(new_lead, rep, team_rule):
    NotificationChannel.objects.create(user=rep, kind="slack", url="https://hooks.slack.example/x")
    NotificationChannel.objects.create(user=rep, kind="email", email="rep@example.nl", for_assignments=False)

    become_mql(new_lead, local(2026, 1, 13, 10, 0))

    assert [n.channel.kind for n in Notification.objects.all()] == ["slack"]


def test_failed_attempt_stops_the_first_contact_clock_and_sets_the_next_attempt(new_lead, rep, team_rule):
    become_mql(new_lead, local(2026, 1, 13, 10, 0))
    attempt_at = local(2026, 1, 13, 10, 5)
    attempt = ContactAttempt.objects.create(
        lead=new_lead, made_by=rep, made_at=attempt_at, channel="call", outcome="no_answer"
    )

    clock = clocks.contact_attempt_logged(new_lead, attempt, now=attempt_at)

    new_lead.refresh_from_db()
    assert clock.kind == SlaClock.Kind.NEXT_ATTEMPT
    # 24 business hours, not a day: from Tuesday 10:05 to Friday 08:35 (08:30-17:00 days).
    assert new_lead.respond_by == local(2026, 1, 16, 8, 35)


def test_reaching_them_starts_the_feedback_clock(new_lead, rep, team_rule):
    become_mql(new_lead, local(2026, 1, 15, 10, 0))
    attempt = ContactAttempt.objects.create(
        lead=new_lead, made_by=rep, made_at=local(2026, 1, 15, 11, 0), channel="call", outcome="spoke"
    )

    clock = clocks.contact_attempt_logged(new_lead, attempt, now=local(2026, 1, 15, 11, 0))

    assert clock.kind == SlaClock.Kind.FEEDBACK
    assert clock.due_by == local(2026, 1, 19, 17, 0)  # two working days after Thursday
    clocks.feedback_given(new_lead)
    new_lead.refresh_from_db()
    assert new_lead.respond_by is None
    assert not SlaClock.objects.exists()


def test_the_agreed_number_of_failed_attempts_sends_the_lead_back_to_nurture(new_lead, rep, team_rule):
    from revops.management.commands.runworker import Command

    Agreement.objects.update(min_attempts=3)
    become_mql(new_lead, local(2026, 1, 13, 10, 0))
    for hour in (11, 13, 15):
        at = local(2026, 1, 13, hour, 0)
        attempt = ContactAttempt.objects.create(lead=new_lead, made_by=rep, made_at=at, channel="call", outcome="no_answer")
        clock = clocks.contact_attempt_logged(new_lead, attempt, now=at)
    assert clock.kind == SlaClock.Kind.NOT_REACHED

    Command().run_out_batch(local(2026, 1, 13, 15, 0, 1))

    new_lead.refresh_from_db()
    assert new_lead.stage == Lead.Stage.NURTURE
    assert new_lead.respond_by is None
    assert new_lead.stage_changes.last().get_reason_display() == "not reached after 3 attempts"
    assert Feedback.objects.get(lead=new_lead).disposition == Feedback.Disposition.NOT_REACHED
    assert not SlaBreach.objects.exists()


def test_reassign_records_the_reason_keeps_the_deadline_and_tells_the_new_owner(new_lead, rep, other_rep, manager, team_rule):
    become_mql(new_lead, local(2026, 1, 13, 10, 0))
    new_lead.refresh_from_db()
    deadline = new_lead.respond_by

    assignment = handover.reassign(
        new_lead, to=other_rep, by=manager, reason="Rep is on a trade fair all week", now=local(2026, 1, 13, 11, 0)
    )

    new_lead.refresh_from_db()
    assert new_lead.owner == other_rep
    assert new_lead.respond_by == deadline
    assert (assignment.kind, assignment.assigned_by, assignment.reason) == (
        Assignment.Kind.REASSIGNED, manager, "Rep is on a trade fair all week",
    )
    told = Notification.objects.get(kind=Notification.Kind.REASSIGNED)
    assert told.recipient == other_rep
    assert told.context["from"] == "Rep"


def test_demo_handover_gives_open_leads_a_rule_and_a_running_clock(new_lead, rep, team, team_rule, monkeypatch):
    # The demo's follow-ups pick leads by id (KEPT_UP); here no owner follows up, whatever ids
    # the database hands out, so the six-day-old lead stays overdue.
    monkeypatch.setattr(demo_clocks, "KEPT_UP", {})
    now = datetime(2026, 1, 13, 12, 0, tzinfo=UTC)
    new_lead.owner, new_lead.team = rep, team
    new_lead.save()
    new_lead.move_to(Lead.Stage.MQL, at=now - timedelta(hours=1))
    older = Lead.objects.create(first_name="Old", owner=rep, team=team)
    older.move_to(Lead.Stage.MQL, at=now - timedelta(days=6))
    closed = Lead.objects.create(first_name="Closed", owner=rep, team=team)
    closed.move_to(Lead.Stage.DISQUALIFIED, at=now - timedelta(days=1))

    assert demo_clocks.start_demo_clocks(now=now) == 2

    new_lead.refresh_from_db()
    older.refresh_from_db()
    assert new_lead.respond_by is not None
    assert older.respond_by < now  # handed over six days ago and never called: overdue
    assignment = Assignment.objects.get(lead=older)
    assert (assignment.rule, assignment.owner) == (team_rule, rep)
    assert demo_clocks.start_demo_clocks(now=now) == 0


def test_the_stored_reason_reads_in_each_readers_language_whoever_triggered_it(new_lead, team_rule, settings):
    settings.LANGUAGE_CODE = "nl"

    with translation.override("en"):
        assignment = become_mql(new_lead, local(2026, 1, 13, 10, 0))

    assert assignment.reason == "" and assignment.reason_message["code"] == "routing.rule"
    with translation.override("nl"):
        assert assignment.get_reason_display().startswith("Regel “Everyone to the team”: geldt voor elke lead; om de beurt in team")
    with translation.override("en"):
        assert assignment.get_reason_display().startswith("Rule “Everyone to the team”: matches every lead; round robin in team")


# --- fair rotation and nobody present ------------------------------------------------------


def test_leads_handed_over_in_one_transaction_at_one_moment_take_turns(company, team, rep, other_rep, team_rule):
    for name in ("third", "fourth"):
        team.members.add(make_user(name, Role.SALES_REP))
    at = local(2026, 1, 13, 10, 0)
    leads = [Lead.objects.create(first_name=f"L{n}", company=company, conversion_action="demo_request") for n in range(12)]

    with transaction.atomic():
        for lead in leads:
            lead.move_to(Lead.Stage.MQL, rule="qualification policy", reason="demo request", at=at)
            handover.hand_over(lead, now=at)

    counts = {name: Lead.objects.filter(owner__username=name).count() for name in ("rep", "otherrep", "third", "fourth")}
    assert counts == {"rep": 3, "otherrep": 3, "third": 3, "fourth": 3}


def test_a_lead_nobody_present_can_take_waits_unassigned_with_its_deadline_and_the_manager_is_told(
    new_lead, rep, team, manager, team_rule
):
    from handoff.models import UserAvailability

    HandoffSettings.objects.create(fallback_owner=manager)
    UserAvailability.objects.create(user=rep, is_away=True)
    UserAvailability.objects.create(user=manager, is_away=True)
    at = local(2026, 1, 13, 10, 0)

    assignment = become_mql(new_lead, at)

    new_lead.refresh_from_db()
    assert new_lead.owner is None and new_lead.team == team
    assert new_lead in Lead.objects.unassigned()
    assert (assignment.kind, assignment.owner, assignment.team) == (Assignment.Kind.UNASSIGNED, None, team)
    assert "Rep is away" in assignment.get_reason_display() and "unassigned queue" in assignment.get_reason_display()
    assert new_lead.respond_by is not None  # the customer waits all the same
    told = Notification.objects.get()
    assert (told.kind, told.recipient, told.lead) == (Notification.Kind.UNASSIGNED, manager, new_lead)
    assert told.context["reason"] == assignment.reason_message


def test_the_manager_gives_an_unassigned_lead_an_owner(new_lead, rep, other_rep, team, manager, team_rule):
    from handoff.models import UserAvailability

    for person in (rep, other_rep, manager):
        UserAvailability.objects.create(user=person, is_away=True)
    HandoffSettings.objects.create(fallback_owner=manager)
    at = local(2026, 1, 13, 10, 0)
    become_mql(new_lead, at)
    due = Lead.objects.get(pk=new_lead.pk).respond_by

    handover.reassign(new_lead, to=other_rep, by=manager, reason="Back early, takes it", now=at + timedelta(hours=1))

    new_lead.refresh_from_db()
    assert new_lead.owner == other_rep and new_lead.respond_by == due
    assert new_lead not in Lead.objects.unassigned()
