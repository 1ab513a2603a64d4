"""The review's 12-week trends: one small Plotly line per key figure, its target dashed.
Figures as plain dicts, like dashboard.charts; no ORM here."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from dashboard.charts import BRAND, GRID, TARGET, base_layout
from review.metrics import Line, Review

HOUR = 3600


def trend_chart(review: Review, value: Callable[[Line], float | None], *, target: float | None, kind: str) -> dict:
    """`kind` is "share" (0–1, drawn as %), "hours" or "count"."""
    x = [point.week.monday.isoformat() for point in review.trend]
    y = [value(point.line) for point in review.trend]
    labels = [str(point.week) for point in review.trend]
    number = {"share": "%{y:.0%}", "hours": "%{y:.1f} h", "count": "%{y:.0f}"}[kind]
    data = [
        {
            "type": "scatter", "x": x, "y": y, "mode": "lines+markers", "name": _("this figure"),
            "text": labels, "hovertemplate": "%{text}: " + number + "<extra></extra>",
            "line": {"color": BRAND, "width": 2}, "marker": {"size": 5}, "connectgaps": False,
        }
    ]
    if target is not None:
        data.append(
            {
                "type": "scatter", "x": [x[0], x[-1]], "y": [target, target], "mode": "lines",
                "name": _("target"), "hoverinfo": "skip", "line": {"color": TARGET, "width": 1.5, "dash": "dash"},
            }
        )
    highest = max([v for v in y if v is not None] + [target or 0, 0.01])
    yaxis = {"gridcolor": GRID, "range": [0, highest * 1.15], "fixedrange": True, "nticks": 4}
    if kind == "share":
        yaxis["tickformat"] = ".0%"
    layout = base_layout(
        height=150, yaxis=yaxis, margin={"l": 4, "r": 4, "t": 4, "b": 4},
        xaxis={"tickformat": "%d-%m", "gridcolor": GRID, "fixedrange": True, "nticks": 6},
    )
    return {"data": data, "layout": layout}


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / HOUR


def figures(review: Review) -> dict[str, dict]:
    agreement = review.agreement
    response = agreement.first_contact_within.total_seconds() / HOUR
    pace = agreement.weekly_mql_pace if review.team_id is None else None
    return {
        "within-sla": trend_chart(review, lambda l: l.within_sla_share, target=agreement.within_sla_percent / 100, kind="share"),
        "median": trend_chart(review, lambda l: hours(l.median_seconds), target=response, kind="hours"),
        "p90": trend_chart(review, lambda l: hours(l.p90_seconds), target=response, kind="hours"),
        "feedback": trend_chart(review, lambda l: l.feedback_share, target=agreement.feedback_percent / 100, kind="share"),
        "delivered": trend_chart(review, lambda l: l.mqls, target=pace, kind="count"),
        "accepted": trend_chart(review, lambda l: l.accepted_share, target=agreement.accepted_percent / 100, kind="share"),
        "complete": trend_chart(review, lambda l: l.complete_share, target=agreement.complete_percent / 100, kind="share"),
        "mql-to-sql": trend_chart(review, lambda l: l.mql_to_sql, target=agreement.mql_to_sql_target, kind="share"),
    }
