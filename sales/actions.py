"""What sales does with a lead: accept or reject it, log contact attempts and give feedback
(or record an attempt and its verdict in one go: `record_outcome`).

One function per action, each taking the lead first (`accept(lead, by=…)`). Each runs in one
transaction, refuses to act when the lead changed since the person loaded it (`seen_version`),
bumps `Lead.version` and writes its history: stage moves through
`move_to` (StageChange), other field changes as `LeadChange` rows, plus the attempt or
feedback row itself.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.messages import choice, message, split
from handoff import clocks
from leads.models import ContactAttempt, Feedback, Lead, LostReason, SourceOwner, StageChange
from leads.models.lead import loggable
from leads.rollups import refresh as refresh_rollups
from sales.texts import reason_with_note

# Verdicts only a conversation gives: saved without a logged attempt, they are the first contact.
CONVERSATION_DISPOSITIONS = (
    Feedback.Disposition.BECAME_SQL,
    Feedback.Disposition.NO_FIT,
    Feedback.Disposition.NO_URGENCY,
    Feedback.Disposition.WRONG_CONTACT,
)


class LeadChanged(Exception):
    """The lead changed after the person acting on it loaded it: acting now could contradict
    what someone else just did, so nothing is changed and they look again."""


class ActionRefused(Exception):
    """An action that does not fit the lead as it is now, e.g. accepting a lead that is no
    longer an MQL. The message is meant for the person who tried."""


def accept(lead: Lead, *, by, seen_version: int | None = None, at: datetime | None = None) -> StageChange:
    """Sales takes the MQL on: MQL → SAL."""
    at = at or timezone.now()
    with transaction.atomic():
        _lock(lead, seen_version)
        if lead.stage != Lead.Stage.MQL:
            raise ActionRefused(_refusal(lead, _("Only an MQL can be accepted.")))
        return lead.move_to(Lead.Stage.SAL, by=by, at=at)

def reject(
    lead: Lead, *, by, reason: str | dict, seen_version: int | None = None, at: datetime | None = None
) -> StageChange:
    """Sales sends the MQL back to marketing (→ nurture), saying why: in their own words, or
    the workspace's chosen reason (a message, sales/texts.py)."""
    if not reason or (isinstance(reason, str) and not reason.strip()):
        raise ValueError("A rejection needs a reason.")
    at = at or timezone.now()
    with transaction.atomic():
        _lock(lead, seen_version)
        if lead.stage != Lead.Stage.MQL:
            raise ActionRefused(_refusal(lead, _("Only an MQL can be rejected.")))
        return lead.move_to(Lead.Stage.NURTURE, by=by, reason=reason.strip() if isinstance(reason, str) else reason, at=at)

def mark_lost(
    lead: Lead,
    *,
    by,
    reason: str,
    note: str = "",
    seen_version: int | None = None,
    at: datetime | None = None,
) -> StageChange:
    """Sales closes the deal as lost (from SQL or opportunity), saying why: the lead's
    `lost_reason` holds the code the dashboard counts, the stage history the reason in words."""
    if reason not in LostReason.values:
        raise ValueError(f"Unknown lost reason {reason!r}.")
    if reason == LostReason.OTHER and not note.strip():
        raise ValueError("The other reason needs a note.")
    at = at or timezone.now()
    text = reason_with_note("lost_reason", reason, note)
    with transaction.atomic():
        _lock(lead, seen_version)
        if lead.stage not in (Lead.Stage.SQL, Lead.Stage.OPPORTUNITY):
            raise ActionRefused(_refusal(lead, _("Only an SQL or opportunity can be lost.")))
        change = lead.move_to(Lead.Stage.LOST, by=by, reason=text, at=at)
        Lead.objects.filter(pk=lead.pk).update(lost_reason=reason)
        refresh_rollups(Lead.objects, [lead.pk])  # the lost reasons are rolled up
        lead.lost_reason = reason
        clocks.stop_clock(lead)
    return change

def set_source_owner(
    lead: Lead, *, by, source_owner: str, seen_version: int | None = None, at: datetime | None = None
) -> None:
    """Say who sourced the lead (marketing, sales' own prospecting, a partner, a referral),
    logged in its change log like every other change."""
    if source_owner not in SourceOwner.values:
        raise ValueError(f"Unknown source owner {source_owner!r}.")
    at = at or timezone.now()
    with transaction.atomic():
        _lock(lead, seen_version)
        lead.source_owner = Lead.objects.values_list("source_owner", flat=True).get(pk=lead.pk)
        _change(lead, by=by, at=at, source_owner=source_owner)

