"""Who sourced it: each source owner's share of the view's leads, of the pipeline they created
and of the revenue won. Marketing is judged on what marketing sourced, not on every lead."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

import dashboard.metrics.rolled_up as rolled_up
from dashboard.filters import Filters
from dashboard.metrics.funnel import CENTS, LEADS, S, _count, base_leads, counted, ratio
from leads.models import SourceOwner


@dataclass(frozen=True)
class SourcingRow:
    key: str  # a SourceOwner value
    label: str
    leads: int
    pipeline_value: Decimal  # the deal value of the leads that reached SQL: open, won or lost
    won_revenue: Decimal
    share_of_leads: float | None
    share_of_pipeline: float | None
    share_of_revenue: float | None


def sourcing(filters: Filters) -> list[SourcingRow]:
    """One row per source owner, in SourceOwner's order, those without leads too: one query,
    from the rollups where they hold the view. Leads, SQLs and deals won are counted as the
    funnel counts them (cohort or activity mode)."""
    found = rolled_up.sourcing_rows(filters)
    if found is None:
        rows = (
            base_leads(filters)
            .values("source_owner")
            .annotate(
                n_leads=_count(filters, LEADS),
                pipeline=Sum("deal_value", filter=counted(filters, S.SQL)),
                revenue=Sum("deal_value", filter=counted(filters, S.WON)),
            )
        )
        found = {
            row["source_owner"]: (row["n_leads"], row["pipeline"] or Decimal(0), row["revenue"] or Decimal(0))
            for row in rows
        }
    nothing = (0, Decimal(0), Decimal(0))
    total_leads = sum(leads for leads, _p, _r in found.values())
    total_pipeline = sum((pipeline for _l, pipeline, _r in found.values()), Decimal(0))
    total_revenue = sum((revenue for _l, _p, revenue in found.values()), Decimal(0))
    result = []
    for owner in SourceOwner:
        leads, pipeline, revenue = found.get(owner.value, nothing)
        result.append(
            SourcingRow(
                key=owner.value,
                label=str(owner.label),
                leads=leads,
                pipeline_value=pipeline.quantize(CENTS),
                won_revenue=revenue.quantize(CENTS),
                share_of_leads=ratio(leads, total_leads),
                share_of_pipeline=ratio(pipeline, total_pipeline),
                share_of_revenue=ratio(revenue, total_revenue),
            )
        )
    return result
