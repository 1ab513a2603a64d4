"""Review dates that work: when the active definition's review date arrives, the people who
signed it (marketing and the sales manager) hear so, once per review date, through the outbox.
The policy page shows "review due" and the admin's start page the overdue review."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from common.roles import Role, has_role
from handoff.models import Notification
from handoff.outbox import queue_many
from qualification.models import QualificationPolicy


def announce_due_review(*, now: datetime) -> int:
    """Tell the active version's signers that its review date has come; returns how many
    messages were queued. The policy row's `review_announced_for` is the claim: of several
    workers one announces, and a new review date is announced again when it comes."""
    today = timezone.localdate(now)
    due = QualificationPolicy.objects.filter(status=QualificationPolicy.Status.ACTIVE, review_by__lte=today).filter(
        Q(review_announced_for__isnull=True) | ~Q(review_announced_for=F("review_by"))
    )
    policy = due.first()
    if policy is None:
        return 0
    with transaction.atomic():
        if not due.filter(pk=policy.pk).update(review_announced_for=F("review_by")):
            return 0  # another worker announced it a moment ago
        url = settings.SITE_URL.rstrip("/") + reverse("qualification:detail", args=[policy.version])
        context = {"version": policy.version, "review_by": policy.review_by.isoformat(), "url": url}
        signers = {user.pk: user for user in policy.signers() if user.is_active}
        messages = [(user, Notification.Kind.POLICY_REVIEW, None, context) for user in signers.values()]
        return len(queue_many(messages, now=now)) if messages else 0


def review_to_flag(user, *, today: date) -> QualificationPolicy | None:
    """For the RevOps admin's start page: the active version when its review is due."""
    if not has_role(user, Role.REVOPS_ADMIN):
        return None
    policy = QualificationPolicy.objects.active()
    return policy if policy and policy.review_due(today=today) else None