def log_attempt(
    lead: Lead,
    *,
    by,
    channel: str,
    outcome: str,
    note: str = "",
    seen_version: int | None = None,
    at: datetime | None = None,
) -> ContactAttempt:
    """Record a call, e-mail or LinkedIn message, and keep the lead's first-attempt time
    and attempt count (the metrics read those) up to date. The one place attempts are
    logged, so whatever must happen on every attempt belongs here."""
    if channel not in ContactAttempt.Channel.values:
        raise ValueError(f"Unknown channel {channel!r}.")
    if outcome not in ContactAttempt.Outcome.values:
        raise ValueError(f"Unknown outcome {outcome!r}.")
    at = at or timezone.now()
    with transaction.atomic():
        _lock(lead, seen_version)
        _refuse_unless_with_sales(lead)
        return _record_attempt(lead, by=by, channel=channel, outcome=outcome, note=note, at=at)


def _record_attempt(
    lead: Lead, *, by, channel: str, outcome: str, note: str | dict, at: datetime, bump_version: bool = True
) -> ContactAttempt:
    """The attempt, the lead's first-attempt time and count, and the clock; after `_lock`.
    Inside another action (`bump_version=False`) that action's own change bumps the version."""
    note, note_message = split(note)
    attempt = ContactAttempt.objects.create(
        lead=lead, made_by=by, made_at=at, channel=channel, outcome=outcome, note=note, note_message=note_message
    )
    first_attempt_at = min(filter(None, [lead.first_attempt_at, at]))
    if first_attempt_at != lead.first_attempt_at:
        # A figure derived from the first attempt (for the weekly review), not a change
        # anyone made: stored beside the history, not in it.
        seconds = clocks.business_seconds_to_first_contact(lead, first_attempt_at)
        Lead.objects.filter(pk=lead.pk).update(first_contact_business_seconds=seconds)
        lead.first_contact_business_seconds = seconds
    _change(
        lead,
        by=by,
        at=at,
        bump_version=bump_version,
        attempt_count=lead.attempt_count + 1,
        first_attempt_at=first_attempt_at,
    )

    # Any attempt stops the first-contact clock and starts the next one.
    clocks.contact_attempt_logged(lead, attempt, now=at)
    return attempt

def give_feedback(
    lead: Lead,
    feedback: Feedback,
    *,
    by,
    seen_version: int | None = None,
    at: datetime | None = None,
) -> Feedback:
    """Store sales' verdict (an unsaved `Feedback`) and apply its disposition:
    became SQL → SQL; no fit → disqualified; no urgency → nurture; not reached → an
    attempt, and back to nurture at the attempt limit; wrong contact → stays with sales.
    A verdict that implies a conversation is also the first contact when none was logged.
    """
    at = at or timezone.now()
    feedback.lead, feedback.given_by, feedback.given_at = lead, by, at
    feedback.full_clean()
    reason = feedback.summary()
    D = Feedback.Disposition
    with transaction.atomic():
        _lock(lead, seen_version)
        _refuse_unless_with_sales(lead)
        # "Not reached" is itself an attempt, unless the rep logged the attempt that
        # failed since their last feedback: one failed call must not count twice.
        reported_attempt_logged = (
            feedback.disposition == D.NOT_REACHED
            and lead.contact_attempts.filter(made_at__gt=_last_feedback_at(lead)).exists()
        )
        feedback.save()
        if feedback.disposition in CONVERSATION_DISPOSITIONS and lead.first_attempt_at is None:
            # The verdict came out of a conversation nobody logged: it was the first contact,
            # or the lead would count as never contacted.
            _record_attempt(
                lead, by=by, channel=ContactAttempt.Channel.CALL, outcome=ContactAttempt.Outcome.SPOKE,
                note=message("sales.logged_with_feedback", disposition=choice("disposition", feedback.disposition)),
                at=at, bump_version=False,
            )
        if feedback.disposition == D.BECAME_SQL:
            if lead.stage != Lead.Stage.SQL:
                lead.move_to(Lead.Stage.SQL, by=by, reason=reason, at=at)
            else:
                _change(lead, by=by, at=at)
        elif feedback.disposition == D.NO_FIT:
            lead.move_to(Lead.Stage.DISQUALIFIED, by=by, reason=reason, at=at)
        elif feedback.disposition == D.NO_URGENCY:
            lead.move_to(Lead.Stage.NURTURE, by=by, reason=reason, at=at)
        elif feedback.disposition == D.NOT_REACHED:
            if not reported_attempt_logged:
                log_attempt(
                    lead,
                    by=by,
                    channel=ContactAttempt.Channel.CALL,
                    outcome=ContactAttempt.Outcome.NO_ANSWER,
                    at=at,
                )
            attempts = lead.contact_attempts.filter(made_at__gte=handed_to_sales_at(lead))
            if attempts.count() >= clocks.attempt_limit():
                reason = message("sales.not_reached", count=attempts.count())
                lead.move_to(Lead.Stage.NURTURE, by=by, reason=reason, at=at)
        else:  # wrong contact person: stays with sales, who now know whom to ask for
            _change(lead, by=by, at=at)
        refresh_rollups(Lead.objects, [lead.pk])  # the review counts the feedback given
        # A verdict ends the clock, except "not reached" while attempts are left: then
        # the next-attempt clock that the attempt started keeps running.
        if feedback.disposition != D.NOT_REACHED or lead.stage not in Lead.SALES_STAGES:
            clocks.feedback_given(lead)
        refresh_rollups(Lead.objects, [lead.pk])  # the feedback per source is rolled up
    return feedback

