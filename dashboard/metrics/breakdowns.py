"""Breakdowns: every figure per channel, campaign, product interest, original source, owner,
team, sector, company size, month or week, temperature or source owner, with a totals row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, Max, Sum, Value, When
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

import dashboard.metrics.rolled_up as rolled_up
from common.business_time import business_time_zone
from dashboard.filters import Dimension, Filters
from dashboard.metrics.funnel import (
    CENTS,
    LEADS,
    NO_CAMPAIGN,
    Funnel,
    S,
    _count,
    base_leads,
    counted,
    funnel,
    lead_team,
    lost_q,
    own_moment,
    passed_through,
    ratio,
)
from dashboard.sql import Percentiles, SecondsBetween
from leads.models import Channel, Sector, SourceOwner, Temperature

# --- breakdowns: every figure per channel, campaign, owner, team, month, … -------------------


SMALL_SAMPLE = 30  # a rate whose base is smaller is marked: read it as an indication
NOT_GIVEN = _("(not given)")
NOT_SCORED = _("(not scored yet)")
# Temperatures from hot to cold; a lead not scored yet comes last.
TEMPERATURE_ORDER = [Temperature.HOT, Temperature.WARM, Temperature.COLD]
SIZE_BANDS = [  # (key, fewest employees): the band runs up to the next one's fewest
    ("1-9", 1), ("10-49", 10), ("50-249", 50), ("250-999", 250), ("1000+", 1000),
]


@dataclass(frozen=True)
class BreakdownRow:
    key: str  # what the row groups by: a channel code, an owner's id, "2026-11", … ("" for none)
    label: str
    leads: int
    mqls: int  # reached MQL or later, as the funnel counts
    sqls: int
    opportunities: int
    won: int
    lost: int
    revenue: Decimal
    median_mql_to_won_seconds: float | None  # the leads that were MQL and then won

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)

    @property
    def sql_rate(self) -> float | None:
        return ratio(self.sqls, self.mqls)

    @property
    def revenue_per_lead(self) -> float | None:
        return ratio(self.revenue, self.leads)

    @property
    def revenue_per_mql(self) -> float | None:
        return ratio(self.revenue, self.mqls)

    @property
    def revenue_per_won(self) -> float | None:
        return ratio(self.revenue, self.won)

    @property
    def sql_rate_small(self) -> bool:
        return self.mqls < SMALL_SAMPLE

    @property
    def win_rate_small(self) -> bool:
        return self.won + self.lost < SMALL_SAMPLE

    # From before the win rate: won per SQL, open deals included.
    @property
    def close_rate(self) -> float | None:
        return ratio(self.won, self.sqls)

    @property
    def revenue_per_sql(self) -> float | None:
        return ratio(self.revenue, self.sqls)


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    label: str
    rows: list[BreakdownRow]
    totals: BreakdownRow


def size_band():
    bands = list(reversed(SIZE_BANDS))
    return Case(
        *[When(company__employees__gte=fewest, then=Value(key)) for key, fewest in bands],
        default=Value(""),
        output_field=CharField(),
    )


def _grouping(dimension: str) -> tuple[dict, dict]:
    """What the rows group by ({"key": expression}) and what they carry along (names)."""
    D = Dimension
    tz = business_time_zone()
    if dimension == D.OWNER:
        names = {f: Max(f"owner__{f}") for f in ("first_name", "last_name", "username")}
        return {"key": F("owner_id")}, names
    if dimension == D.TEAM:
        # Grouped by the id, the name carried along (one per id).
        return {"key": lead_team("id")}, {"team_name": Max(lead_team("name"))}
    expressions = {
        D.CHANNEL: F("channel"),
        D.CAMPAIGN: F("campaign"),
        D.PRODUCT: F("product_interest"),
        D.SOURCE: F("source"),
        D.SECTOR: F("company__sector"),
        D.SIZE: size_band(),
        D.TEMPERATURE: F("temperature"),
        D.SOURCE_OWNER: F("source_owner"),
        D.MONTH: TruncMonth("created_at", tzinfo=tz),
        D.WEEK: TruncWeek("created_at", tzinfo=tz),
    }
    return {"key": expressions[dimension]}, {}


def _key_and_label(dimension: str, row: dict) -> tuple[str, str]:
    D, key = Dimension, row["key"]
    if dimension == D.OWNER:
        name = f"{row['first_name'] or ''} {row['last_name'] or ''}".strip()
        return str(key or ""), name or row["username"] or str(_("No owner yet"))
    if dimension == D.TEAM:
        return str(key or ""), row["team_name"] or str(_("No team yet"))
    if dimension in (D.MONTH, D.WEEK):
        day = key.astimezone(business_time_zone()).date() if isinstance(key, datetime) else key
        if dimension == D.MONTH:
            return day.strftime("%Y-%m"), date_format(day, "F Y")
        year, week, _weekday = day.isocalendar()
        return day.isoformat(), _("week %(week)s, %(monday)s") % {
            "week": week, "monday": date_format(day, "DATE_FORMAT"),
        }
    key = key or ""
    if dimension == D.CHANNEL:
        return key, str(Channel(key).label) if key in Channel.values else key or str(NOT_GIVEN)
    if dimension == D.CAMPAIGN:
        return key, key or str(NO_CAMPAIGN)
    if dimension == D.SECTOR:
        return key, str(Sector(key).label) if key in Sector.values else key or str(NOT_GIVEN)
    if dimension == D.SIZE:
        return key, _("%(band)s employees") % {"band": key} if key else str(NOT_GIVEN)
    if dimension == D.TEMPERATURE:
        return key, str(Temperature(key).label) if key in Temperature.values else str(NOT_SCORED)
    if dimension == D.SOURCE_OWNER:
        return key, str(SourceOwner(key).label) if key in SourceOwner.values else key or str(NOT_GIVEN)
    return key, key or str(NOT_GIVEN)


def _figures(filters: Filters) -> dict:
    return {
        "n_leads": _count(filters, LEADS),
        "n_mqls": _count(filters, S.MQL),
        "n_sqls": _count(filters, S.SQL),
        "n_opportunities": _count(filters, S.OPPORTUNITY),
        "n_won": _count(filters, S.WON),
        "n_lost": Count("pk", filter=lost_q(filters)),
        "revenue": Sum("deal_value", filter=counted(filters, S.WON)),
        "mql_to_won": Percentiles(
            SecondsBetween(own_moment(S.WON), own_moment(S.MQL)),
            (0.5,),
            filter=passed_through(filters, S.MQL, S.WON),
        ),
    }


def breakdown_rows(filters: Filters, dimension: str | None = None) -> list[BreakdownRow]:
    """Every figure of the breakdown per value of the dimension: from the rollups (two
    queries) where they hold the dimension and the filters, else one query. Busiest first;
    months and weeks in order, size bands from small to large."""
    dimension = dimension or filters.dimension
    rows = rolled_up.breakdown_rows(filters, dimension)
    if rows is None:
        group, carried = _grouping(dimension)
        rows = base_leads(filters).values(**group).annotate(**carried, **_figures(filters))
    result = []
    for row in rows:
        key, label = _key_and_label(dimension, row)
        result.append(
            BreakdownRow(
                key=key,
                label=str(label),
                leads=row["n_leads"],
                mqls=row["n_mqls"],
                sqls=row["n_sqls"],
                opportunities=row["n_opportunities"],
                won=row["n_won"],
                lost=row["n_lost"],
                revenue=(row["revenue"] or Decimal(0)).quantize(CENTS),
                median_mql_to_won_seconds=row["mql_to_won"][0] if row["mql_to_won"] else None,
            )
        )
    # Activity mode also finds leads that only moved between stages not shown here.
    result = [r for r in result if r.leads or r.mqls or r.sqls or r.won or r.lost]
    if dimension in (Dimension.MONTH, Dimension.WEEK):
        return sorted(result, key=lambda r: r.key)
    if dimension in (Dimension.SIZE, Dimension.TEMPERATURE, Dimension.SOURCE_OWNER):
        keys = {
            Dimension.SIZE: [key for key, _fewest in SIZE_BANDS],
            Dimension.TEMPERATURE: TEMPERATURE_ORDER,
            Dimension.SOURCE_OWNER: SourceOwner.values,
        }[dimension]
        order = {key: i for i, key in enumerate(keys)}
        return sorted(result, key=lambda r: order.get(r.key, len(order)))
    return sorted(result, key=lambda r: (-r.leads, -r.mqls, r.label))


def totals_of(funnel: Funnel) -> BreakdownRow:
    """The breakdown's totals row, from the funnel's own figures (no query of its own)."""
    outcomes = funnel.outcomes
    counts = {step.stage: step.count for step in funnel.steps}
    return BreakdownRow(
        key="",
        label=str(_("Total")),
        leads=counts[LEADS],
        mqls=counts[S.MQL],
        sqls=counts[S.SQL],
        opportunities=counts[S.OPPORTUNITY],
        won=outcomes.won,
        lost=outcomes.lost,
        revenue=outcomes.revenue,
        median_mql_to_won_seconds=funnel.lead_time(S.MQL, S.WON).median_seconds,
    )


def breakdown(filters: Filters, *, now: datetime, funnel_figures: Funnel | None = None) -> Breakdown:
    """The breakdown with its totals: two queries, one when the funnel is already known."""
    figures = funnel_figures or funnel(filters, now=now)
    return Breakdown(
        dimension=filters.dimension,
        label=str(Dimension(filters.dimension).label),
        rows=breakdown_rows(filters),
        totals=totals_of(figures),
    )
