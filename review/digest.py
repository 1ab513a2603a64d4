"""The weekly digest: the review's summary by e-mail, Slack or Teams, once per ISO week.

Queued as notifications (the outbox `runworker` sends from, with its retries and each
person's channels) to everyone who reads the review for the whole company: sales managers,
marketing and RevOps admins. The week's `WeeklyDigest` row is the claim: it is inserted in
the transaction that queues the messages, and its unique week refuses a second run, also one
racing in another process.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from common.business_time import business_time_zone
from common.roles import Role
from dashboard import formatting
from handoff.models import HandoffSettings, Notification, current_agreement, language_of
from handoff.outbox import queue_many
from review import metrics
from review.models import WeeklyDigest
from review.weeks import IsoWeek

# The worker sends the digest from this hour on Monday (business time zone).
SEND_FROM_HOUR = 7
RECIPIENT_ROLES = (Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS_ADMIN)


def _verdict(judged) -> str:
    return f" ({judged.status.label})" if judged.status else ""


def summary(review: metrics.Review) -> tuple[str, list[tuple[str, str]]]:
    """The subject and the key figures, each with its verdict, in the current language."""
    t, j = review.total, review.judged
    subject = _("Weekly review, week %(week)s: %(mqls)s MQLs") % {"week": review.week.week, "mqls": t.mqls}
    facts = [
        (_("MQLs delivered"), f"{t.mqls} / {formatting.decimal(j['delivered'].target, 0)}{_verdict(j['delivered'])}"),
        (_("Accepted by sales"), formatting.percent(t.accepted_share) + _verdict(j["accepted"])),
        (_("Complete data"), formatting.percent(t.complete_share) + _verdict(j["complete"])),
        (_("Contacted within the SLA"), formatting.percent(t.within_sla_share) + _verdict(j["within_sla"])),
        (_("Median time to first contact"), formatting.business_hours(t.median_seconds) + _verdict(j["median"])),
        (_("Feedback given"), formatting.percent(t.feedback_share) + _verdict(j["feedback"])),
        (_("MQL → SQL"), formatting.percent(t.mql_to_sql) + _verdict(j["mql_to_sql"])),
        (_("To discuss"), _("%(breaches)s missed deadlines, %(open)s leads without feedback") % {
            "breaches": review.missed_count, "open": review.no_feedback_count,
        }),
    ]
    return subject, facts


def recipients():
    return (
        get_user_model().objects.filter(is_active=True, groups__name__in=RECIPIENT_ROLES)
        .distinct().order_by("pk")
    )


def send_weekly_review(*, now: datetime, week: IsoWeek | None = None) -> WeeklyDigest | None:
    """Queue the digest of `week` (default: the last complete one). None when it was already
    sent (or is being sent by another run)."""
    week = week or IsoWeek.last_complete(now)
    data = metrics.review(
        week=week, team_id=None, now=now, agreement=current_agreement(), calendar=HandoffSettings.load().calendar()
    )
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('review:weekly')}?week={week}&team="
    people = list(recipients())
    reads_in = {person.pk: language_of(person) for person in people}
    contexts = {}  # the summary once per language: each recipient gets it in their own
    for language in set(reads_in.values()):
        with translation.override(language):
            subject, facts = summary(data)
        contexts[language] = {"week": str(week), "subject": subject, "facts": facts, "url": url}
    try:
        with transaction.atomic():
            digest = WeeklyDigest.objects.create(week_starts_on=week.monday, sent_at=now, recipients=len(people))
            queue_many(
                [(person, Notification.Kind.WEEKLY_REVIEW, None, contexts[reads_in[person.pk]]) for person in people],
                now=now,
            )
    except IntegrityError:
        return None
    return digest


def is_due(now: datetime) -> bool:
    """From Monday SEND_FROM_HOUR on; a later day of the week catches up a missed Monday."""
    local = now.astimezone(business_time_zone())
    return local.weekday() > 0 or local.hour >= SEND_FROM_HOUR


def send_if_due(now: datetime) -> bool:
    """The worker's step: send last week's digest once Monday morning has come."""
    week = IsoWeek.last_complete(now)
    if not is_due(now) or WeeklyDigest.objects.filter(week_starts_on=week.monday).exists():
        return False
    return send_weekly_review(now=now, week=week) is not None
