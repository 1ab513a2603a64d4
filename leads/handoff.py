"""The handoff: a qualified lead gets an owner, a deadline and a notification, in one go.

`hand_over()` runs inside the transaction that makes the lead an MQL (or SQL): it routes the
lead, records which rule assigned it and why, starts the SLA clock (mirrored in
`Lead.respond_by`) and writes the notification rows the worker sends. Nothing here talks to
the outside world; `manage.py runworker` does, after the transaction has committed.

The clock moves on through `contact_attempt_logged()` (the sales workspace calls it when a rep
logs an attempt) and `feedback_given()`; `reassign()` is the manager's override.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from leads.models import (
    Assignment,
    ContactAttempt,
    Feedback,
    HandoffSettings,
    IllegalTransition,
    Lead,
    Notification,
    NotificationChannel,
    RoutingRule,
    SlaBreach,
    SlaClock,
    SlaPolicy,
)
from leads.routing import LeadFacts, route
from leads.sla import BusinessCalendar

# Stages in which the lead is in sales' hands and a clock may run.
CLOCKED_STAGES = (Lead.Stage.MQL, Lead.Stage.SAL, Lead.Stage.SQL)
# A policy nobody configured: the agreement's general MQL terms.
DEFAULT_POLICY = SlaPolicy(name="MQL (default)", first_contact_within=timedelta(hours=24))


def policy_for(lead: Lead, rule: RoutingRule | None) -> SlaPolicy:
    """The first active policy whose criteria all fit the lead and the rule that routed it."""
    for policy in SlaPolicy.objects.filter(is_active=True):
        if policy.intent_tier and policy.intent_tier != lead.intent_tier:
            continue
        if policy.existing_customer is not None and policy.existing_customer != lead.is_existing_customer:
            continue
        if policy.routing_rule_id and (rule is None or policy.routing_rule_id != rule.pk):
            continue
        return policy
    return DEFAULT_POLICY


def _reminder(calendar: BusinessCalendar, start: datetime, within: timedelta, percent: int, *, business: bool):
    share = within * percent / 100
    return calendar.add_business_time(start, share) if business else start + share


def _set_clock(
    lead: Lead,
    *,
    kind: str,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    start: datetime,
    handed_over_at: datetime,
) -> SlaClock:
    """Start (or restart) the lead's one clock and mirror its deadline on the lead."""
    remind_at = None
    if kind == SlaClock.Kind.FIRST_CONTACT:
        due_by = calendar.add_business_time(start, policy.first_contact_within)
        remind_at = _reminder(calendar, start, policy.first_contact_within, policy.at_risk_percent, business=True)
    elif kind == SlaClock.Kind.NEXT_ATTEMPT:
        business = policy.next_attempt_in_business_time
        within = policy.next_attempt_within
        due_by = calendar.add_business_time(start, within) if business else start + within
        remind_at = _reminder(calendar, start, within, policy.at_risk_percent, business=business)
    elif kind == SlaClock.Kind.FEEDBACK:
        due_by = calendar.end_of_working_day_after(start, policy.feedback_within_working_days)
    else:  # NOT_REACHED: nothing left to wait for; the worker returns the lead to nurture
        due_by = start
    clock, _created = SlaClock.objects.update_or_create(
        lead=lead,
        defaults={
            "kind": kind,
            "policy": policy if policy.pk else None,
            "policy_name": policy.name,
            "handed_over_at": handed_over_at,
            "started_at": start,
            "due_by": due_by,
            "remind_at": remind_at,
            "runs_out_at": due_by,
        },
    )
    Lead.objects.filter(pk=lead.pk).update(respond_by=due_by)
    lead.respond_by = due_by
    return clock


def queue_notifications(user, kind: str, *, now: datetime, lead: Lead | None = None, context=None) -> list[Notification]:
    """One row per channel the person wants this kind of message on; e-mail to their own
    address when they have none. The worker sends them once the transaction commits."""
    channels = [c for c in NotificationChannel.objects.filter(user=user, is_active=True) if c.wants(kind)]
    has_any_channel = NotificationChannel.objects.filter(user=user, is_active=True).exists()
    targets = channels or ([None] if not has_any_channel else [])
    return Notification.objects.bulk_create(
        Notification(
            kind=kind,
            recipient=user,
            channel=channel,
            lead=lead,
            context=context or {},
            next_attempt_at=now,
            created_at=now,
        )
        for channel in targets
    )


