"""The dashboard's tables as CSV: the same rows as on the page, numbers rounded the same way
but written plainly (no "%" or currency sign; amounts in settings.CURRENCY, named in a
"currency" column), and empty where the page shows "—". Every header is a stable English key
(the JSON API's where it has one) and every row starts with a stable key, in any language.

Two dialects: the plain one (commas, a dot for decimals) and "for Excel" (a UTF-8 byte order
mark so Excel reads the accents; in Dutch semicolons and decimal commas, as Dutch Excel expects)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.conf import settings

from common.escaping import csv_cell
from dashboard import metrics
from dashboard.filters import Filters
from dashboard.formatting import csv_hours, csv_number, csv_percent
from leads.models import Feedback

Table = tuple[list[str], list[list]]


def funnel_table(filters: Filters, *, now: datetime) -> Table:
    header = [
        "stage", "reached", "step_conversion_pct", "from_top_pct", "median_hours", "p90_hours",
        "too_early", "passed", "skipped",
    ]
    rows = []
    for step in metrics.funnel(filters, now=now).steps:
        time = step.lead_time
        rows.append([
            step.stage, step.count, csv_percent(step.from_previous), csv_percent(step.from_top),
            csv_hours(time.median_seconds if time else None),
            csv_hours(time.p90_seconds if time else None),
            "yes" if step.too_young else "",
            "" if step.passed is None else step.passed, step.skipped,
        ])
    return header, rows


def outcomes_table(filters: Filters, *, now: datetime) -> Table:
    """One row; the header keys are the JSON API's, in English whatever the page's language."""
    outcomes = metrics.funnel(filters, now=now).outcomes
    header = [
        "won", "lost", "open", "win_rate_pct", "revenue", "revenue_per_lead", "revenue_per_mql",
        "revenue_per_won", "currency",
    ]
    rows = [[
        outcomes.won, outcomes.lost, outcomes.open, csv_percent(outcomes.win_rate),
        csv_number(outcomes.revenue, 2), csv_number(outcomes.revenue_per_lead, 2),
        csv_number(outcomes.revenue_per_mql, 2), csv_number(outcomes.revenue_per_won, 2),
        settings.CURRENCY,
    ]]
    return header, rows


def lead_times_table(filters: Filters, *, now: datetime) -> Table:
    header = ["from_stage", "to_stage", "count", "median_hours", "p90_hours"]
    rows = [
        [t.from_stage, t.to_stage, t.count, csv_hours(t.median_seconds), csv_hours(t.p90_seconds)]
        for t in metrics.funnel(filters, now=now).lead_times
    ]
    return header, rows


BREAKDOWN_HEADER = [
    "key", "label", "leads", "mqls", "sqls", "opportunities", "won", "lost", "revenue", "win_rate",
    "sql_rate", "revenue_per_lead", "revenue_per_mql", "revenue_per_won", "median_mql_to_won_seconds", "small_sample",
    "currency",
]


def breakdown_table(filters: Filters, *, now: datetime) -> Table:
    """The breakdown (?by=…) with the JSON API's keys as header; the last row, key "total",
    is the totals row. Rates as fractions, like the API."""
    result = metrics.breakdown(filters, now=now)

    def line(row: metrics.BreakdownRow, key: str) -> list:
        return [
            key, row.label, row.leads, row.mqls, row.sqls, row.opportunities, row.won, row.lost,
            csv_number(row.revenue, 2), csv_number(row.win_rate, 4), csv_number(row.sql_rate, 4),
            csv_number(row.revenue_per_lead, 2), csv_number(row.revenue_per_mql, 2),
            csv_number(row.revenue_per_won, 2), csv_number(row.median_mql_to_won_seconds, 0),
            "yes" if row.win_rate_small or row.sql_rate_small else "", settings.CURRENCY,
        ]

    return BREAKDOWN_HEADER, [*[line(row, row.key) for row in result.rows], line(result.totals, "total")]


def sources_table(filters: Filters, *, now: datetime) -> Table:
    header = [
        "key", "label", "leads", "mqls", "sqls", "won", "sql_rate_pct", "close_rate_pct",
        "revenue", "revenue_per_lead", "revenue_per_sql", "currency",
    ]
    rows = [
        [
            row.key, row.label, row.leads, row.mqls, row.sqls, row.won, csv_percent(row.sql_rate),
            csv_percent(row.close_rate), csv_number(row.revenue, 2),
            csv_number(row.revenue_per_lead, 0), csv_number(row.revenue_per_sql, 0),
            settings.CURRENCY,
        ]
        for row in metrics.per_source(filters)
    ]
    return header, rows


def feedback_table(filters: Filters, *, now: datetime) -> Table:
    """Per source: the feedback per disposition and no-fit reason (their codes as keys), the
    rejections at the accept step, and rejected = no fit + those rejections."""
    D, R = Feedback.Disposition, Feedback.NoFitReason
    header = [
        "key", "label", "feedback", *D.values, *[f"no_fit_{reason}" for reason in R.values],
        "rejected_at_accept", "rejected", "quality_good", "quality_bad", "rejected_pct",
        "bad_quality_pct",
    ]
    rows = [
        [
            row.key, row.label, row.total, *[row.dispositions[d] for d in D.values],
            *[row.no_fit_reasons[r] for r in R.values], row.rejected_at_accept, row.rejected,
            row.good, row.bad, csv_percent(row.rejected_share), csv_percent(row.bad_share),
        ]
        for row in metrics.feedback_per_source(filters)
    ]
    return header, rows


def follow_up_table(filters: Filters, *, now: datetime) -> Table:
    """Per team (per owner within a team or for one owner); the last row, key "total", is all."""
    header = [
        "key", "label", "mqls", "contacted", "contacted_pct", "attempts", "attempts_per_mql",
        "median_first_attempt_hours",
    ]
    rows = [
        [
            key, row.label, row.mqls, row.contacted, csv_percent(row.contacted_share), row.attempts,
            csv_number(row.attempts_per_lead, 1), csv_hours(row.median_first_attempt_seconds),
        ]
        for key, row in [
            *[(row.key, row) for row in metrics.follow_up_per_person_or_team(filters)],
            ("total", metrics.funnel(filters, now=now).follow_up),
        ]
    ]
    return header, rows


def weekly_table(filters: Filters, *, now: datetime) -> Table:
    header = ["week_starting", "mqls", "sqls", "mql_to_sql_pct", "maturing"]
    rows = [
        [w.starts_on.isoformat(), w.mqls, w.sqls, csv_percent(w.mql_to_sql), "yes" if w.maturing else ""]
        for w in metrics.weekly_mql_to_sql(filters, now=now)
    ]
    return header, rows


def lost_reasons_table(filters: Filters, *, now: datetime) -> Table:
    header = ["key", "label", "lost", "value", "currency"]
    rows = [
        [row.key or metrics.NO_REASON_KEY, row.label, row.count, csv_number(row.value, 2), settings.CURRENCY]
        for row in metrics.lost_reasons(filters)
    ]
    return header, rows


def sourcing_table(filters: Filters, *, now: datetime) -> Table:
    header = [
        "key", "label", "leads", "share_of_leads_pct", "pipeline_value", "share_of_pipeline_pct",
        "won_revenue", "share_of_revenue_pct", "currency",
    ]
    rows = [
        [
            row.key, row.label, row.leads, csv_percent(row.share_of_leads), csv_number(row.pipeline_value, 2),
            csv_percent(row.share_of_pipeline), csv_number(row.won_revenue, 2), csv_percent(row.share_of_revenue),
            settings.CURRENCY,
        ]
        for row in metrics.sourcing(filters)
    ]
    return header, rows


def campaign_costs_table(filters: Filters, *, now: datetime) -> Table:
    header = [
        "key", "name", "budget", "leads", "mqls", "sqls", "won", "revenue", "cost_per_lead", "cost_per_mql",
        "cost_per_sql", "cost_per_won", "return_on_spend", "currency",
    ]
    rows = [
        [
            row.key, row.name, csv_number(row.budget, 2), row.leads, row.mqls, row.sqls, row.won,
            csv_number(row.revenue, 2), csv_number(row.cost_per_lead, 2), csv_number(row.cost_per_mql, 2),
            csv_number(row.cost_per_sql, 2), csv_number(row.cost_per_won, 2), csv_number(row.return_on_spend, 2),
            settings.CURRENCY,
        ]
        for row in metrics.campaign_costs(filters)
    ]
    return header, rows


TABLES: dict[str, Callable[..., Table]] = {
    "funnel": funnel_table,
    "outcomes": outcomes_table,
    "lead-times": lead_times_table,
    "breakdown": breakdown_table,
    "weekly": weekly_table,
    "sources": sources_table,
    "feedback": feedback_table,
    "follow-up": follow_up_table,
    "lost-reasons": lost_reasons_table,
    "sourcing": sourcing_table,
    "campaign-costs": campaign_costs_table,
}


def write(out, header: list[str], rows: list[list], *, for_excel: bool, language: str) -> None:
    """Write a table to `out` (a file or response) in the plain or the "for Excel" dialect.
    Every cell that starts like a formula (a campaign is whatever a visitor's link said) is
    made text: common.escaping.csv_cell."""
    dutch = for_excel and language.startswith("nl")
    if for_excel:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if dutch else ",")
    writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([_cell(csv_cell(value), decimal_comma=dutch) for value in row])


def _cell(value, *, decimal_comma: bool):
    if decimal_comma and isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return value
