"""The dashboard's tables as CSV: the same rows as on the page, numbers rounded the same way
but written plainly (a dot for decimals, no "%" or "€"), and empty where the page shows "—"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils.translation import gettext as _

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
        "revenue_per_won",
    ]
    rows = [[
        outcomes.won, outcomes.lost, outcomes.open, csv_percent(outcomes.win_rate),
        csv_number(outcomes.revenue, 2), csv_number(outcomes.revenue_per_lead, 2),
        csv_number(outcomes.revenue_per_mql, 2), csv_number(outcomes.revenue_per_won, 2),
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
    "sql_rate", "revenue_per_lead", "revenue_per_won", "median_mql_to_won_seconds", "small_sample",
]


def breakdown_table(filters: Filters, *, now: datetime) -> Table:
    """The breakdown (?by=…) with the JSON API's keys as header; the last row, key "total",
    is the totals row. Rates as fractions, like the API."""
    result = metrics.breakdown(filters, now=now)

    def line(row: metrics.BreakdownRow, key: str) -> list:
        return [
            key, row.label, row.leads, row.mqls, row.sqls, row.opportunities, row.won, row.lost,
            csv_number(row.revenue, 2), csv_number(row.win_rate, 4), csv_number(row.sql_rate, 4),
            csv_number(row.revenue_per_lead, 2), csv_number(row.revenue_per_won, 2),
            csv_number(row.median_mql_to_won_seconds, 0),
            "yes" if row.win_rate_small or row.sql_rate_small else "",
        ]

    return BREAKDOWN_HEADER, [*[line(row, row.key) for row in result.rows], line(result.totals, "total")]


def sources_table(filters: Filters, *, now: datetime) -> Table:
    header = [
        _("Campaign") if filters.channel else _("Channel"), _("Leads"), _("MQLs"),
        _("SQLs"), _("Won"), _("SQL rate (%)"), _("Close rate (%)"), _("Revenue (EUR)"),
        _("Revenue per lead (EUR)"), _("Revenue per SQL (EUR)"),
    ]
    rows = [
        [
            row.label, row.leads, row.mqls, row.sqls, row.won, csv_percent(row.sql_rate),
            csv_percent(row.close_rate), csv_number(row.revenue, 2),
            csv_number(row.revenue_per_lead, 0), csv_number(row.revenue_per_sql, 0),
        ]
        for row in metrics.per_source(filters)
    ]
    return header, rows


def feedback_table(filters: Filters, *, now: datetime) -> Table:
    D, R = Feedback.Disposition, Feedback.NoFitReason
    header = [
        _("Campaign") if filters.channel else _("Channel"), _("Feedback"),
        *[str(label) for label in D.labels],
        *[f"{D.NO_FIT.label}: {label}" for label in R.labels],
        _("Quality good"), _("Quality bad"), _("Rejected (%)"), _("Bad quality (%)"),
    ]
    rows = [
        [
            row.label, row.total, *[row.dispositions[d] for d in D.values],
            *[row.no_fit_reasons[r] for r in R.values], row.good, row.bad,
            csv_percent(row.rejected_share), csv_percent(row.bad_share),
        ]
        for row in metrics.feedback_per_source(filters)
    ]
    return header, rows


def follow_up_table(filters: Filters, *, now: datetime) -> Table:
    header = [
        _("Owner") if (filters.team_id or filters.owner_id) else _("Team"),
        _("MQLs"), _("Contacted"), _("Contacted (%)"), _("Attempts"), _("Attempts per MQL"),
        _("Median time to first attempt (hours)"),
    ]
    rows = [
        [
            row.label, row.mqls, row.contacted, csv_percent(row.contacted_share), row.attempts,
            csv_number(row.attempts_per_lead, 1), csv_hours(row.median_first_attempt_seconds),
        ]
        for row in [
            *metrics.follow_up_per_person_or_team(filters),
            metrics.funnel(filters, now=now).follow_up,
        ]
    ]
    return header, rows


def weekly_table(filters: Filters, *, now: datetime) -> Table:
    header = [_("Week starting"), _("MQLs"), _("SQLs"), _("MQL → SQL (%)"), _("Still maturing")]
    rows = [
        [w.starts_on.isoformat(), w.mqls, w.sqls, csv_percent(w.mql_to_sql), _("yes") if w.maturing else ""]
        for w in metrics.weekly_mql_to_sql(filters, now=now)
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
}
