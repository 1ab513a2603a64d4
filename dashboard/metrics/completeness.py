"""Data completeness per source: of a set of leads, how many had everything sales needs (the
rule in leads/completeness.py), and how often each part was missing, per channel or any other
breakdown dimension, with a totals row. One query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from dashboard.filters import Dimension
from dashboard.metrics.breakdowns import SMALL_SAMPLE, _grouping, _key_and_label
from dashboard.metrics.funnel import ratio
from leads.completeness import PARTS, Part, complete_q, present_q


@dataclass(frozen=True)
class CompletenessRow:
    key: str
    label: str
    leads: int
    complete: int
    missing: dict[str, int]  # part code → leads without it

    @property
    def complete_share(self) -> float | None:
        return ratio(self.complete, self.leads)

    @property
    def small_sample(self) -> bool:
        return self.leads < SMALL_SAMPLE

    @property
    def missing_parts(self) -> list[tuple[str, int, float | None]]:
        """(the part's label, leads without it, their share), in the rule's order."""
        return [(str(Part(code).label), n, ratio(n, self.leads)) for code, n in self.missing.items()]


@dataclass(frozen=True)
class Completeness:
    dimension: str
    rows: list[CompletenessRow]
    total: CompletenessRow


def completeness(leads: QuerySet, dimension: str = Dimension.CHANNEL) -> Completeness:
    """The completeness of `leads` (any lead queryset: a week's MQLs, a dashboard view) per
    value of `dimension`, worst first."""
    group, carried = _grouping(dimension)
    figures = {"n_leads": Count("pk"), "n_complete": Count("pk", filter=complete_q())}
    figures |= {f"missing_{part.value}": Count("pk", filter=~present_q(part)) for part in PARTS}
    rows = []
    for row in leads.order_by().values(**group).annotate(**carried, **figures):
        key, label = _key_and_label(dimension, row)
        rows.append(
            CompletenessRow(
                key=key,
                label=str(label),
                leads=row["n_leads"],
                complete=row["n_complete"],
                missing={part.value: row[f"missing_{part.value}"] for part in PARTS},
            )
        )
    rows.sort(key=lambda r: (r.complete_share if r.complete_share is not None else 1, -r.leads, r.label))
    total = CompletenessRow(
        key="",
        label=str(_("Total")),
        leads=sum(r.leads for r in rows),
        complete=sum(r.complete for r in rows),
        missing={part.value: sum(r.missing[part.value] for r in rows) for part in PARTS},
    )
    return Completeness(dimension=dimension, rows=rows, total=total)
