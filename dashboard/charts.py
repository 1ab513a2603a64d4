"""The dashboard's figures: metrics dataclasses in, Plotly figure dicts out. No ORM here.

The page hands each figure to static/js/dashboard.js as JSON; plotly.js draws it. The texts
on the bars are written by dashboard.formatting, so a chart and its table always agree.
"""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dashboard import formatting
from dashboard.metrics import Bucket, Dashboard, Funnel, SourceRow, Week

BRAND = "#1f5fbf"
BRAND_LIGHT = "#8fb0e3"
TARGET = "#b3261e"
INK = "#1d2433"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"


def _layout(**extra) -> dict:
    # Dutch writes 12,5 and 1.000; plotly.js takes the separators as "decimal, thousands".
    separators = ",." if (get_language() or "").startswith("nl") else ".,"
    return {
        "font": {"family": FONT, "color": INK, "size": 13},
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "separators": separators,
        "height": 320,
        "showlegend": False,
        **extra,
    }


def _figure(data: list, layout: dict) -> dict:
    return go.Figure(data=data, layout=layout).to_plotly_json()


def funnel_chart(funnel: Funnel) -> dict:
    steps = funnel.steps
    hover = [formatting.decimal(steps[0].count, 0)] + [
        _("%(count)s · %(share)s of the leads")
        % {"count": formatting.decimal(step.count, 0), "share": formatting.percent(step.from_top)}
        for step in steps[1:]
    ]
    trace = go.Funnel(
        y=[step.label for step in steps],
        x=[step.count for step in steps],
        text=[formatting.decimal(step.count, 0) for step in steps],
        textinfo="text",
        textposition="auto",
        hovertext=hover,
        hoverinfo="y+text",
        marker={"color": [BRAND] * len(steps)},
        connector={"fillcolor": "#e6eefb"},
    )
    layout = _layout(yaxis={"automargin": True}, margin={"l": 8, "r": 40, "t": 8, "b": 8})
    return _figure([trace], layout)


def weekly_chart(weeks: list[Week], *, target: float, cohort: bool) -> dict:
    """MQL→SQL per week; weeks too recent to judge are drawn lighter, the target as a line."""
    x = [week.starts_on.isoformat() for week in weeks]
    hover = [
        _("%(sqls)s of %(mqls)s MQLs became SQL") % {"sqls": w.sqls, "mqls": w.mqls}
        for w in weeks
    ]
    settled = [None if w.maturing else w.mql_to_sql for w in weeks]
    # The maturing line starts at the last settled week, so the two lines join up.
    maturing = [
        w.mql_to_sql if w.maturing or (i + 1 < len(weeks) and weeks[i + 1].maturing) else None
        for i, w in enumerate(weeks)
    ]
    data = [
        go.Scatter(
            x=x, y=settled, mode="lines+markers", name=_("MQL → SQL"), text=hover,
            hovertemplate="%{x|%d-%m-%Y}: %{y:.1%}<br>%{text}<extra></extra>",
            line={"color": BRAND, "width": 2}, connectgaps=False,
        ),
        go.Scatter(
            x=x, y=maturing, mode="lines+markers", name=_("still maturing"), text=hover,
            hovertemplate="%{x|%d-%m-%Y}: %{y:.1%}<br>%{text}<extra></extra>",
            line={"color": BRAND_LIGHT, "width": 2, "dash": "dot"}, connectgaps=False,
        ),
        go.Scatter(
            x=[x[0], x[-1]] if x else [], y=[target, target], mode="lines",
            name=_("target"), hoverinfo="skip",
            line={"color": TARGET, "width": 1.5, "dash": "dash"},
        ),
    ]
    week_title = _("week of arrival") if cohort else _("week the lead became MQL")
    rates = [w.mql_to_sql for w in weeks if w.mql_to_sql is not None]
    top = max([*rates, target]) * 1.15
    layout = _layout(
        yaxis={"tickformat": ".0%", "range": [0, top], "gridcolor": "#eef1f6"},
        xaxis={"title": {"text": week_title}, "tickformat": "%d-%m", "gridcolor": "#eef1f6"},
        showlegend=True,
        legend={"orientation": "h", "y": -0.3, "x": 0, "yanchor": "top"},
        height=360,
    )
    return _figure(data, layout)


def distribution_chart(buckets: list[Bucket]) -> dict:
    trace = go.Bar(
        x=[bucket.label for bucket in buckets],
        y=[bucket.count for bucket in buckets],
        marker={"color": BRAND},
        hovertemplate="%{x}: %{y}<extra></extra>",
    )
    return _figure([trace], _layout(height=260, yaxis={"gridcolor": "#eef1f6"}))


def source_chart(sources: list[SourceRow], *, target: float) -> dict:
    """MQL→SQL per source, best first, against the target."""
    ranked = sorted(sources, key=lambda r: (r.sql_rate is None, -(r.sql_rate or 0)))
    ranked.reverse()  # plotly draws the first bar at the bottom
    trace = go.Bar(
        y=[row.label for row in ranked],
        x=[row.sql_rate for row in ranked],
        orientation="h",
        text=[formatting.percent(row.sql_rate) for row in ranked],
        textposition="auto",
        customdata=[[row.sqls, row.mqls] for row in ranked],
        hovertemplate=_("%{y}: %{customdata[0]} SQLs of %{customdata[1]} MQLs") + "<extra></extra>",
        marker={"color": BRAND},
    )
    height = max(220, 34 * len(ranked) + 60)
    layout = _layout(
        height=height,
        xaxis={"tickformat": ".0%", "rangemode": "tozero", "gridcolor": "#eef1f6"},
        yaxis={"automargin": True},
        shapes=[
            {
                "type": "line", "xref": "x", "yref": "paper", "x0": target, "x1": target,
                "y0": 0, "y1": 1, "line": {"color": TARGET, "width": 1.5, "dash": "dash"},
            }
        ],
    )
    return _figure([trace], layout)


def figures(dashboard: Dashboard, *, target: float) -> dict[str, dict]:
    return {
        "funnel": funnel_chart(dashboard.funnel),
        "weekly": weekly_chart(dashboard.weeks, target=target, cohort=dashboard.filters.is_cohort),
        "first-attempt": distribution_chart(dashboard.funnel.time_to_first_attempt),
        "mql-to-sql": distribution_chart(dashboard.funnel.mql_to_sql_time),
        "sources": source_chart(dashboard.sources, target=target),
    }
