"""The handoff: a qualified lead gets an owner, a deadline and a notification, in one go.

`hand_over()` runs inside the transaction that makes the lead an MQL (or SQL): it routes the
lead, records which rule assigned it and why, starts the SLA clock (mirrored in
`Lead.respond_by`) and writes the notification rows the worker sends. Nothing here talks to
the outside world; `manage.py runworker` does, after the transaction has committed.

The clock moves on through `contact_attempt_logged()` (the sales workspace calls it when a rep
logs an attempt) and `feedback_given()`; `reassign()` is the manager's override.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import translation
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


def policy_for(lead: Lead, rule: RoutingRule | None, *, policies: list[SlaPolicy] | None = None) -> SlaPolicy:
    """The first active policy whose criteria all fit the lead and the rule that routed it.
    A sweep over many leads passes the active `policies`, read once."""
    if policies is None:
        policies = SlaPolicy.objects.filter(is_active=True)
    for policy in policies:
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


def queue_many(messages: list[tuple], *, now: datetime) -> list[Notification]:
    """Queue (user, kind, lead, context) messages: one row per channel the person wants this
    kind of message on, e-mail to their own address when they have no channel at all. The
    worker sends them once the transaction commits."""
    active: dict[int, list[NotificationChannel]] = defaultdict(list)
    for channel in NotificationChannel.objects.filter(user_id__in={m[0].pk for m in messages}, is_active=True):
        active[channel.user_id].append(channel)
    rows = []
    for user, kind, lead, context in messages:
        mine = active[user.pk]
        targets = [c for c in mine if c.wants(kind)] or ([None] if not mine else [])
        rows.extend(
            Notification(
                kind=kind, recipient=user, channel=channel, lead=lead, context=context,
                next_attempt_at=now, created_at=now,
            )
            for channel in targets
        )
    return Notification.objects.bulk_create(rows)


def queue_notifications(user, kind: str, *, now: datetime, lead: Lead | None = None, context=None) -> list[Notification]:
    return queue_many([(user, kind, lead, context or {})], now=now)


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
    # The reason is stored, so it is written in the business's language, whoever triggered it.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
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
        policy = policy_for(lead, decision.rule)
        calendar = HandoffSettings.load().calendar()
        clock = _set_clock(
            lead, kind=SlaClock.Kind.FIRST_CONTACT, policy=policy, calendar=calendar, start=now, handed_over_at=now
        )
        if lead.first_contact_by is None:  # the review measures the first handoff
            Lead.objects.filter(pk=lead.pk).update(first_contact_by=clock.due_by)
            lead.first_contact_by = clock.due_by
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


def attempt_limit(lead: Lead) -> int:
    """How many attempts the lead's SLA policy allows before it returns to nurture."""
    clock = SlaClock.objects.select_related("policy").filter(lead=lead).first()
    if clock is not None and clock.policy is not None:
        return clock.policy.max_attempts
    return policy_for(lead, None).max_attempts


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


def _clock_context(clock: SlaClock) -> dict:
    return {"clock": clock.kind, "due_by": clock.due_by.isoformat(), "policy": clock.policy_name}


def remind_owners(clocks: list[SlaClock], *, now: datetime) -> int:
    """The "at risk" reminders: each owner still has a quarter of the time."""
    messages = [
        (clock.lead.owner, Notification.Kind.AT_RISK, clock.lead, _clock_context(clock))
        for clock in clocks
        # Past the deadline a reminder is too late: the breach follows.
        if clock.lead.stage in CLOCKED_STAGES and clock.lead.owner_id and now < clock.due_by
    ]
    queue_many(messages, now=now)
    return len(messages)


def record_breaches(clocks: list[SlaClock], *, now: datetime) -> list[SlaBreach]:
    """Record each missed deadline and tell the owner's manager, both exactly once: a deadline
    already recorded is skipped, and the unique (lead, clock, due_by) row refuses a second."""
    recorded = set(
        SlaBreach.objects.filter(lead_id__in=[c.lead_id for c in clocks]).values_list("lead_id", "clock", "due_by")
    )
    managers: dict[tuple, object] = {}
    breaches, messages = [], []
    for clock in clocks:
        if (clock.lead_id, clock.kind, clock.due_by) in recorded:
            continue
        lead = clock.lead
        key = (lead.team_id, lead.owner_id)
        if key not in managers:
            managers[key] = manager_of(lead)
        manager = managers[key]
        breaches.append(
            SlaBreach(
                lead=lead, clock=clock.kind, due_by=clock.due_by, policy_name=clock.policy_name,
                recorded_at=now, owner=lead.owner, escalated_to=manager,
            )
        )
        if manager is not None:
            context = _clock_context(clock) | {"owner": _person(lead.owner)}
            messages.append((manager, Notification.Kind.ESCALATION, lead, context))
    SlaBreach.objects.bulk_create(breaches)
    queue_many(messages, now=now)
    return breaches


def record_breach(clock: SlaClock, *, now: datetime) -> SlaBreach | None:
    breaches = record_breaches([clock], now=now)
    return breaches[0] if breaches else None


def return_unreached(lead: Lead, *, now: datetime) -> None:
    """The policy's attempts are used up without reaching anyone: back to nurture, with
    "not reached" as the verdict marketing learns from."""
    attempts = ContactAttempt.objects.filter(lead=lead).count()
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("not reached after %(n)s attempts") % {"n": attempts}
        rule = _("SLA policy")
    try:
        lead.move_to(Lead.Stage.NURTURE, rule=rule, reason=reason, at=now)
    except IllegalTransition:
        pass  # already left sales' hands some other way
    else:
        Feedback.objects.create(
            lead=lead, given_at=now, disposition=Feedback.Disposition.NOT_REACHED, reason_text=reason
        )
    stop_clock(lead)


