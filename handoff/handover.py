"""The handoff: a qualified lead gets an owner, a deadline and a notification, in one go.

`hand_over()` runs inside the transaction that makes the lead an MQL (or SQL): it routes the
lead, records which rule assigned it and why, starts the SLA clock (mirrored in
`Lead.respond_by`) and writes the notification rows the worker sends: to the new owner, or,
when nobody present could take the lead, to the managers, while it waits unassigned. Nothing here talks to
the outside world; `manage.py runworker` does, after the transaction has committed.

The clock moves on through `contact_attempt_logged()` (the sales workspace calls it when a rep
logs an attempt) and `feedback_given()`; `reassign()` is the manager's override. A lead already
with sales that asks for contact again gets a sooner deadline and its owner a message
(`intent_rose()`); other strong signals are passed on at most once an hour (`strong_signal()`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from common.messages import split
from common.people import person_name
from handoff import clocks
from handoff.models import Assignment, HandoffSettings, Notification, SlaClock
from handoff.outbox import queue_many, queue_notifications
from handoff.routing import LeadFacts, route
from leads.models import Activity, Lead
from leads.rollups import refresh as refresh_rollups

# How often the owner hears of a lead's strong signals at most: news, not a stream.
SIGNAL_QUIET_PERIOD = timedelta(hours=1)


def _assign(lead: Lead, *, owner, team, rule, kind: str, reason, now: datetime, by=None) -> Assignment:
    """`reason`: routing's message, or the words a manager typed."""
    Lead.objects.filter(pk=lead.pk).update(owner=owner, team=team, version=F("version") + 1)
    refresh_rollups(Lead.objects, [lead.pk])
    lead.owner, lead.team = owner, team
    lead.version += 1
    text, said = split(reason)
    return Assignment.objects.create(
        lead=lead,
        kind=kind,
        owner=owner,
        team=team,
        rule=rule,
        rule_name=rule.name if rule else "",
        reason=text,
        reason_message=said,
        assigned_at=now,
        assigned_by=by,
    )


def hand_over(lead: Lead, *, now: datetime, by=None) -> Assignment:
    """Give the lead an owner, a deadline and a notification. Call it in the transaction that
    moves the lead to MQL (or straight to SQL), after `lead.move_to()`."""
    with transaction.atomic():
        decision = route(LeadFacts.of(lead), now=now, lock=True, current_owner=lead.owner)
        assignment = _assign(
            lead,
            owner=decision.owner,
            team=decision.team or (lead.team if decision.owner == lead.owner else None),
            rule=decision.rule,
            kind=decision.kind,
            reason=decision.reason,
            now=now,
            by=by,
        )
        policy = clocks.policy_for(lead, decision.rule)
        calendar = HandoffSettings.load().calendar()
        clock = clocks.set_clock(
            lead, kind=SlaClock.Kind.FIRST_CONTACT, policy=policy, calendar=calendar, start=now, handed_over_at=now
        )
        if lead.first_contact_by is None:  # the review measures the first handoff
            Lead.objects.filter(pk=lead.pk).update(first_contact_by=clock.due_by)
            lead.first_contact_by = clock.due_by
            refresh_rollups(Lead.objects, [lead.pk])  # the review's rollup counts against it
        context = {"reason": decision.reason, "due_by": clock.due_by.isoformat(), "policy": policy.name}
        if decision.owner is None:
            queue_many([(manager, Notification.Kind.UNASSIGNED, lead, context) for manager in decision.tell], now=now)
        else:
            queue_notifications(decision.owner, Notification.Kind.ASSIGNED, now=now, lead=lead, context=context)
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
            "by": person_name(by),
            "from": person_name(previous),
        }
        if lead.respond_by:
            context["due_by"] = lead.respond_by.isoformat()
        queue_notifications(to, Notification.Kind.REASSIGNED, now=now, lead=lead, context=context)
    return assignment


def signal_context(activity: Activity, signal: str) -> dict:
    """What the message says happened: codes and facts, put into words when it is sent."""
    return {
        "signal": signal,
        "activity": activity.kind,
        "title": activity.title,
        "occurred_at": activity.occurred_at.isoformat(),
    }


def intent_rose(lead: Lead, activity: Activity, *, now: datetime) -> None:
    """The MQL or SAL asked for contact (`activity`: a demo request, a quote form): the
    high-intent deadline when it is sooner, and a message to the owner saying what they asked
    for. Call it in the transaction that stored the activity and re-scored the lead."""
    with transaction.atomic():
        clock = clocks.respond_sooner(lead, now=now)
        context = signal_context(activity, activity.conversion_action)
        due_by = clock.due_by if clock is not None else lead.respond_by
        if due_by:
            context["due_by"] = due_by.isoformat()
        context["sooner"] = clock is not None
        if lead.owner_id:
            queue_notifications(lead.owner, Notification.Kind.INTENT_ROSE, now=now, lead=lead, context=context)


def strong_signal(lead: Lead, activity: Activity, signal: str, *, now: datetime) -> bool:
    """Tell the owner of an open lead about a strong signal (`signal`: the activity kind, or
    "second_form"), unless they heard about this lead in the last hour. The lead's row is
    locked first, so two requests at once send one message. Returns whether one was queued."""
    if not lead.owner_id:
        return False
    with transaction.atomic():
        Lead.objects.select_for_update().filter(pk=lead.pk).values_list("pk", flat=True).get()
        recently = lead.notifications.filter(
            kind__in=[Notification.Kind.STRONG_SIGNAL, Notification.Kind.INTENT_ROSE],
            created_at__gt=now - SIGNAL_QUIET_PERIOD,
        )
        if recently.exists():
            return False
        context = signal_context(activity, signal)
        if lead.respond_by:
            context["due_by"] = lead.respond_by.isoformat()
        queue_notifications(lead.owner, Notification.Kind.STRONG_SIGNAL, now=now, lead=lead, context=context)
    return True
