"""The outbox: messages to people, written in the transaction that causes them and sent by
the worker (`manage.py runworker`) once it has committed. A message that cannot be delivered
where it was sent is never just dropped: `reroute()` sends it to the person's e-mail, or
failing that tells the RevOps admins."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from common.people import person_name
from common.roles import Role
from handoff.models import Notification, NotificationChannel
from leads.models import Lead
from leads.rollups import refresh as refresh_rollups

# The messages that tell a lead's owner it is theirs: the two clocks' "owner told" moment.
TELLS_THE_OWNER = (Notification.Kind.ASSIGNED, Notification.Kind.REASSIGNED)


def queue_many(messages: list[tuple], *, now: datetime) -> list[Notification]:
    """Queue (user, kind, lead, context) messages: one row per channel the person wants this
    kind of message on; e-mail to their own address when they have no channel on, or when the
    channel that would carry it is switched off. The worker sends them once the transaction
    commits."""
    active: dict[int, list[NotificationChannel]] = defaultdict(list)
    switched_off: dict[int, list[NotificationChannel]] = defaultdict(list)
    for channel in NotificationChannel.objects.filter(user_id__in={m[0].pk for m in messages}):
        (active if channel.is_active else switched_off)[channel.user_id].append(channel)
    rows = []
    for user, kind, lead, context in messages:
        mine = active[user.pk]
        targets = [c for c in mine if c.wants(kind)]
        if not targets and (not mine or any(c.wants(kind) for c in switched_off[user.pk])):
            targets = [None]
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


def revops_admins():
    """Who hears of a message nobody else could receive: active RevOps admins (superusers
    included)."""
    return get_user_model().objects.filter(
        Q(groups__name=Role.REVOPS_ADMIN) | Q(is_superuser=True), is_active=True
    ).distinct().order_by("id")


def reroute(notification: Notification, *, error: str, now: datetime) -> list[Notification]:
    """The message failed for good on its channel. If that was Slack, Teams or a webhook, it
    goes to the person's own e-mail address; if that was e-mail (or they have no address), the
    RevOps admins are told who missed what. A test message is about its channel and is not
    rerouted; a message to the admins that fails on e-mail too is the end of the line."""
    K = Notification.Kind
    channel = notification.channel
    if notification.kind == K.TEST:
        return []
    recipient = notification.recipient
    on_email = channel is None or channel.kind == NotificationChannel.Kind.EMAIL
    if not on_email and recipient.email:
        copy = Notification.objects.create(
            kind=notification.kind, recipient=recipient, channel=None, lead=notification.lead,
            context={**notification.context, "rerouted_from": str(channel), "rerouted_because": error},
            rerouted_from=notification, next_attempt_at=now, created_at=now,
        )
        return [copy]
    if notification.kind == K.UNDELIVERED:
        return []
    context = {
        "notification": notification.pk,
        "for": person_name(recipient),
        "channel": str(channel) if channel else "",
        "error": error,
    }
    rows = queue_many(
        [(admin, K.UNDELIVERED, notification.lead, context) for admin in revops_admins().exclude(pk=recipient.pk)],
        now=now,
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(rerouted_from=notification)
    return rows


def mark_sent(notification: Notification, *, at: datetime) -> bool:
    """The worker delivered a claimed message: mark it sent (unless another worker's claim
    took it over) and, when it told the lead's owner, refresh the lead's rollups in the same
    transaction (the two clocks start or stop on it). Whether it was marked."""
    with transaction.atomic():
        marked = Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.SENT, sent_at=at, last_error=""
        )
        if marked and notification.lead_id and notification.kind in TELLS_THE_OWNER:
            refresh_rollups(Lead.objects, [notification.lead_id])
    return bool(marked)


def owner_told_at() -> Subquery:
    """On a lead query: when the lead's owner was first sent word of it (new or reassigned
    lead) at or after the handoff, its first MQL or later stamp. NULL: not (yet) sent, or no
    owner. Reads the partial index notification_owner_told."""
    after_handoff = Q()
    for stage in Lead.FUNNEL:
        # At or after the earliest stamp is at or after some stamp (a NULL stamp compares false).
        after_handoff |= Q(sent_at__gte=OuterRef(f"{stage}_at"))
    sent = Notification.objects.filter(
        after_handoff, lead=OuterRef("pk"), recipient=OuterRef("owner_id"), kind__in=TELLS_THE_OWNER, sent_at__isnull=False
    )
    return Subquery(sent.order_by("sent_at", "pk").values("sent_at")[:1])
