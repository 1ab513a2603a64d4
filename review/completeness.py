"""Marketing's side of the agreement on the weekly review: how complete the week's MQLs were,
per channel, against the agreement's target (`Agreement.complete_percent`). One query."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.metrics import Completeness, CompletenessRow, completeness
from handoff.models import Agreement
from leads.completeness import PARTS
from review.metrics import handed_over_between
from review.targets import Judged
from review.weeks import IsoWeek


def week_completeness(*, week: IsoWeek, team_id: int | None) -> Completeness:
    return completeness(handed_over_between(week.start_at, week.end_at, team_id=team_id))


@dataclass(frozen=True)
class JudgedCompleteness:
    rows: list[tuple[CompletenessRow, Judged]]  # each channel's, worst first
    total: tuple[CompletenessRow, Judged]
    parts: list[str]  # the parts' labels, in the rule's order


def judged_shares(figures: Completeness, agreement: Agreement) -> JudgedCompleteness:
    """Each channel's share (and the totals') judged against the agreement's target."""
    margin = agreement.amber_margin_percent / 100
    target = agreement.complete_percent / 100

    def judged(row: CompletenessRow) -> tuple[CompletenessRow, Judged]:
        return row, Judged.of(row.complete_share, target, higher_is_better=True, margin=margin)

    return JudgedCompleteness(
        rows=[judged(row) for row in figures.rows], total=judged(figures.total), parts=[str(p.label) for p in PARTS]
    )
