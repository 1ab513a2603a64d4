"""What a manager does from the weekly review, on the leads behind its figures: reassign with
a reason, nudge the owner, mark a lead discussed, agree an action for a later week (and mark
it done). Each is one named function, in one transaction, and leaves a `MeetingAct` row: who,
when, in the review of which week and team. Who may do what is leads.access's (the views
ask it); these functions trust their caller.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from common.business_time import business_time_zone
from common.people import person_name
from handoff import handover
from handoff.models import Assignment, Notification
from handoff.outbox import queue_notifications
from leads.models import Lead, Team
from review.models import ActionItem, MeetingAct
from review.weeks import IsoWeek


class ActRefused(Exception):
    """The act cannot be done (a lead without an owner to nudge): the message says why."""


def _log(kind: str, *, by, now: datetime, week: IsoWeek, team: Team | None, lead: Lead | None = None,
         action: ActionItem | None = None) -> MeetingAct:
    return MeetingAct.objects.create(
        kind=kind, by=by, at=now, on_day=now.astimezone(business_time_zone()).date(),
        week_starts_on=week.monday, team=team, lead=lead, action=action,
    )


def _once(kind: str, **fields) -> bool:
    """Log an act that a unique constraint allows once; False when it was already there."""
    try:
        with transaction.atomic():
            _log(kind, **fields)
    except IntegrityError:
        return False
    return True


def mark_discussed(lead: Lead, *, by, now: datetime, week: IsoWeek, team: Team | None) -> bool:
    """The lead was talked about in this week's review. False when it already was."""
    return _once(MeetingAct.Kind.DISCUSSED, by=by, now=now, week=week, team=team, lead=lead)


def nudge_owner(lead: Lead, *, by, now: datetime, week: IsoWeek, team: Team | None) -> bool:
    """Ask the lead's owner to follow it up: a message on their own channels, through the
    outbox. At most once per lead per business day (False when it was sent already today)."""
    if lead.owner_id is None:
        raise ActRefused("no owner")
    with transaction.atomic():
        if not _once(MeetingAct.Kind.NUDGED, by=by, now=now, week=week, team=team, lead=lead):
            return False
        context = {"by": person_name(by), "week": str(week)}
        if lead.respond_by:
            context["due_by"] = lead.respond_by.isoformat()
        queue_notifications(lead.owner, Notification.Kind.NUDGE, now=now, lead=lead, context=context)
    return True


def reassign(lead: Lead, *, to, reason: str, by, now: datetime, week: IsoWeek, team: Team | None) -> Assignment:
    """Give the lead to someone else (handoff.handover.reassign: the new owner is told why,
    the deadline stays), logged as done in the review."""
    with transaction.atomic():
        assignment = handover.reassign(lead, to=to, by=by, reason=reason, now=now)
        _log(MeetingAct.Kind.REASSIGNED, by=by, now=now, week=week, team=team, lead=lead)
    return assignment


def record_action(
    *, text: str, owner, due_week: IsoWeek, by, now: datetime, week: IsoWeek, team: Team | None,
    lead: Lead | None = None,
) -> ActionItem:
    """An action agreed in the review of `week`, shown on the later weeks' reviews until done."""
    with transaction.atomic():
        action = ActionItem.objects.create(
            text=text, owner=owner, team=team, lead=lead, raised_in=week.monday, due_week=due_week.monday,
            created_by=by, created_at=now,
        )
        _log(MeetingAct.Kind.ACTION_RECORDED, by=by, now=now, week=week, team=team, lead=lead, action=action)
    return action


def mark_done(action: ActionItem, *, by, now: datetime, week: IsoWeek) -> bool:
    """The action is done. The conditional update is the claim: of two clicks, one counts."""
    with transaction.atomic():
        if not ActionItem.objects.filter(pk=action.pk, done_at__isnull=True).update(done_at=now, done_by=by):
            return False
        action.done_at, action.done_by = now, by
        _log(MeetingAct.Kind.ACTION_DONE, by=by, now=now, week=week, team=action.team, lead=action.lead, action=action)
    return True
