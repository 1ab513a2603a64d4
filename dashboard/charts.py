"""The dashboard's figures: metrics dataclasses in, Plotly figures out. No ORM here.

A figure is Plotly's JSON figure format (`{"data": [traces], "layout": {...}}`), the form
plotly.js draws (static/js/dashboard.js) and `plotly.graph_objects.Figure` accepts. We write
the dicts directly: building them through graph_objects validates every property on every
request, which costs more than the page's own queries; the tests validate each figure with
graph_objects instead. The texts on the bars come from dashboard.formatting, so a chart and
its table always agree. plotly.js draws labels and hovers as a subset of HTML (links too), so
every text from data goes through common.escaping.plotly_text: a campaign named
`<a href=…>` shows as typed.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common.escaping import plotly_text
from dashboard import formatting
from dashboard.filters import Dimension
from dashboard.metrics import SMALL_SAMPLE, Bucket, Dashboard, Funnel, SourceRow, SpeedToLead, Week

BRAND = "#1f5fbf"
BRAND_LIGHT = "#8fb0e3"
TARGET = "#b3261e"
INK = "#1d2433"
GRID = "#eef1f6"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"


def base_layout(**extra) -> dict:
    # Dutch writes 12,5 and 1.000; plotly.js takes the separators as "decimal, thousands".
    separators = ",." if (get_language() or "").startswith("nl") else ".,"
    layout = {
        "font": {"family": FONT, "color": INK, "size": 13},
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "separators": separators,
        "height": 320,
        "showlegend": False,
        **extra,
    }
    # The small margins grow to fit the tick labels.
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {"automargin": True, **layout.get(axis, {})}
    return layout


def funnel_chart(funnel: Funnel) -> dict:
    steps = funnel.steps
    hover = [formatting.decimal(steps[0].count, 0)] + [
        _("%(count)s · %(share)s of the leads")
        % {"count": formatting.decimal(step.count, 0), "share": formatting.percent(step.from_top)}
        for step in steps[1:]
    ]
    trace = {
        "type": "funnel",
        "y": [plotly_text(step.label) for step in steps],
        "x": [step.count for step in steps],
        "text": [formatting.decimal(step.count, 0) for step in steps],
        "textinfo": "text",
        "textposition": "auto",
        "hovertext": [plotly_text(text) for text in hover],
        "hoverinfo": "y+text",
        "marker": {"color": BRAND},
        "connector": {"fillcolor": "#e6eefb"},
    }
    layout = base_layout(yaxis={"automargin": True}, margin={"l": 8, "r": 40, "t": 8, "b": 8})
    return {"data": [trace], "layout": layout}


def weekly_chart(weeks: list[Week], *, target: float, cohort: bool) -> dict:
    """MQL→SQL per week; weeks too recent to judge are drawn dotted, the target dashed."""
    x = [week.starts_on.isoformat() for week in weeks]
    hover = [
        _("%(sqls)s of %(mqls)s MQLs became SQL") % {"sqls": w.sqls, "mqls": w.mqls}
        for w in weeks
    ]
    settled = [None if w.maturing else w.mql_to_sql for w in weeks]
    # The dotted line starts at the last settled week, so the two lines join up.
    maturing = [
        w.mql_to_sql if w.maturing or (i + 1 < len(weeks) and weeks[i + 1].maturing) else None
        for i, w in enumerate(weeks)
    ]
    hovertemplate = "%{x|%d-%m-%Y}: %{y:.1%}<br>%{text}<extra></extra>"

    def line(y, name, style):
        return {
            "type": "scatter", "x": x, "y": y, "mode": "lines+markers", "name": name,
            "text": hover, "hovertemplate": hovertemplate, "line": style, "connectgaps": False,
        }

    data = [
        line(settled, _("MQL → SQL"), {"color": BRAND, "width": 2}),
        line(maturing, _("still maturing"), {"color": BRAND_LIGHT, "width": 2, "dash": "dot"}),
        {
            "type": "scatter", "x": [x[0], x[-1]] if x else [], "y": [target, target],
            "mode": "lines", "name": _("target"), "hoverinfo": "skip",
            "line": {"color": TARGET, "width": 1.5, "dash": "dash"},
        },
    ]
    rates = [w.mql_to_sql for w in weeks if w.mql_to_sql is not None]
    week_title = _("week of arrival") if cohort else _("week the lead became MQL")
    layout = base_layout(
        yaxis={"tickformat": ".0%", "range": [0, max([*rates, target]) * 1.15], "gridcolor": GRID},
        xaxis={"title": {"text": week_title}, "tickformat": "%d-%m", "gridcolor": GRID},
        showlegend=True,
        legend={"orientation": "h", "y": -0.3, "x": 0, "yanchor": "top"},
        height=360,
    )
    return {"data": data, "layout": layout}


def distribution_chart(buckets: list[Bucket]) -> dict:
    trace = {
        "type": "bar",
        "x": [plotly_text(bucket.label) for bucket in buckets],
        "y": [bucket.count for bucket in buckets],
        "marker": {"color": BRAND},
        "hovertemplate": "%{x}: %{y}<extra></extra>",
    }
    return {"data": [trace], "layout": base_layout(height=260, yaxis={"gridcolor": GRID})}


def source_chart(sources: list[SourceRow], *, target: float, ranked: bool = True) -> dict:
    """MQL→SQL per row (source, owner, month, …) against the target, best on top unless the
    rows have an order of their own (months, size bands). Each bar says its n (the MQLs); a
    bar on fewer than SMALL_SAMPLE MQLs is drawn pale."""
    rows = sorted(sources, key=lambda r: (r.sql_rate is None, -(r.sql_rate or 0))) if ranked else list(sources)
    rows.reverse()  # plotly draws the first bar at the bottom
    text = [
        formatting.EMPTY if row.sql_rate is None
        else f"{formatting.percent(row.sql_rate)} · n = {formatting.decimal(row.mqls, 0)}"
        for row in rows
    ]
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": [plotly_text(row.label) for row in rows],
        "x": [row.sql_rate for row in rows],
        "text": text,
        "textposition": "auto",
        "customdata": [[row.sqls, row.mqls] for row in rows],
        "hovertemplate": _("%{y}: %{customdata[0]} SQLs of %{customdata[1]} MQLs") + "<extra></extra>",
        "marker": {"color": [BRAND_LIGHT if row.mqls < SMALL_SAMPLE else BRAND for row in rows]},
    }
    target_line = {
        "type": "line", "xref": "x", "yref": "paper", "x0": target, "x1": target, "y0": 0,
        "y1": 1, "line": {"color": TARGET, "width": 1.5, "dash": "dash"},
    }
    layout = base_layout(
        height=max(220, 34 * len(rows) + 60),
        xaxis={"tickformat": ".0%", "rangemode": "tozero", "gridcolor": GRID},
        yaxis={"automargin": True},
        shapes=[target_line],
    )
    return {"data": [trace], "layout": layout}


def speed_chart(speed: SpeedToLead) -> dict:
    """MQL → SQL per time to the first attempt, a bar per bucket in clock and in business time.
    Each bar says its n (the bucket's MQLs); a bar on fewer than SMALL_SAMPLE is drawn pale."""
    data = []
    for (name, rows), color in zip(speed.clocks, [BRAND, INK]):
        data.append({
            "type": "bar",
            "name": plotly_text(name),
            "x": [plotly_text(row.label) for row in rows],
            "y": [row.sql_rate for row in rows],
            "text": [
                formatting.EMPTY if row.sql_rate is None
                else f"{formatting.percent(row.sql_rate)} · n = {formatting.decimal(row.leads, 0)}"
                for row in rows
            ],
            "textposition": "auto",
            "customdata": [[row.sqls, row.leads] for row in rows],
            "hovertemplate": plotly_text(name) + " · %{x}: " + _("%{customdata[0]} SQLs of %{customdata[1]} MQLs") + "<extra></extra>",
            # Pale by opacity, not by colour: the legend shows the first bar's colour.
            "marker": {"color": color, "opacity": [0.45 if row.small_sample else 1 for row in rows]},
        })
    layout = base_layout(
        height=320,
        barmode="group",
        showlegend=True,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"tickformat": ".0%", "rangemode": "tozero", "gridcolor": GRID},
    )
    return {"data": data, "layout": layout}


def figures(dashboard: Dashboard, *, target: float) -> dict[str, dict]:
    return {
        "funnel": funnel_chart(dashboard.funnel),
        "weekly": weekly_chart(dashboard.weeks, target=target, cohort=dashboard.filters.is_cohort),
        "first-attempt": distribution_chart(dashboard.first_attempt_times),
        "mql-to-sql": distribution_chart(dashboard.mql_to_sql_times),
        "speed": speed_chart(dashboard.speed_to_lead),
        "sources": source_chart(
            dashboard.sources,
            target=target,
            ranked=dashboard.breakdown.dimension not in (Dimension.MONTH, Dimension.WEEK, Dimension.SIZE, Dimension.TEMPERATURE),
        ),
    }
