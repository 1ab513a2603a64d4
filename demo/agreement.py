"""The demo's agreement between marketing and sales: targets real teams sign, not the
published defaults' 100 % (every lead contacted in time, feedback on every lead), which no
team meets and which would paint the same tiles red every week. With these a demo week shows
green, amber and red side by side."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from handoff.models import Agreement, current_agreement

NOTES = "The demo's agreement: 90 % contacted in time, feedback on 80 %, 95 % complete data."
TARGETS = {
    "within_sla_percent": 90,
    "feedback_percent": 80,
    "complete_percent": 95,
    "accepted_percent": 80,
    "mql_to_sql_percent": 30,
}


def agree_demo_targets(*, now: datetime) -> Agreement | None:
    """Activate the demo's agreement (the review judges every week shown against the active
    one), once: a second run, or an installation where the demo's agreement was replaced
    since, keeps what it has. Returns the new agreement."""
    if Agreement.objects.filter(notes=NOTES).exists():
        return None
    with transaction.atomic():
        active = current_agreement()
        draft = active.copy_as_draft(by=None) if active.pk else Agreement(version=1)
        for name, value in TARGETS.items():
            setattr(draft, name, value)
        draft.notes = NOTES
        draft.created_at = now
        draft.save()
        draft.activate(now=now)
    return draft
