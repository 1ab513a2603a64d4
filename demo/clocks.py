"""The demo's open leads handed over as Handoff would have handed them over."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max

from common.messages import joined, message
from common.people import person_name
from handoff.clocks import contact_attempt_logged, policy_for, set_clock
from handoff.models import Assignment, HandoffSettings, RoutingRule, SlaClock
from leads.models import ContactAttempt, Lead, StageChange


def start_demo_clocks(*, now: datetime) -> int:
    """Hand the demo's open MQL and SAL leads over as Handoff would have: the assignment
    record of the rule that fits them, and the SLA clock their story left running — the first
    contact from their handoff, moved on by their latest contact attempt as
    `contact_attempt_logged()` moves it (a lead reached yesterday waits for feedback, not for
    a call). Many run late, as in real teams, so the queue and the SLA pages show live data.
    Leads that already have a clock keep it."""
    calendar = HandoffSettings.load().calendar()
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
            if attempt is not None and attempt.made_at >= handed_over_at:
                contact_attempt_logged(lead, attempt, now=attempt.made_at)
        Assignment.objects.bulk_create(assignments)
    return len(assignments)