def run_out(clocks: list[SlaClock], *, now: datetime) -> None:
    """The clocks' time is up: a breach, or the end of trying. A lead that left sales' hands
    in the meantime just loses its clock."""
    gone = [c.lead_id for c in clocks if c.lead.stage not in CLOCKED_STAGES]
    if gone:
        SlaClock.objects.filter(lead_id__in=gone).delete()
        Lead.objects.filter(pk__in=gone).update(respond_by=None)
    running = [c for c in clocks if c.lead.stage in CLOCKED_STAGES]
    for clock in running:
        if clock.kind == SlaClock.Kind.NOT_REACHED:
            return_unreached(clock.lead, now=now)
    record_breaches([c for c in running if c.kind != SlaClock.Kind.NOT_REACHED], now=now)


def start_demo_clocks(*, now: datetime) -> int:
    """Hand the demo's open MQL and SAL leads over as Handoff would have: the assignment
    record of the rule that fits them, and a running SLA clock from their handoff time. Many
    run late, as in real teams, so the queue and the SLA pages show live data. Leads that
    already have a clock keep it."""
    calendar = HandoffSettings.load().calendar()
    team_rules = {rule.team_id: rule for rule in RoutingRule.objects.filter(target="team", team__isnull=False)}
    customer_rule = RoutingRule.objects.filter(target="account_manager").first()
    leads = (
        Lead.objects.filter(stage__in=[Lead.Stage.MQL, Lead.Stage.SAL])
        .filter(sla_clock__isnull=True, owner__isnull=False)
        .select_related("company", "team")
    )
    assignments = []
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for lead in leads:
            handed_over_at = lead.mql_at or lead.stage_changed_at
            if lead.is_existing_customer and customer_rule:
                rule, reason = customer_rule, _("existing customer: to their account manager")
            else:
                rule = team_rules.get(lead.team_id)
                reason = _("%(region)s lies in the territory of %(team)s; round robin in the team") % {
                    "region": lead.company.region if lead.company else "?",
                    "team": lead.team,
                }
            assignments.append(
                Assignment(
                    lead=lead, kind=Assignment.Kind.RULE, owner_id=lead.owner_id, team_id=lead.team_id,
                    rule=rule, rule_name=rule.name if rule else "", reason=reason, assigned_at=handed_over_at,
                )
            )
            _set_clock(
                lead,
                kind=SlaClock.Kind.FIRST_CONTACT if not lead.first_attempt_at else SlaClock.Kind.NEXT_ATTEMPT,
                policy=policy_for(lead, rule),
                calendar=calendar,
                start=lead.first_attempt_at or handed_over_at,
                handed_over_at=handed_over_at,
            )
        Assignment.objects.bulk_create(assignments)
    return len(assignments)


# --- the weekly review's response-time figures ---------------------------------------------


def business_seconds_to_first_contact(
    lead: Lead, first_attempt_at: datetime, *, calendar: BusinessCalendar | None = None
) -> int | None:
    """Working time from the lead's handoff (its first MQL) to its first contact attempt, in
    whole seconds; None for a lead that was never handed over."""
    handed_over_at = lead.handed_over_at
    if handed_over_at is None:
        return None
    calendar = calendar or HandoffSettings.load().calendar()
    return int(calendar.business_time_between(handed_over_at, first_attempt_at).total_seconds())


def backfill_first_contact(*, batch: int = 2000, progress=None) -> int:
    """Fill in the first-contact deadline and business time to first contact for leads handed
    over before Handoff stored them (and for the demo data, which is written in bulk): the
    deadline from the SLA policy that fits the lead, counted from its first MQL. Returns how
    many leads it updated; a second run finds nothing to do."""
    calendar = HandoffSettings.load().calendar()
    policies = list(SlaPolicy.objects.filter(is_active=True))
    missing = Lead.objects.filter(
        Q(mql_at__isnull=False) | Q(sal_at__isnull=False) | Q(sql_at__isnull=False)
        | Q(opportunity_at__isnull=False) | Q(won_at__isnull=False)
    ).filter(
        Q(first_contact_by__isnull=True)
        | Q(first_attempt_at__isnull=False, first_contact_business_seconds__isnull=True)
    )
    fields = ["mql_at", "sal_at", "sql_at", "opportunity_at", "won_at", "first_attempt_at",
              "first_contact_by", "first_contact_business_seconds", "intent_tier", "company__is_customer"]
    updated, last_pk = 0, 0
    while True:
        leads = list(missing.filter(pk__gt=last_pk).select_related("company").only(*fields).order_by("pk")[:batch])
        if not leads:
            return updated
        for lead in leads:
            if lead.first_contact_by is None:
                within = policy_for(lead, None, policies=policies).first_contact_within
                lead.first_contact_by = calendar.add_business_time(lead.handed_over_at, within)
            if lead.first_attempt_at is not None:
                lead.first_contact_business_seconds = business_seconds_to_first_contact(
                    lead, lead.first_attempt_at, calendar=calendar
                )
        # bulk_update writes one CASE over the whole batch, which PostgreSQL evaluates for
        # every row: quadratic, and minutes at a million leads. One prepared UPDATE per lead,
        # pipelined by psycopg, takes seconds.
        table = connection.ops.quote_name(Lead._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET first_contact_by = %s, first_contact_business_seconds = %s WHERE id = %s",
                [(lead.first_contact_by, lead.first_contact_business_seconds, lead.pk) for lead in leads],
            )
        updated += len(leads)
        last_pk = leads[-1].pk
        if progress:
            progress(len(leads))
