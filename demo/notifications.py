"""The demo's "new lead" messages: when each owner was told of their lead, so the dashboard's
and the review's two clocks (system delay, rep delay) have something to measure."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction

from handoff.models import Notification
from leads.models import Lead

HANDOFF_STAMPS = [f"{stage}_at" for stage in Lead.FUNNEL]


def message_delay(rng: random.Random) -> timedelta:
    """Mostly within minutes; sometimes the lead waited for an owner to come back, now and
    then overnight (the system's share of a slow response)."""
    roll = rng.random()
    if roll < 0.8:
        return timedelta(seconds=rng.uniform(20, 240))
    if roll < 0.95:
        return timedelta(minutes=rng.uniform(10, 120))
    return timedelta(hours=rng.uniform(8, 30))


def send_demo_notifications(*, now: datetime, seed: int = 0) -> int:
    """One sent "new lead" message per demo lead with an owner, after its first handoff (the
    first MQL, or the later stage it skipped to). Leads that already have one are left alone."""
    told = Notification.objects.filter(kind=Notification.Kind.ASSIGNED).values("lead_id")
    leads = (
        Lead.objects.filter(owner__isnull=False)
        .exclude(pk__in=told)
        .only("pk", "owner_id", "first_contact_by", *HANDOFF_STAMPS)
        .order_by("pk")
    )
    rng = random.Random(seed)
    messages = []
    for lead in leads.iterator(chunk_size=2000):
        stamps = [getattr(lead, name) for name in HANDOFF_STAMPS if getattr(lead, name)]
        if not stamps:
            continue
        sent_at = min(stamps) + message_delay(rng)
        if sent_at > now:
            continue
        messages.append(
            Notification(
                kind=Notification.Kind.ASSIGNED,
                recipient_id=lead.owner_id,
                lead=lead,
                context={"reason": "", "policy": "", "due_by": (lead.first_contact_by or sent_at).isoformat()},
                status=Notification.Status.SENT,
                attempts=1,
                created_at=min(stamps),
                claimed_at=sent_at,
                sent_at=sent_at,
            )
        )
    with transaction.atomic():
        Notification.objects.bulk_create(messages, batch_size=2000)
    return len(messages)
