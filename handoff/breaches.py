"""Missed deadlines: each breach recorded once, the owner and their manager told once, and
what the lead's SLA policy says happens next (the owner keeps it, the next present member of
the team gets it, or it goes back to the team queue), written in the lead's history.

Apart from clocks.py because passing a lead on goes through `routing.route` and
`handover.reassign`, which themselves start clocks.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from common.business_time import BusinessCalendar
from common.messages import choice, message
from common.people import person_name
from handoff import clocks, handover
from handoff.models import Assignment, HandoffSettings, Notification, SlaBreach, SlaClock, SlaPolicy
from handoff.outbox import queue_many
from handoff.routing import LeadFacts, route
from leads.models import Lead
from leads.rollups import refresh as refresh_rollups


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


def _log_owner_change(lead: Lead, *, before: dict, now: datetime) -> None:
    """The lead's history: owner and team before and after (their ids), by the system."""
    changes = {
        name: [value, getattr(lead, f"{name}_id")]
        for name, value in before.items()
        if value != getattr(lead, f"{name}_id")
    }
    if changes:
        lead.changes.create(changed_at=now, changed_by=None, changes=changes)


def _back_to_queue(lead: Lead, *, now: datetime) -> bool:
    """The lead loses its owner and waits in its team's queue, where the team's manager sees
    it. Without a team there is no queue to wait in: then it stays (False)."""
    team = lead.team or (lead.owner.teams.first() if lead.owner_id else None)
    if team is None:
        return False
    before = {"owner": lead.owner_id, "team": lead.team_id}
    Lead.objects.filter(pk=lead.pk).update(owner=None, team=team, version=F("version") + 1)
    refresh_rollups(Lead.objects, [lead.pk])
    lead.owner, lead.team = None, team
    lead.version += 1
    _log_owner_change(lead, before=before, now=now)
    return True


def _pass_on(lead: Lead, clock: SlaClock, policy: SlaPolicy, *, now: datetime, calendar: BusinessCalendar):
    """(outcome, new owner or None): what the policy does with a lead whose deadline passed."""
    Outcome = SlaBreach.Outcome
    if policy.after_breach == SlaPolicy.AfterBreach.KEEP:
        return Outcome.KEPT, None
    if policy.after_breach == SlaPolicy.AfterBreach.QUEUE:
        return (Outcome.QUEUED if _back_to_queue(lead, now=now) else Outcome.KEPT), None
    # Routing's own rules, rotation and presence pick who is next, passing over the owner who
    # missed the deadline; only a rule's pick is "the next member" (the fallback owner is not).
    decision = route(LeadFacts.of(lead), now=now, lock=True, passing_over=lead.owner)
    owner = decision.owner if decision.kind == Assignment.Kind.RULE else None
    if owner is None or owner.pk == lead.owner_id:
        return Outcome.NOBODY_ELSE, None
    before = {"owner": lead.owner_id, "team": lead.team_id}
    # The new owner gets the same kind of deadline, counted from now.
    clocks.set_clock(
        lead, kind=clock.kind, policy=policy, calendar=calendar, start=now, handed_over_at=clock.handed_over_at
    )
    reason = message("sla.passed_on", owner=person_name(lead.owner) or "—", clock=choice("clock", clock.kind))
    handover.reassign(lead, to=owner, by=None, reason=reason, now=now)
    _log_owner_change(lead, before=before, now=now)
    return Outcome.REASSIGNED, owner


def record_breaches(
    due: list[SlaClock], *, now: datetime, calendar: BusinessCalendar | None = None
) -> list[SlaBreach]:
    """Record each missed deadline, tell the owner and their manager, and do what the policy
    says, each exactly once: a deadline already recorded is skipped, and the unique
    (lead, clock, due_by) row refuses a second (rolling back what came with it)."""
    recorded = set(
        SlaBreach.objects.filter(lead_id__in=[c.lead_id for c in due]).values_list("lead_id", "clock", "due_by")
    )
    calendar = calendar or HandoffSettings.load().calendar()
    breaches, messages = [], []
    for clock in due:
        if (clock.lead_id, clock.kind, clock.due_by) in recorded:
            continue
        lead = clock.lead
        owner, manager = lead.owner, manager_of(lead)
        context = clocks.clock_context(clock)
        outcome, passed_to = _pass_on(lead, clock, clock.policy or clocks.DEFAULT_POLICY, now=now, calendar=calendar)
        breaches.append(
            SlaBreach(
                lead=lead, clock=clock.kind, due_by=clock.due_by, policy_name=clock.policy_name,
                recorded_at=now, owner=owner, escalated_to=manager, outcome=outcome, passed_to=passed_to,
            )
        )
        context |= {"owner": person_name(owner), "outcome": outcome, "passed_to": person_name(passed_to)}
        if manager is not None:
            messages.append((manager, Notification.Kind.ESCALATION, lead, context))
        if owner is not None and owner != manager:
            messages.append((owner, Notification.Kind.MISSED, lead, context))
    SlaBreach.objects.bulk_create(breaches)
    queue_many(messages, now=now)
    return breaches


def record_breach(clock: SlaClock, *, now: datetime) -> SlaBreach | None:
    breaches = record_breaches([clock], now=now)
    return breaches[0] if breaches else None


def run_out(due: list[SlaClock], *, now: datetime, calendar: BusinessCalendar | None = None) -> list[SlaBreach]:
    """The clocks' time is up: a breach, or the end of trying. A lead that left sales' hands
    in the meantime just loses its clock; a breach that comes due while the business is
    closed waits for the next opening."""
    if not due:
        return []
    gone = [c.lead_id for c in due if c.lead.stage not in clocks.CLOCKED_STAGES]
    if gone:
        SlaClock.objects.filter(lead_id__in=gone).delete()
        Lead.objects.filter(pk__in=gone).update(respond_by=None)
    running = [c for c in due if c.lead.stage in clocks.CLOCKED_STAGES]
    for clock in running:
        if clock.kind == SlaClock.Kind.NOT_REACHED:
            clocks.return_unreached(clock.lead, now=now)
    calendar = calendar or HandoffSettings.load().calendar()
    late = [c for c in running if c.kind != SlaClock.Kind.NOT_REACHED]
    late = clocks.postpone_to_opening(late, field="runs_out_at", now=now, calendar=calendar)
    return record_breaches(late, now=now, calendar=calendar)
