"""What the weekly review asks of each handed-over lead beyond its own fields, as expressions
on a lead query: the one definition the review's counts (review.metrics) and its rollup
(leads.rollups, named in leads/apps.py) both read, so they cannot drift apart."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef

from leads.completeness import complete_q
from leads.models import Feedback, Lead, StageChange

S = Lead.Stage


def rejections():
    """Sales sent the MQL back: to nurture or disqualified, by a person, straight from MQL."""
    return StageChange.objects.filter(
        from_stage=S.MQL, to_stage__in=[S.NURTURE, S.DISQUALIFIED], changed_by__isnull=False
    )


def has_feedback() -> Exists:
    return Exists(Feedback.objects.filter(lead=OuterRef("pk")))


def not_reached() -> Exists:
    """A "not reached" verdict among its feedback (the rep's or the SLA clock's)."""
    return Exists(Feedback.objects.filter(lead=OuterRef("pk"), disposition=Feedback.Disposition.NOT_REACHED))


def returned() -> Exists:
    """Moved from a sales stage back to nurture, by anyone."""
    return Exists(StageChange.objects.filter(lead=OuterRef("pk"), from_stage__in=Lead.SALES_STAGES, to_stage=S.NURTURE))


def rejected() -> Exists:
    return Exists(rejections().filter(lead=OuterRef("pk")))


def is_complete() -> ExpressionWrapper:
    return ExpressionWrapper(complete_q(), output_field=BooleanField())


# The facts leads.rollups reads for the review's rollup, by their RolledUpLead field.
FACTS = {
    "has_feedback": has_feedback, "not_reached": not_reached, "returned": returned,
    "rejected": rejected, "is_complete": is_complete,
}
