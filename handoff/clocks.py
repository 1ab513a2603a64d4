"""The SLA clock: by when sales must act on a lead in their hands, and what happens when the
time runs out.

A lead with sales has at most one running clock (`SlaClock`, its deadline mirrored in
`Lead.respond_by`): first contact after the handoff, the next attempt after one that did not
reach them, feedback after a conversation. `contact_attempt_logged()` and `feedback_given()`
move it on; the worker claims clocks whose reminder or deadline has come and calls
`remind_owners()` and `breaches.run_out()`. Deadlines, reminders and escalations are all
counted on the one business calendar, and only happen while the business is open.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.business_time import BusinessCalendar
from common.messages import message
from handoff.models import (
    Agreement,
    HandoffSettings,
    Notification,
    RoutingRule,
    SlaClock,
    SlaPolicy,
    current_agreement,
)
from handoff.outbox import queue_many
from leads.models import ContactAttempt, Feedback, IllegalTransition, IntentTier, Lead
from leads.rollups import refresh as refresh_rollups

# Stages in which the lead is in sales' hands and a clock may run.
CLOCKED_STAGES = (Lead.Stage.MQL, Lead.Stage.SAL, Lead.Stage.SQL)
# A policy nobody configured: the clock runs on the model's defaults.
DEFAULT_POLICY = SlaPolicy(name="MQL (default)")
SLA_RULE = "SLA policy"  # how the stage history names this rule (shown through handoff/texts.py)


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


def _reminder(calendar: BusinessCalendar, start: datetime, due_by: datetime, percent: int) -> datetime:
    """`percent` of the working time between start and deadline, on the business calendar."""
    return calendar.add_business_time(start, calendar.business_time_between(start, due_by) * percent / 100)


def deadline(
    lead: Lead,
    *,
    kind: str,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    start: datetime,
    agreement: Agreement | None = None,
    within: timedelta | None = None,
) -> datetime:
    """By when a clock of `kind` that starts at `start` runs out (what `set_clock` stores)."""
    if kind == SlaClock.Kind.FIRST_CONTACT:
        return calendar.add_business_time(start, within or first_contact_within(lead, agreement))
    if kind == SlaClock.Kind.NEXT_ATTEMPT:
        if within is not None:
            return calendar.add_business_time(start, within)
        if policy.next_attempt_by == SlaPolicy.NextAttemptBy.NEXT_WORKING_DAY:
            return calendar.end_of_working_day_after(start, 1)
        return calendar.add_business_time(start, policy.next_attempt_within)
    if kind == SlaClock.Kind.FEEDBACK:
        return calendar.end_of_working_day_after(start, policy.feedback_within_working_days)
    return start  # NOT_REACHED: nothing left to wait for; the worker returns the lead to nurture


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
    """Start (or restart) the lead's one clock and mirror its deadline on the lead. Every
    deadline and reminder is counted in business time, and a deadline that falls at closing
    time is acted on at the next opening, so nobody is escalated at night or on Sunday.
    `within` replaces the agreement's or policy's time for a first contact or next attempt."""
    due_by = deadline(lead, kind=kind, policy=policy, calendar=calendar, start=start, agreement=agreement, within=within)
    remind_at = None
    if kind in (SlaClock.Kind.FIRST_CONTACT, SlaClock.Kind.NEXT_ATTEMPT):
        remind_at = _reminder(calendar, start, due_by, policy.at_risk_percent)
    runs_out_at = due_by if kind == SlaClock.Kind.NOT_REACHED else calendar.next_opening(due_by)
    if remind_at is not None:
        remind_at = calendar.next_opening(remind_at)
    warn_from = remind_at
    if remind_at is not None and remind_at >= runs_out_at:
        remind_at = None  # no working time left to warn in: the breach follows
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
            "warn_from": warn_from,
            "runs_out_at": runs_out_at,
        },
    )
    Lead.objects.filter(pk=lead.pk).update(respond_by=due_by)
    lead.respond_by = due_by
    return clock


def postpone_to_opening(clocks: list[SlaClock], *, field: str, now: datetime, calendar: BusinessCalendar) -> list[SlaClock]:
    """The clocks whose moment may be acted on now. While the business is closed (a clock set
    before deadlines were counted in business time, or a calendar changed since) the moment
    moves to the next opening instead."""
    if calendar.is_open(now):
        return clocks
    if clocks:
        SlaClock.objects.filter(pk__in=[c.pk for c in clocks]).update(**{field: calendar.next_opening(now)})
    return []


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


def clock_context(clock: SlaClock) -> dict:
    return {"clock": clock.kind, "due_by": clock.due_by.isoformat(), "policy": clock.policy_name}


def remind_owners(clocks: list[SlaClock], *, now: datetime, calendar: BusinessCalendar | None = None) -> int:
    """The "at risk" reminders: each owner still has a quarter of the time. Only in business
    hours; outside them the reminder waits for the next opening."""
    if not clocks:
        return 0
    calendar = calendar or HandoffSettings.load().calendar()
    clocks = postpone_to_opening(clocks, field="remind_at", now=now, calendar=calendar)
    messages = [
        (clock.lead.owner, Notification.Kind.AT_RISK, clock.lead, clock_context(clock))
        for clock in clocks
        # Past the deadline a reminder is too late: the breach follows.
        if clock.lead.stage in CLOCKED_STAGES and clock.lead.owner_id and now < clock.due_by
    ]
    queue_many(messages, now=now)
    return len(messages)


def return_unreached(lead: Lead, *, now: datetime) -> None:
    """The policy's attempts are used up without reaching anyone: back to nurture, with
    "not reached" as the verdict marketing learns from."""
    attempts = ContactAttempt.objects.filter(lead=lead).count()
    reason = message("sla.not_reached", n=attempts)
    with transaction.atomic():  # the move, the verdict and its rollups: all or nothing
        try:
            lead.move_to(Lead.Stage.NURTURE, rule=SLA_RULE, reason=reason, at=now)
        except IllegalTransition:
            pass  # already left sales' hands some other way
        else:
            Feedback.objects.create(
                lead=lead, given_at=now, disposition=Feedback.Disposition.NOT_REACHED
            )
            refresh_rollups(Lead.objects, [lead.pk])  # the review and the feedback per source count the verdict
        stop_clock(lead)


# --- saying a deadline in plain words (the SLA policy page) ---------------------------------


def _hours_and_minutes(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if minutes or not hours:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    return " ".join(parts)


def in_plain_words(duration: timedelta, calendar: BusinessCalendar) -> str:
    """ "24 business hours" as a person counts it: "2 working days and 7 hours (a working day
    here has 8 hours 30 minutes)"."""
    day = calendar.working_day_length()
    days, rest = divmod(duration, day)
    if not days:
        return _("%(time)s of working time") % {"time": _hours_and_minutes(duration)}
    said = ngettext("%(n)s working day", "%(n)s working days", days) % {"n": days}
    if rest:
        said = _("%(days)s and %(time)s") % {"days": said, "time": _hours_and_minutes(rest)}
    return _("%(said)s (a working day here has %(day)s)") % {"said": said, "day": _hours_and_minutes(day)}


def example_deadline(duration: timedelta, calendar: BusinessCalendar, *, now: datetime) -> tuple[datetime, datetime]:
    """(start, deadline) for a start on the coming Friday at 16:00, business time: the case
    that shows best that nights and weekends do not count."""
    today = now.astimezone(calendar.time_zone).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    start = datetime.combine(friday, time(16, 0), tzinfo=calendar.time_zone)
    return start, calendar.add_business_time(start, duration)


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
            refresh_rollups(Lead.objects, [lead.pk for lead in leads])  # the review's rollup reads both
        updated += len(leads)
        last_pk = leads[-1].pk
        if progress:
            progress(len(leads))
