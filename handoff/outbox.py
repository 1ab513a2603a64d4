"""The outbox: messages to people, written in the transaction that causes them and sent by
the worker (`manage.py runworker`) once it has committed."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from handoff.models import Notification, NotificationChannel
from leads.models import Lead


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