def record_outcome(
    lead: Lead,
    *,
    by,
    channel: str,
    outcome: str,
    note: str = "",
    feedback: Feedback | None = None,
    seen_version: int | None = None,
    at: datetime | None = None,
) -> ContactAttempt:
    """What came of reaching out, in one save: the attempt and, after a conversation
    (`outcome` spoke), its verdict (an unsaved `Feedback`), applied as `give_feedback` does.
    The first attempt on an MQL accepts it. All of it is stored, or none of it."""
    if channel not in ContactAttempt.Channel.values:
        raise ValueError(f"Unknown channel {channel!r}.")
    if outcome not in ContactAttempt.Outcome.values:
        raise ValueError(f"Unknown outcome {outcome!r}.")
    spoke = outcome == ContactAttempt.Outcome.SPOKE
    if spoke != (feedback is not None):
        raise ValueError("A conversation, and only a conversation, comes with a verdict.")
    if feedback is not None and feedback.disposition not in CONVERSATION_DISPOSITIONS:
        raise ValueError(f"{feedback.disposition!r} is not a verdict a conversation gives.")
    at = at or timezone.now()
    if feedback is not None:
        # Checked before anything is written: a verdict that is incomplete stores no attempt.
        feedback.lead, feedback.given_by, feedback.given_at = lead, by, at
        feedback.full_clean()
    with transaction.atomic():
        _lock(lead, seen_version)
        if lead.stage == Lead.Stage.MQL:
            lead.move_to(Lead.Stage.SAL, by=by, at=at)
        _refuse_unless_with_sales(lead)
        attempt = _record_attempt(lead, by=by, channel=channel, outcome=outcome, note=note, at=at)
        if feedback is not None:
            # Same transaction, row already locked: the version was checked above.
            give_feedback(lead, feedback, by=by, at=at)
    return attempt


def _lock(lead: Lead, seen_version: int | None) -> None:
    """Lock the row, refuse if it moved on since `seen_version`, and refresh what the
    actions judge on from the stored row."""
    current = (
        Lead.objects.select_for_update()
        .only("stage", "version", "attempt_count", "first_attempt_at")
        .get(pk=lead.pk)
    )
    if seen_version is not None and current.version != seen_version:
        raise LeadChanged(lead.pk)
    lead.stage, lead.version = current.stage, current.version
    lead.attempt_count, lead.first_attempt_at = current.attempt_count, current.first_attempt_at

def _refuse_unless_with_sales(lead: Lead) -> None:
    if lead.stage not in Lead.SALES_STAGES:
        raise ActionRefused(_refusal(lead, _("Sales can only act on an MQL, SAL or SQL.")))

def _refusal(lead: Lead, rule: str) -> str:
    return _("%(rule)s This lead is %(stage)s.") % {
        "rule": rule,
        "stage": Lead.Stage(lead.stage).label,
    }

def handed_to_sales_at(lead: Lead) -> datetime:
    """When this round with sales began: a recycled lead starts counting attempts anew."""
    arrival = (
        lead.stage_changes.filter(to_stage__in=Lead.SALES_STAGES)
        .exclude(from_stage__in=Lead.SALES_STAGES)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )
    return arrival or lead.created_at

def _last_feedback_at(lead: Lead) -> datetime:
    last = lead.feedback.order_by("-given_at").values_list("given_at", flat=True).first()
    return max(filter(None, [last, handed_to_sales_at(lead)]))

def _change(lead: Lead, *, by, at: datetime, bump_version: bool = True, **fields) -> None:
    """Save `fields`, bump the version and log each field's value before and after.
    Called inside an action's transaction, after `_lock`."""
    changes = {
        name: [loggable(getattr(lead, name)), loggable(value)]
        for name, value in fields.items()
        if getattr(lead, name) != value
    }
    if bump_version:
        fields_and_version = {**fields, "version": F("version") + 1}
        lead.version += 1
    else:
        fields_and_version = fields
    Lead.objects.filter(pk=lead.pk).update(**fields_and_version, updated_at=timezone.now())
    refresh_rollups(Lead.objects, [lead.pk])
    for name, value in fields.items():
        setattr(lead, name, value)
    if changes:
        lead.changes.create(changed_at=at, changed_by=by, changes=changes)
