"""The last leads marketing delivered, with what became of each: the joint review the
articles start with ("take the last 20 leads: which were called, which not, why, which were
good?").

Delivered: handed to sales, i.e. reached MQL (or a later stage it skipped to); the latest
first. Per lead: when it arrived and was handed over, when and how often sales tried to reach
it, what sales said (the attempts' notes, the feedback's comments and explanations), the
quality verdict (the latest feedback's) and the reason (no fit, sent back, lost). Four
queries, whatever the number of leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from dashboard.metrics import reached
from leads.completeness import Part, missing
from leads.models import ContactAttempt, Feedback, Lead, StageChange

S = Lead.Stage
CHOICES = (10, 20, 50, 100)
DEFAULT = 20


@dataclass(frozen=True)
class Said:
    at: datetime
    who: str
    text: str


@dataclass(frozen=True)
class DeliveredLead:
    lead: Lead
    handed_over_at: datetime
    said: list[Said]  # oldest first
    verdict: Feedback | None  # the latest feedback
    reasons: list[str]
    missing: list[Part]

    @property
    def missing_labels(self) -> list[str]:
        return [str(part.label) for part in self.missing]

    @property
    def contacted(self) -> bool:
        return self.lead.first_attempt_at is not None


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def delivered_leads(leads: QuerySet[Lead], *, count: int = DEFAULT) -> list[DeliveredLead]:
    """The last `count` leads of `leads` (the ones the reader may see) handed to sales."""
    attempts = ContactAttempt.objects.select_related("made_by").order_by("made_at", "pk")
    feedback = Feedback.objects.select_related("given_by").order_by("given_at", "pk")
    sent_back = StageChange.objects.filter(
        from_stage__in=Lead.SALES_STAGES, to_stage__in=[S.NURTURE, S.DISQUALIFIED], changed_by__isnull=False
    ).order_by("changed_at", "pk")
    found = (
        leads.annotate(handed_over=reached(S.MQL))
        .filter(handed_over__isnull=False)
        .select_related("company", "owner", "team")
        .prefetch_related(
            Prefetch("contact_attempts", queryset=attempts),
            Prefetch("feedback", queryset=feedback),
            Prefetch("stage_changes", queryset=sent_back, to_attr="sent_back"),
        )
        .order_by("-handed_over", "-pk")[:count]
    )
    return [_delivered(lead) for lead in found]


def _delivered(lead: Lead) -> DeliveredLead:
    said = [
        Said(a.made_at, _name(a.made_by), a.get_note_display().strip())
        for a in lead.contact_attempts.all() if a.note.strip() or a.note_message
    ]
    verdicts = list(lead.feedback.all())
    for f in verdicts:
        for text in (f.quality_comment, f.reason_text):
            if text.strip():
                said.append(Said(f.given_at, _name(f.given_by), text.strip()))
    said.sort(key=lambda s: s.at)
    reasons = []
    for f in verdicts:
        if f.no_fit_reason:
            reasons.append(f"{f.get_disposition_display()}: {f.get_no_fit_reason_display()}")
        elif f.disposition != Feedback.Disposition.BECAME_SQL:
            reasons.append(str(f.get_disposition_display()))
    reasons += [change.reason.strip() for change in lead.sent_back if change.reason.strip()]
    if lead.lost_reason:
        reasons.append(str(lead.get_lost_reason_display()))
    return DeliveredLead(
        lead=lead,
        handed_over_at=lead.handed_over,
        said=said,
        verdict=verdicts[-1] if verdicts else None,
        reasons=list(dict.fromkeys(reasons)),
        missing=missing(lead),
    )
