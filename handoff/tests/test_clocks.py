"""The SLA clock counts every deadline, reminder and escalation in business hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from common.business_time import BusinessCalendar, WorkingHours, parse_intervals
from handoff import breaches, clocks, handover
from handoff.models import (
    HandoffSettings,
    Notification,
    RoutingRule,
    SlaBreach,
    SlaClock,
    SlaPolicy,
)
from leads.models import ContactAttempt, Lead

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

pytestmark = pytest.mark.usefixtures("in_english")


def local(*args):
    return datetime(*args, tzinfo=AMSTERDAM)


FRIDAY_4PM = local(2026, 1, 16, 16, 0)


@pytest.fixture
def handed_over(company, team, rep, manager):
    RoutingRule.objects.create(name="Team", position=50, target="team", team=team)
    lead = Lead.objects.create(first_name="Anne", company=company, intent_tier="mid", conversion_action="download")
    with transaction.atomic():
        lead.move_to(Lead.Stage.MQL, at=local(2026, 1, 16, 9, 0))
        handover.hand_over(lead, now=local(2026, 1, 16, 9, 0))
    Notification.objects.all().delete()
    return lead


def failed_call(lead, rep, at):
    attempt = ContactAttempt.objects.create(lead=lead, made_by=rep, made_at=at, channel="call", outcome="no_answer")
    return clocks.contact_attempt_logged(lead, attempt, now=at)


def test_a_failed_call_on_friday_afternoon_is_due_in_business_hours_not_on_saturday(handed_over, rep):
    clock = failed_call(handed_over, rep, FRIDAY_4PM)

    # 24 business hours on 08:30-17:00 days: Friday 1 h, Monday and Tuesday 8.5 h each, Wednesday 6 h.
    assert clock.due_by == local(2026, 1, 21, 14, 30)
    # 75 % is 18 of the 24 hours: Tuesday at closing, so the reminder waits for Wednesday's opening.
    assert clock.remind_at == local(2026, 1, 21, 8, 30)
    assert clock.runs_out_at == clock.due_by


def test_a_policy_can_ask_for_the_next_attempt_by_the_end_of_the_next_working_day(handed_over, rep):
    policy = SlaPolicy.objects.create(name="Next day", next_attempt_by=SlaPolicy.NextAttemptBy.NEXT_WORKING_DAY)
    SlaClock.objects.filter(lead=handed_over).update(policy=policy)

    clock = failed_call(handed_over, rep, FRIDAY_4PM)

    assert clock.due_by == local(2026, 1, 19, 17, 0)  # Monday at closing
    assert clock.runs_out_at == local(2026, 1, 20, 8, 30)  # escalated when the business opens


def test_a_deadline_at_closing_time_is_escalated_at_the_next_opening(handed_over, rep):
    attempt = ContactAttempt.objects.create(
        lead=handed_over, made_by=rep, made_at=FRIDAY_4PM, channel="call", outcome="spoke"
    )
    clock = clocks.contact_attempt_logged(handed_over, attempt, now=FRIDAY_4PM)

    assert clock.kind == SlaClock.Kind.FEEDBACK
    assert clock.due_by == local(2026, 1, 20, 17, 0)  # two working days later, at closing
    assert clock.runs_out_at == local(2026, 1, 21, 8, 30)


def test_a_breach_that_comes_due_at_night_waits_for_the_next_opening(handed_over, rep, manager):
    """A clock set before deadlines were counted in business time (or a calendar changed
    since) may come due at night: the worker postpones it instead of escalating."""
    clock = SlaClock.objects.select_related("lead__owner", "lead__team__manager").get(lead=handed_over)
    saturday = local(2026, 1, 17, 16, 0)

    assert breaches.run_out([clock], now=saturday) == []

    clock.refresh_from_db()
    assert clock.runs_out_at == local(2026, 1, 19, 8, 30)
    assert not SlaBreach.objects.exists()
    assert not Notification.objects.exists()
    assert len(breaches.run_out([clock], now=local(2026, 1, 19, 8, 30))) == 1
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION, recipient=manager).exists()


def test_a_reminder_that_comes_due_at_night_waits_for_the_next_opening(handed_over, rep):
    clock = failed_call(handed_over, rep, FRIDAY_4PM)
    clock = SlaClock.objects.select_related("lead__owner").get(pk=clock.pk)

    assert clocks.remind_owners([clock], now=local(2026, 1, 17, 3, 0)) == 0

    clock.refresh_from_db()
    assert clock.remind_at == local(2026, 1, 19, 8, 30)
    assert clocks.remind_owners([clock], now=local(2026, 1, 19, 8, 30)) == 1


def test_the_reminder_falls_inside_business_hours_even_when_its_share_ends_at_closing(handed_over, rep):
    # From Friday 16:00, 2 business hours end Monday 09:30; 50 % of them is Friday 17:00 —
    # closing time — so the reminder goes out at Monday's opening instead.
    policy = SlaPolicy.objects.create(name="Fast", next_attempt_within=timedelta(hours=2), at_risk_percent=50)
    SlaClock.objects.filter(lead=handed_over).update(policy=policy)

    clock = failed_call(handed_over, rep, FRIDAY_4PM)

    assert clock.due_by == local(2026, 1, 19, 9, 30)
    assert clock.remind_at == local(2026, 1, 19, 8, 30)


def calendar(hours: str) -> BusinessCalendar:
    return BusinessCalendar.build(hours=WorkingHours.weekdays(*parse_intervals(hours)[0]))


@pytest.mark.parametrize(
    "hours, within, words",
    [
        ("09:00-17:00", timedelta(hours=24), "3 working days (a working day here has 8 hours)"),
        ("08:30-17:00", timedelta(hours=24), "2 working days and 7 hours (a working day here has 8 hours 30 minutes)"),
        ("08:30-17:00", timedelta(minutes=15), "15 minutes of working time"),
        ("08:30-17:00", timedelta(hours=4), "4 hours of working time"),
    ],
)
def test_business_hours_are_said_in_working_days(hours, within, words):
    assert clocks.in_plain_words(within, calendar(hours)) == words


def test_the_example_deadline_starts_on_the_coming_friday_afternoon():
    start, due = clocks.example_deadline(timedelta(hours=24), HandoffSettings().calendar(), now=local(2026, 1, 13, 12, 0))

    assert start == FRIDAY_4PM
    assert due == local(2026, 1, 21, 14, 30)
