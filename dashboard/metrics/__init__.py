"""Aggregate figures, computed in the database with a fixed number of queries. Views turn
them into pages; charts.py turns them into figures. Nothing here knows about HTML.

Two ways of counting a stage. A lead has *reached* a stage when it has that stage's stamp or
any later one: a quote request that went straight to SQL has reached MQL and SAL too (the
funnel's shape, "how far did it get"). A lead has *passed through* a step from one stage to the
next only when its own stamps of both stages are set, in that order; a lead that skipped a
stage is "skipped" there. Conversions and lead times per step, and the end-to-end lead times,
use only the leads that passed through. Stamps are first arrivals, so a recycled lead counts
once.

The figures live in funnel.py (the funnel, outcomes, lead times, the weekly series),
breakdowns.py (every figure per dimension), sources.py (per source, feedback and comments,
follow-up), outcomes.py (lost reasons), speed.py (speed to lead, the two clocks), sourcing.py (who sourced
the leads, pipeline and revenue) campaigns.py (what campaigns with a budget cost per
result), aftersales.py (the won leads' accounts after the sale), routing.py (routing quality)
and completeness.py (data completeness per source); drilldown.py selects the leads behind a count.
`dashboard()` gathers a page's worth. Import them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.filters import Filters
from dashboard.metrics import rolled_up
from dashboard.metrics.aftersales import (
    RENEWED,
    AfterSale,
    AfterSaleRow,
    after_sale,
    customers_who,
    customers_who_label,
)
from dashboard.metrics.breakdowns import (
    NOT_GIVEN,
    SIZE_BANDS,
    SMALL_SAMPLE,
    Breakdown,
    BreakdownRow,
    breakdown,
    breakdown_rows,
    size_band,
    totals_of,
)
from dashboard.metrics.campaigns import CampaignCost, campaign_costs
from dashboard.metrics.completeness import Completeness, CompletenessRow, completeness
from dashboard.metrics.drilldown import (
    NO_REASON_KEY,
    STAGES,
    VERDICTS,
    counted_leads,
    judged_leads,
    stage_title,
    verdict_title,
)
from dashboard.metrics.funnel import (
    BUCKET_EDGES,
    BUCKET_LABELS,
    CENTS,
    END_TO_END,
    FUNNEL,
    LEADS,
    NO_CAMPAIGN,
    PERCENTILES,
    PIPELINE,
    Bucket,
    FollowUp,
    Funnel,
    FunnelStep,
    LeadTime,
    LeadTimeDistributions,
    Outcomes,
    Overview,
    S,
    StageCount,
    StageLeadTime,
    Week,
    base_leads,
    counted,
    counted_own,
    funnel,
    in_period,
    lead_team,
    lead_time_distributions,
    lost_q,
    overview,
    own_moment,
    owner_team,
    passed_through,
    ratio,
    reached,
    recent_stage_changes,
    stage_label,
    weekly_mql_to_sql,
    weeks_of,
)
from dashboard.metrics.outcomes import LostReasonRow, lost_reason_label, lost_reasons
from dashboard.metrics.routing import RoutingQuality, RoutingRow, routed_leads, routing_quality
from dashboard.metrics.routing import figure_label as routing_figure_label
from dashboard.metrics.routing import row_label as routing_row_label
from dashboard.metrics.sources import (
    COMMENTS_SHOWN,
    CommentsOfSource,
    FeedbackComment,
    FeedbackRow,
    SourceRow,
    feedback_comments,
    feedback_per_source,
    follow_up_per_person_or_team,
    per_source,
    rejections_at_accept,
    source_label,
)
from dashboard.metrics.sourcing import SourcingRow, sourcing
from dashboard.metrics.speed import ALL as SPEED_ALL
from dashboard.metrics.speed import (
    SPEED_LABELS,
    Clock,
    ClockLine,
    ResponseClocks,
    SpeedGroup,
    SpeedRow,
    SpeedToLead,
    clock_aggregates,
    counted_by_clock,
    mqls_first_tried,
    owner_notified_at,
    response_clocks,
    speed_cell_label,
    speed_to_lead,
)


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    funnel: Funnel
    first_attempt_times: list[Bucket]
    mql_to_sql_times: list[Bucket]
    weeks: list[Week]
    breakdown: Breakdown
    feedback: list[FeedbackRow]
    follow_up: list[FollowUp]
    lost_reasons: list[LostReasonRow]
    comments: list[CommentsOfSource]
    speed_to_lead: SpeedToLead
    response_clocks: ResponseClocks
    sourcing: list[SourcingRow]
    campaigns: list[CampaignCost]
    after_sale: AfterSale
    routing_quality: RoutingQuality

    @property
    def sources(self) -> list[BreakdownRow]:
        """The breakdown's rows (per channel, or per campaign within one, unless `by` says
        otherwise): what the page called "per source" before it had other dimensions."""
        return self.breakdown.rows

    @property
    def outcomes(self) -> Outcomes:
        return self.funnel.outcomes

    @property
    def lead_times(self) -> list[StageLeadTime]:
        return self.funnel.lead_times


def dashboard(filters: Filters, *, now: datetime) -> Dashboard:
    """Every figure of the funnel dashboard: twenty-five queries whatever the amount of data (from the rollups
    the funnel takes three, a breakdown two, the follow-up three or four, the two clocks four)."""
    lead_times = lead_time_distributions(filters)
    funnel_figures = funnel(filters, now=now)
    return Dashboard(
        filters=filters,
        funnel=funnel_figures,
        first_attempt_times=lead_times.first_attempt,
        mql_to_sql_times=lead_times.mql_to_sql,
        weeks=weekly_mql_to_sql(filters, now=now),
        breakdown=breakdown(filters, now=now, funnel_figures=funnel_figures),
        feedback=feedback_per_source(filters),
        follow_up=follow_up_per_person_or_team(filters),
        lost_reasons=lost_reasons(filters),
        comments=feedback_comments(filters),
        speed_to_lead=speed_to_lead(filters),
        response_clocks=response_clocks(filters),
        sourcing=sourcing(filters),
        campaigns=campaign_costs(filters),
        after_sale=after_sale(filters),
        routing_quality=routing_quality(filters, now=now),
    )


__all__ = [
    "sourcing",
    "SourcingRow",
    "campaign_costs",
    "CampaignCost",
    "after_sale",
    "AfterSale",
    "AfterSaleRow",
    "completeness",
    "Completeness",
    "CompletenessRow",
    "routing_quality",
    "RoutingQuality",
    "RoutingRow",
    "rolled_up",
    "speed_to_lead",
    "response_clocks",
    "owner_notified_at",
    "clock_aggregates",
    "SpeedToLead",
    "SpeedRow",
    "SpeedGroup",
    "ResponseClocks",
    "ClockLine",
    "Clock",
    "SPEED_LABELS",
    "BUCKET_EDGES",
    "BUCKET_LABELS",
    "Breakdown",
    "BreakdownRow",
    "Bucket",
    "CENTS",
    "COMMENTS_SHOWN",
    "CommentsOfSource",
    "Dashboard",
    "END_TO_END",
    "FUNNEL",
    "FeedbackComment",
    "FeedbackRow",
    "FollowUp",
    "Funnel",
    "FunnelStep",
    "LEADS",
    "LeadTime",
    "LeadTimeDistributions",
    "LostReasonRow",
    "NOT_GIVEN",
    "NO_REASON_KEY",
    "VERDICTS",
    "NO_CAMPAIGN",
    "Outcomes",
    "Overview",
    "PERCENTILES",
    "PIPELINE",
    "S",
    "SIZE_BANDS",
    "SMALL_SAMPLE",
    "STAGES",
    "SourceRow",
    "StageCount",
    "StageLeadTime",
    "Week",
    "base_leads",
    "breakdown",
    "breakdown_rows",
    "counted",
    "counted_leads",
    "customers_who",
    "counted_by_clock",
    "customers_who_label",
    "mqls_first_tried",
    "routed_leads",
    "routing_figure_label",
    "routing_row_label",
    "speed_cell_label",
    "RENEWED",
    "SPEED_ALL",
    "judged_leads",
    "counted_own",
    "dashboard",
    "feedback_comments",
    "feedback_per_source",
    "follow_up_per_person_or_team",
    "funnel",
    "in_period",
    "lead_team",
    "lead_time_distributions",
    "lost_q",
    "lost_reason_label",
    "lost_reasons",
    "overview",
    "own_moment",
    "owner_team",
    "passed_through",
    "per_source",
    "ratio",
    "reached",
    "rejections_at_accept",
    "recent_stage_changes",
    "size_band",
    "source_label",
    "stage_label",
    "stage_title",
    "verdict_title",
    "totals_of",
    "weekly_mql_to_sql",
    "weeks_of",
]
