"""The demo's life after the sale, its reassignments and its gaps: account events for the won
demo leads (first value, renewals, expansions, churn, each channel with its own habits), a
manager's reassignment of some routed leads, and leads that came without a phone number, so
the dashboard's after-sales and routing-quality tables and the review's completeness have
something to show. Deterministic for a seed; a second run adds nothing."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from demo.world import SOURCE
from handoff.models import Assignment
from leads.models import AccountEvent, ChurnReason, Lead, Team

# Per channel: (chance of churning in the first year, chance of expanding): referrals stay
# and grow, paid social churns more.
HABITS = {"referral": (0.05, 0.5), "event": (0.08, 0.4), "linkedin": (0.1, 0.35), "google_ads": (0.12, 0.3), "meta": (0.25, 0.15)}
USUAL = (0.12, 0.25)
REASSIGNED_SHARE = 0.2
# Forms that ask for little: how often their leads arrive without a phone number.
NO_PHONE = {"download": 0.4, "newsletter": 0.5, "webinar": 0.25, "social": 0.35}


def _events_of(lead: Lead, rng: random.Random, now: datetime) -> list[AccountEvent]:
    churn_chance, expansion_chance = HABITS.get(lead.channel, USUAL)
    won, value = lead.won_at, lead.deal_value or Decimal("10000")
    events = []

    def add(kind, after: timedelta, **fields):
        if won + after <= now:
            events.append(AccountEvent(lead=lead, kind=kind, occurred_at=won + after, source_system="demo", **fields))

    add(AccountEvent.Kind.FIRST_VALUE, timedelta(days=rng.uniform(5, 75)))
    churns = rng.random() < churn_chance
    churn_after = timedelta(days=rng.uniform(30, 240))
    if rng.random() < expansion_chance:
        add(AccountEvent.Kind.EXPANSION, timedelta(days=rng.uniform(45, 300)), value=(value * Decimal(rng.uniform(0.1, 0.4))).quantize(Decimal("1")))
    if churns:
        add(AccountEvent.Kind.CHURN, churn_after, churn_reason=rng.choice(ChurnReason.values))
    else:
        add(AccountEvent.Kind.RENEWAL, timedelta(days=365), value=value)
    return events


def record_demo_account_events(*, now: datetime, seed: int = 0) -> int:
    """Account events for every won demo lead that has none yet."""
    leads = (
        Lead.objects.filter(won_at__isnull=False, won_at__lte=now, account_events__isnull=True)
        .only("pk", "channel", "won_at", "deal_value")
        .order_by("pk")
    )
    events = [
        event for lead in leads.iterator(chunk_size=2000) for event in _events_of(lead, random.Random(f"{seed}-{lead.pk}"), now)
    ]
    with transaction.atomic():
        AccountEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def reassign_some_demo_leads(*, now: datetime, seed: int = 0) -> int:
    """About one in five routed demo leads handed by the team's manager to a teammate, hours
    or days later, with the manager's reason. Only leads routed once so far."""
    with translation.override(settings.LANGUAGE_CODE):
        reasons = [
            _("Speaks German: better with a German-speaking colleague"),
            _("Already knows this company"),
            _("Out sick this week"),
            _("Too many open leads: spreading the load"),
        ]
    routed_once = (
        Assignment.objects.filter(kind=Assignment.Kind.RULE, owner__isnull=False, team__isnull=False)
        .exclude(lead__assignments__kind=Assignment.Kind.REASSIGNED)
        .select_related("team")
        .order_by("pk")
    )
    members = {team.pk: sorted(m.pk for m in team.members.all()) for team in Team.objects.prefetch_related("members")}
    moves = []
    for first in routed_once:
        # One generator per lead: a second run picks the same leads, already reassigned then.
        rng = random.Random(f"{seed}-{first.lead_id}")
        if rng.random() >= REASSIGNED_SHARE:
            continue
        others = [pk for pk in members.get(first.team_id, []) if pk != first.owner_id]
        at = first.assigned_at + timedelta(hours=rng.uniform(1, 72))
        if not others or at > now:
            continue
        moves.append(
            Assignment(
                lead_id=first.lead_id, kind=Assignment.Kind.REASSIGNED, owner_id=rng.choice(others), team_id=first.team_id,
                reason=rng.choice(reasons), assigned_at=at, assigned_by_id=first.team.manager_id,
            )
        )
    with transaction.atomic():
        Assignment.objects.bulk_create(moves)
        for move in moves:
            Lead.objects.filter(pk=move.lead_id).update(owner_id=move.owner_id)
    return len(moves)


def leave_out_some_phone_numbers(*, seed: int = 0) -> int:
    """Blank the phone number of some leads from forms that do not ask for one (downloads,
    newsletters, webinars, social), as marketing's real forms deliver them."""
    blanked = [
        pk
        for pk, action in Lead.objects.filter(source_system=SOURCE, conversion_action__in=list(NO_PHONE))
        .exclude(phone="").values_list("pk", "conversion_action").order_by("pk").iterator(chunk_size=5000)
        if random.Random(f"{seed}-phone-{pk}").random() < NO_PHONE[action]
    ]
    for start in range(0, len(blanked), 5000):
        Lead.objects.filter(pk__in=blanked[start : start + 5000]).update(phone="")
    return len(blanked)