def _assign(lead: Lead, *, owner, team, rule, kind: str, reason: str, now: datetime, by=None) -> Assignment:
    Lead.objects.filter(pk=lead.pk).update(owner=owner, team=team, version=F("version") + 1)
    lead.owner, lead.team = owner, team
    lead.version += 1
    return Assignment.objects.create(
        lead=lead,
        kind=kind,
        owner=owner,
        team=team,
        rule=rule,
        rule_name=rule.name if rule else "",
        reason=reason,
        assigned_at=now,
        assigned_by=by,
    )


def hand_over(lead: Lead, *, now: datetime, by=None) -> Assignment:
    """Give the lead an owner, a deadline and a notification. Call it in the transaction that
    moves the lead to MQL (or straight to SQL), after `lead.move_to()`."""
    with transaction.atomic():
        decision = route(LeadFacts.of(lead), now=now, lock=True)
        assignment = _assign(
            lead,
            owner=decision.owner,
            team=decision.team,
            rule=decision.rule,
            kind=decision.kind,
            reason=decision.reason,
            now=now,
            by=by,
        )
        policy = policy_for(lead, decision.rule)
        calendar = HandoffSettings.load().calendar()
        clock = _set_clock(
            lead, kind=SlaClock.Kind.FIRST_CONTACT, policy=policy, calendar=calendar, start=now, handed_over_at=now
        )
        queue_notifications(
            decision.owner,
            Notification.Kind.ASSIGNED,
            now=now,
            lead=lead,
            context={"reason": decision.reason, "due_by": clock.due_by.isoformat(), "policy": policy.name},
        )
    return assignment


def reassign(lead: Lead, *, to, by, reason: str, now: datetime) -> Assignment:
    """A manager's override. The deadline stays: the customer has been waiting all along."""
    with transaction.atomic():
        previous = lead.owner
        assignment = _assign(
            lead,
            owner=to,
            team=lead.team if lead.team and lead.team.members.filter(pk=to.pk).exists() else to.teams.first(),
            rule=None,
            kind=Assignment.Kind.REASSIGNED,
            reason=reason,
            now=now,
            by=by,
        )
        context = {
            "reason": reason,
            "by": by.get_full_name() or by.get_username(),
            "from": (previous.get_full_name() or previous.get_username()) if previous else "",
        }
        if lead.respond_by:
            context["due_by"] = lead.respond_by.isoformat()
        queue_notifications(to, Notification.Kind.REASSIGNED, now=now, lead=lead, context=context)
    return assignment


def contact_attempt_logged(lead: Lead, attempt: ContactAttempt, *, now: datetime) -> SlaClock | None:
    """Call in the transaction that stores `attempt` (the workspace's `Lead.log_attempt`).

    Any attempt stops the first-contact clock. Reaching them starts the feedback clock; not
    reaching them starts the next-attempt clock, until the policy's number of attempts is
    used up and the worker returns the lead to nurture as "not reached"."""
    clock = SlaClock.objects.select_related("policy").filter(lead=lead).first()
    if clock is None:
        return None
    policy = clock.policy or DEFAULT_POLICY
    calendar = HandoffSettings.load().calendar()
    common = {"policy": policy, "calendar": calendar, "start": now, "handed_over_at": clock.handed_over_at}
    if attempt.outcome == ContactAttempt.Outcome.SPOKE:
        return _set_clock(lead, kind=SlaClock.Kind.FEEDBACK, **common)
    failed = (
        ContactAttempt.objects.filter(lead=lead, made_at__gte=clock.handed_over_at)
        .exclude(outcome=ContactAttempt.Outcome.SPOKE)
        .count()
    )
    if failed >= policy.max_attempts:
        return _set_clock(lead, kind=SlaClock.Kind.NOT_REACHED, **common)
    return _set_clock(lead, kind=SlaClock.Kind.NEXT_ATTEMPT, **common)


def feedback_given(lead: Lead) -> None:
    """Call when sales records its verdict: the last clock stops."""
    stop_clock(lead)


