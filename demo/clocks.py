"""The demo's open leads handed over as Handoff would have handed them over."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max

from common.business_time import BusinessCalendar
from common.messages import joined, message
from common.people import person_name
from handoff.clocks import (
    DEFAULT_POLICY,
    attempt_limit,
    contact_attempt_logged,
    deadline,
    policy_for,
    set_clock,
)
from handoff.lateness import LatenessScale
from handoff.models import Assignment, HandoffSettings, RoutingRule, SlaClock
from leads.models import ContactAttempt, Lead, StageChange
from sales import actions

# A team keeps up with most of its leads. Of ten whose story left them a working day or more
# past the deadline, the owner followed up on most since (their pick by the lead's id, so the
# demo stays the same): how much working time that left them until the next deadline.
KEPT_UP = {
    2: -timedelta(hours=3), 3: -timedelta(hours=1),  # just missed it: overdue
    4: timedelta(minutes=30),  # due soon
    5: timedelta(hours=4), 6: timedelta(hours=8), 7: timedelta(hours=12), 8: timedelta(hours=16), 9: timedelta(hours=20),
}  # 0 and 1: still badly overdue, as their story left them


def start_demo_clocks(*, now: datetime) -> int:
    """Hand the demo's open MQL and SAL leads over as Handoff would have: the assignment
    record of the rule that fits them, and the SLA clock their story left running — the first
    contact from their handoff, moved on by their latest contact attempt as
    `contact_attempt_logged()` moves it (a lead reached yesterday waits for feedback, not for
    a call). Many run late, as in real teams, so the queue and the SLA pages show live data.
    Leads that already have a clock keep it.

    A story stops at `now` wherever it is, so most waiting leads would be days late; as in a
    team that keeps up, the owner of most of them followed up since (`_follow_up`), which
    leaves a queue that is mostly in time, a few due soon or just late, and some badly late."""
    calendar = HandoffSettings.load().calendar()
    scale = LatenessScale.at(now, calendar)
    team_rules = {rule.team_id: rule for rule in RoutingRule.objects.filter(target=RoutingRule.Target.TEAM, team__isnull=False)}
    customer_rule = RoutingRule.objects.filter(target=RoutingRule.Target.ACCOUNT_MANAGER).first()
    leads = list(
        Lead.objects.filter(stage__in=[Lead.Stage.MQL, Lead.Stage.SAL])
        .filter(sla_clock__isnull=True, owner__isnull=False)
        .select_related("company", "team", "owner")
    )
    # This round with sales began with the latest move to MQL (a recycled lead came back).
    handed_over = dict(
        StageChange.objects.filter(lead__in=leads, to_stage=Lead.Stage.MQL)
        .values("lead_id").annotate(at=Max("changed_at")).values_list("lead_id", "at")
    )
    latest_attempt = {}
    for attempt in ContactAttempt.objects.filter(lead__in=leads).order_by("made_at", "id"):
        latest_attempt[attempt.lead_id] = attempt
    assignments = []
    with transaction.atomic():
        for lead in leads:
            handed_over_at = handed_over.get(lead.pk) or lead.mql_at or lead.stage_changed_at
            # The reason routing itself writes (handoff/texts.py), for the rule that fits.
            owner = person_name(lead.owner)
            if lead.is_existing_customer and customer_rule:
                rule = customer_rule
                why, note = [message("routing.customer")], message("routing.account_manager", name=owner)
            else:
                rule = team_rules.get(lead.team_id)
                why = [message("routing.region", value=lead.company.region if lead.company else "—")]
                note = message("routing.turn", team=str(lead.team), name=owner)
            if rule is None:
                reason = message("routing.fallback_decision", note=message("routing.fallback"))
            else:
                reason = message("routing.rule", rule=rule.name, why=joined(why, ", "), note=note)
            assignments.append(
                Assignment(
                    lead=lead, kind=Assignment.Kind.RULE, owner_id=lead.owner_id, team_id=lead.team_id,
                    rule=rule, rule_name=rule.name if rule else "", reason_message=reason, assigned_at=handed_over_at,
                )
            )
            set_clock(
                lead,
                kind=SlaClock.Kind.FIRST_CONTACT,
                policy=policy_for(lead, rule),
                calendar=calendar,
                start=handed_over_at,
                handed_over_at=handed_over_at,
            )
            attempt = latest_attempt.get(lead.pk)
            since = handed_over_at
            if attempt is not None and attempt.made_at >= handed_over_at:
                contact_attempt_logged(lead, attempt, now=attempt.made_at)
                since = attempt.made_at
            _follow_up(lead, since=since, now=now, calendar=calendar, badly_before=scale.badly_before)
        Assignment.objects.bulk_create(assignments)
    return len(assignments)


def _follow_up(lead: Lead, *, since: datetime, now: datetime, calendar: BusinessCalendar, badly_before: datetime) -> None:
    """A lead a working day or more past its deadline gets the owner's follow-up since its
    latest attempt or handoff (`since`), when its pick in KEPT_UP says so: another call or
    e-mail that did not reach them, or a conversation when the attempts are used up or a
    verdict is what it waits for (the first attempt on an MQL accepts it, as in the
    workspace), at the moment that leaves the working time its pick says."""
    target = KEPT_UP.get(lead.pk % 10)
    clock = SlaClock.objects.select_related("policy").get(lead=lead)
    if target is None or clock.kind == SlaClock.Kind.NOT_REACHED or clock.due_by > badly_before:
        return
    failed = ContactAttempt.objects.filter(lead=lead, made_at__gte=clock.handed_over_at).exclude(
        outcome=ContactAttempt.Outcome.SPOKE
    ).count()
    reached = clock.kind == SlaClock.Kind.FEEDBACK or failed + 1 >= attempt_limit()
    kind = SlaClock.Kind.FEEDBACK if reached else SlaClock.Kind.NEXT_ATTEMPT
    policy = clock.policy or DEFAULT_POLICY

    def time_left(made_at: datetime) -> timedelta:
        due_by = deadline(lead, kind=kind, policy=policy, calendar=calendar, start=made_at)
        if due_by >= now:
            return calendar.business_time_between(now, due_by)
        return -calendar.business_time_between(due_by, now)

    # The later the follow-up, the more time left: search the working time since `since` for
    # the moment that leaves the target (or the nearest one the policy allows).
    low, high = timedelta(minutes=5), calendar.business_time_between(since, now) - timedelta(minutes=5)
    if high <= low:
        return
    for _ in range(24):
        middle = (low + high) / 2
        if time_left(calendar.subtract_business_time(now, middle)) > target:
            low = middle
        else:
            high = middle
    made_at = calendar.subtract_business_time(now, low).replace(microsecond=0)
    if reached:
        channel, outcome = ContactAttempt.Channel.CALL, ContactAttempt.Outcome.SPOKE
    elif lead.pk % 3 == 0:
        channel, outcome = ContactAttempt.Channel.EMAIL, ContactAttempt.Outcome.EMAIL_SENT
    else:
        channel, outcome = ContactAttempt.Channel.CALL, ContactAttempt.Outcome.NO_ANSWER
    if lead.stage == Lead.Stage.MQL and lead.first_attempt_at is None:
        actions.accept(lead, by=lead.owner, at=made_at)
    actions.log_attempt(lead, by=lead.owner, channel=channel, outcome=outcome, at=made_at)
