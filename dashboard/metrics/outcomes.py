"""Why deals were lost: the lost leads of a view per lost reason, with their deals' value."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

import dashboard.metrics.rolled_up as rolled_up
from dashboard.filters import Filters
from dashboard.metrics.funnel import CENTS, base_leads, lost_q
from leads.models import LostReason

NO_REASON = _("(no reason given)")


@dataclass(frozen=True)
class LostReasonRow:
    key: str  # a LostReason value; "" when sales gave none
    label: str
    count: int
    value: Decimal  # the lost deals' value, where one was known

    @property
    def valued(self) -> bool:
        return self.value > 0


def lost_reason_label(key: str) -> str:
    return str(LostReason(key).label) if key in LostReason.values else str(NO_REASON)


def lost_reasons(filters: Filters) -> list[LostReasonRow]:
    """The leads the outcomes count as lost, per reason: one query, from the rollups where
    they hold the view. The counts add up to the outcomes' lost; most frequent reason first."""
    rows = rolled_up.lost_reason_rows(filters)
    if rows is None:
        rows = (
            base_leads(filters)
            .filter(lost_q(filters))
            .values("lost_reason")
            .annotate(n=Count("pk"), value=Sum("deal_value"))
        )
    result = [
        LostReasonRow(
            key=row["lost_reason"],
            label=lost_reason_label(row["lost_reason"]),
            count=row["n"],
            value=(row["value"] or Decimal(0)).quantize(CENTS),
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: (-r.count, -r.value, r.label))
