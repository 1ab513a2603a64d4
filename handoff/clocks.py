"""The SLA clock: by when sales must act on a lead in their hands, and what happens when the
time runs out.

A lead with sales has at most one running clock (`SlaClock`, its deadline mirrored in
`Lead.respond_by`): first contact after the handoff, the next attempt after one that did not
reach them, feedback after a conversation. `contact_attempt_logged()` and `feedback_given()`
move it on; the worker claims clocks whose reminder or deadline has come and calls
`remind_owners()` and `run_out()`. Deadlines are counted on the one business calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from common.business_time import BusinessCalendar
from common.people import person_name
from handoff.models import (
    Agreement,
    HandoffSettings,
    Notification,
    RoutingRule,
    SlaBreach,
    SlaClock,
    SlaPolicy,
    current_agreement,
)
from handoff.outbox import queue_many
from leads.models import ContactAttempt, Feedback, IllegalTransition, IntentTier, Lead

# Stages in which the lead is in sales' hands and a clock may run.
CLOCKED_STAGES = (Lead.Stage.MQL, Lead.Stage.SAL, Lead.Stage.SQL)
# A policy nobody configured: the clock runs on the model's defaults.
DEFAULT_POLICY = SlaPolicy(name="MQL (default)")


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


def first_contact_within(lead: Lead, agreement: Agreement | None = None) -> timedelta:
    """The agreed time to first contact for this lead (its intent tier, customer or not)."""
    agreement = agreement or current_agreement()
    return agreement.first_contact_for(intent_tier=lead.intent_tier, existing_customer=lead.is_existing_customer)


def _reminder(calendar: BusinessCalendar, start: datetime, within: timedelta, percent: int, *, business: bool):
    share = within * percent / 100
    return calendar.add_business_time(start, share) if business else start + share


def set_clock(
    lead: Lead,
    *,
    kind: str,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    start: datetime,
    handed_over_at: datetime,
    agreement: Agreement | None = None,
    within: timedelta | None = None,
) -> SlaClock:
    """Start (or restart) the lead's one clock and mirror its deadline on the lead. `within`
    (business time) replaces the agreement's or policy's time for a first contact or next
    attempt."""
    remind_at = None
    if kind == SlaClock.Kind.FIRST_CONTACT:
        within = within or first_contact_within(lead, agreement)
        due_by = calendar.add_business_time(start, within)
        remind_at = _reminder(calendar, start, within, policy.at_risk_percent, business=True)
    elif kind == SlaClock.Kind.NEXT_ATTEMPT:
        business = within is not None or policy.next_attempt_in_business_time
        within = within or policy.next_attempt_within
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


def contact_attempt_logged(lead: Lead, attempt: ContactAttempt, *, now: datetime) -> SlaClock | None:
    """Call in the transaction that stores `attempt` (the workspace's `Lead.log_attempt`).

    Any attempt stops the first-contact clock. Reaching them starts the feedback clock; not
    reaching them starts the next-attempt clock, until the agreement's number of attempts is
    used up and the worker returns the lead to nurture as "not reached"."""
    clock = SlaClock.objects.select_related("policy").filter(lead=lead).first()
    if clock is None:
        return None
    policy = clock.policy or DEFAULT_POLICY
    calendar = HandoffSettings.load().calendar()
    common = {"policy": policy, "calendar": calendar, "start": now, "handed_over_at": clock.handed_over_at}
    if attempt.outcome == ContactAttempt.Outcome.SPOKE:
        return set_clock(lead, kind=SlaClock.Kind.FEEDBACK, **common)
    failed = (
        ContactAttempt.objects.filter(lead=lead, made_at__gte=clock.handed_over_at)
        .exclude(outcome=ContactAttempt.Outcome.SPOKE)
        .count()
    )
    if failed >= attempt_limit():
        return set_clock(lead, kind=SlaClock.Kind.NOT_REACHED, **common)
    return set_clock(lead, kind=SlaClock.Kind.NEXT_ATTEMPT, **common)


def attempt_limit() -> int:
    """How many attempts without contact before a lead returns to nurture: the agreement's."""
    return current_agreement().min_attempts


def feedback_given(lead: Lead) -> None:
    """Call when sales records its verdict: the last clock stops."""
    stop_clock(lead)


def stop_clock(lead: Lead) -> None:
    """The lead left sales' hands (or sales did what was asked): no more deadline."""
    stop_clocks([lead.pk])
    lead.respond_by = None


def stop_clocks(lead_ids: list[int]) -> None:
    """`stop_clock()` for many leads at once (a policy disqualified them, say)."""
    SlaClock.objects.filter(lead_id__in=lead_ids).delete()
    Lead.objects.filter(pk__in=lead_ids, respond_by__isnull=False).update(respond_by=None)


def respond_sooner(lead: Lead, *, now: datetime) -> SlaClock | None:
    """The lead in sales' hands just asked for contact (a demo, a quote): the agreed time to
    first contact for high intent now applies, counted from now, when that is sooner than the
    running deadline. A lead nobody tried yet keeps a first-contact clock; one already tried
    gets a next-attempt clock, due by that time. Returns the clock when the deadline moved."""
    clock = SlaClock.objects.select_related("policy").filter(lead=lead).first()
    within = current_agreement().first_contact_for(
        intent_tier=IntentTier.HIGH, existing_customer=lead.is_existing_customer
    )
    calendar = HandoffSettings.load().calendar()
    due_by = calendar.add_business_time(now, within)
    if clock is not None and clock.due_by <= due_by:
        return None
    if clock is not None:
        policy, handed_over_at = clock.policy or DEFAULT_POLICY, clock.handed_over_at
    else:
        assignment = lead.assignments.order_by("-assigned_at", "-id").select_related("rule").first()
        policy = policy_for(lead, assignment.rule if assignment else None)
        handed_over_at = lead.handed_over_at or now
    kind = SlaClock.Kind.FIRST_CONTACT if lead.first_attempt_at is None else SlaClock.Kind.NEXT_ATTEMPT
    return set_clock(
        lead, kind=kind, policy=policy, calendar=calendar, start=now, handed_over_at=handed_over_at, within=within
    )


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
            context = _clock_context(clock) | {"owner": person_name(lead.owner)}
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
    agreement = current_agreement()
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
                within = first_contact_within(lead, agreement)
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