def stop_clock(lead: Lead) -> None:
    """The lead left sales' hands (or sales did what was asked): no more deadline."""
    SlaClock.objects.filter(lead=lead).delete()
    Lead.objects.filter(pk=lead.pk).update(respond_by=None)
    lead.respond_by = None


def manager_of(lead: Lead):
    """Who hears about a missed deadline: the manager of the lead's team, else of a team the
    owner belongs to."""
    if lead.team_id and lead.team.manager_id:
        return lead.team.manager
    if lead.owner_id:
        team = lead.owner.teams.filter(manager__isnull=False, manager__is_active=True).select_related("manager").first()
        if team:
            return team.manager
    return None


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def remind_owner(clock: SlaClock, *, now: datetime) -> list[Notification]:
    """The "at risk" reminder: the owner still has a quarter of the time."""
    lead = clock.lead
    if lead.stage not in CLOCKED_STAGES or lead.owner_id is None or now >= clock.due_by:
        return []  # too late for a reminder: the breach follows
    context = {"clock": clock.kind, "due_by": clock.due_by.isoformat(), "policy": clock.policy_name}
    return queue_notifications(lead.owner, Notification.Kind.AT_RISK, now=now, lead=lead, context=context)


def record_breach(clock: SlaClock, *, now: datetime) -> SlaBreach | None:
    """Record the missed deadline and tell the owner's manager, both exactly once: the unique
    (lead, clock, due_by) row decides, even if this is called twice."""
    lead = clock.lead
    manager = manager_of(lead)
    breach, created = SlaBreach.objects.get_or_create(
        lead=lead,
        clock=clock.kind,
        due_by=clock.due_by,
        defaults={"policy_name": clock.policy_name, "recorded_at": now, "owner": lead.owner, "escalated_to": manager},
    )
    if not created:
        return None
    if manager is not None:
        context = {
            "clock": clock.kind,
            "due_by": clock.due_by.isoformat(),
            "policy": clock.policy_name,
            "owner": _person(lead.owner),
        }
        queue_notifications(manager, Notification.Kind.ESCALATION, now=now, lead=lead, context=context)
    return breach


def return_unreached(lead: Lead, *, now: datetime) -> None:
    """The policy's attempts are used up without reaching anyone: back to nurture, with
    "not reached" as the verdict marketing learns from."""
    attempts = ContactAttempt.objects.filter(lead=lead).count()
    reason = _("not reached after %(n)s attempts") % {"n": attempts}
    try:
        lead.move_to(Lead.Stage.NURTURE, rule=_("SLA policy"), reason=reason, at=now)
    except IllegalTransition:
        pass  # already left sales' hands some other way
    else:
        Feedback.objects.create(
            lead=lead, given_at=now, disposition=Feedback.Disposition.NOT_REACHED, reason_text=reason
        )
    stop_clock(lead)


def run_out(clock: SlaClock, *, now: datetime) -> None:
    """The clock's time is up: a breach, or the end of trying."""
    lead = clock.lead
    if lead.stage not in CLOCKED_STAGES:
        stop_clock(lead)
    elif clock.kind == SlaClock.Kind.NOT_REACHED:
        return_unreached(lead, now=now)
    else:
        record_breach(clock, now=now)


def start_demo_clocks(*, now: datetime) -> int:
    """Give the demo's open MQL and SAL leads of today real deadlines, so the queue and the
    SLA pages show live data. Leads that already have a clock keep it."""
    calendar = HandoffSettings.load().calendar()
    start_of_day = now.astimezone(calendar.time_zone).replace(hour=0, minute=0, second=0, microsecond=0)
    leads = (
        Lead.objects.filter(stage__in=[Lead.Stage.MQL, Lead.Stage.SAL], stage_changed_at__gte=start_of_day)
        .filter(sla_clock__isnull=True, owner__isnull=False)
        .select_related("company")
    )
    started = 0
    with transaction.atomic():
        for lead in leads:
            handed_over_at = lead.mql_at or lead.stage_changed_at
            policy = policy_for(lead, None)
            _set_clock(
                lead,
                kind=SlaClock.Kind.FIRST_CONTACT if not lead.first_attempt_at else SlaClock.Kind.NEXT_ATTEMPT,
                policy=policy,
                calendar=calendar,
                start=lead.first_attempt_at or handed_over_at,
                handed_over_at=handed_over_at,
            )
            started += 1
    return started
