"""What a campaign cost per result: for the campaigns with a budget, the budget per lead, MQL,
SQL and deal won among the view's leads linked to it, and the revenue won per unit spent.

The budget is the whole campaign's, so the figures mean most in a view that covers the
campaign's leads (a period from its start until their deals had time to close)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Sum

import dashboard.metrics.rolled_up as rolled_up
from dashboard.filters import Filters
from dashboard.metrics.funnel import CENTS, LEADS, S, _count, base_leads, counted, ratio
from leads.models import Campaign


@dataclass(frozen=True)
class CampaignCost:
    key: str  # the campaign's id
    name: str
    budget: Decimal
    leads: int
    mqls: int  # reached MQL or later, as the funnel counts
    sqls: int
    won: int
    revenue: Decimal

    @property
    def cost_per_lead(self) -> float | None:
        return ratio(self.budget, self.leads)

    @property
    def cost_per_mql(self) -> float | None:
        return ratio(self.budget, self.mqls)

    @property
    def cost_per_sql(self) -> float | None:
        return ratio(self.budget, self.sqls)

    @property
    def cost_per_won(self) -> float | None:
        return ratio(self.budget, self.won)

    @property
    def return_on_spend(self) -> float | None:
        """Revenue won per unit of budget: 3.0 is three euros back for every euro spent."""
        return ratio(self.revenue, self.budget)


def campaign_costs(filters: Filters) -> list[CampaignCost]:
    """The campaigns with a budget that have leads in the view, by name: from the rollups
    where they hold the view (two queries: the counts, the campaigns), else one query."""
    rows = _rolled_up_rows(filters)
    if rows is None:
        rows = _rows_from_leads(filters)
    result = [
        CampaignCost(
            key=str(row["linked_campaign_id"]),
            name=row["name"],
            budget=row["budget"].quantize(CENTS),
            leads=row["n_leads"],
            mqls=row["n_mqls"],
            sqls=row["n_sqls"],
            won=row["n_won"],
            revenue=(row["revenue"] or Decimal(0)).quantize(CENTS),
        )
        for row in rows
    ]
    # Activity mode also finds leads that only moved between stages not counted here.
    result = [r for r in result if r.leads or r.mqls or r.sqls or r.won]
    return sorted(result, key=lambda r: (r.name.lower(), r.key))


def _rolled_up_rows(filters: Filters) -> list[dict] | None:
    counts = rolled_up.campaign_cost_rows(filters)
    if counts is None:
        return None
    # Every campaign with a budget (a short list), so the number of queries never depends on the counts.
    with_budget = Campaign.objects.order_by().filter(budget__isnull=False).values_list("pk", "name", "budget")
    return [
        {"linked_campaign_id": pk, "name": name, "budget": budget, **counts[pk]}
        for pk, name, budget in with_budget
        if pk in counts
    ]


def _rows_from_leads(filters: Filters):
    return (
        base_leads(filters)
        .filter(linked_campaign__budget__isnull=False)
        .values("linked_campaign_id")
        .annotate(
            name=Max("linked_campaign__name"),
            budget=Max("linked_campaign__budget"),
            n_leads=_count(filters, LEADS),
            n_mqls=_count(filters, S.MQL),
            n_sqls=_count(filters, S.SQL),
            n_won=_count(filters, S.WON),
            revenue=Sum("deal_value", filter=counted(filters, S.WON)),
        )
    )
