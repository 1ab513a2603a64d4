"""The weekly review as the meeting's agenda: each key figure as a tile with its target, its
verdict, its counts ("7 of 9 in time") and its change since the week before, in words; the
tiles in the order they are discussed, red first. Plain Python over `metrics.Review`: no ORM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard import formatting
from review.metrics import Line, Review, judge_line
from review.targets import Judged, Status

# Discussed first: what missed its target, then the near misses, then the rest.
RANK = {Status.BAD: 0, Status.AMBER: 1, Status.GOOD: 2, None: 3}
SALES, MARKETING = "sales", "marketing"
SIDES = {SALES: gettext_lazy("Sales"), MARKETING: gettext_lazy("Marketing")}


@dataclass(frozen=True)
class Figure:
    """How one tile reads its figure from a line of the review."""

    key: str  # the judged key (metrics.judge_line)
    side: str
    label: str
    kind: str  # "share" (0–1), "hours" (seconds) or "count"
    chart: str
    value: Callable[[Line], float | None]
    counts: Callable[[Line], str]
    # The lead list behind the tile (metrics.figure_filters), where there is one to act on.
    leads: str = ""
    # Or the list on the review page itself where its leads are discussed and acted on.
    place: str = ""
    higher_is_better: bool = True


def _of(n: int, total: int, words: str) -> str:
    return words % {"n": n, "total": total}


FIGURES = (
    Figure(
        "within_sla", SALES, gettext_lazy("Contacted within the SLA"), "share", "within-sla",
        lambda l: l.within_sla_share,
        lambda l: _of(l.within_sla, l.due, _("%(n)s of %(total)s in time")), place="missed",
    ),
    Figure(
        "median", SALES, gettext_lazy("Median time to first contact"), "hours", "median",
        lambda l: l.median_seconds, lambda l: _("%(n)s leads contacted") % {"n": l.contacted}, higher_is_better=False,
    ),
    Figure(
        "p90", SALES, gettext_lazy("90th percentile time to first contact"), "hours", "p90",
        lambda l: l.p90_seconds, lambda l: _("%(n)s leads contacted") % {"n": l.contacted}, higher_is_better=False,
    ),
    Figure(
        "feedback", SALES, gettext_lazy("Feedback given"), "share", "feedback",
        lambda l: l.feedback_share,
        lambda l: _of(l.with_feedback, l.mqls, _("%(n)s of %(total)s with feedback")), place="no-feedback",
    ),
    Figure(
        "delivered", MARKETING, gettext_lazy("MQLs delivered"), "count", "delivered",
        lambda l: l.mqls, lambda l: "", leads="mqls",
    ),
    Figure(
        "accepted", MARKETING, gettext_lazy("Accepted by sales"), "share", "accepted",
        lambda l: l.accepted_share,
        lambda l: _of(l.accepted, l.decided, _("%(n)s of %(total)s decided were accepted")), leads="rejected",
    ),
    Figure(
        "complete", MARKETING, gettext_lazy("Complete data"), "share", "complete",
        lambda l: l.complete_share,
        lambda l: _of(l.complete, l.mqls, _("%(n)s of %(total)s complete")),
    ),
    Figure(
        "mql_to_sql", MARKETING, gettext_lazy("MQL → SQL"), "share", "mql-to-sql",
        lambda l: l.mql_to_sql, lambda l: _of(l.sqls, l.mqls, _("%(n)s of %(total)s became SQL")), leads="sqls",
    ),
)


@dataclass(frozen=True)
class Change:
    """The figure against the week before: an arrow and the same in words."""

    arrow: str  # ↑, ↓, = or "" (nothing to compare)
    words: str
    better: bool | None  # None: the same, or nothing to compare


@dataclass(frozen=True)
class Tile:
    figure: Figure
    value: str
    target: str
    judged: Judged
    counts: str
    change: Change

    @property
    def rank(self) -> int:
        return RANK[self.judged.status]

    @property
    def side_label(self) -> str:
        return str(SIDES[self.figure.side])


def show(kind: str, value: float | None) -> str:
    if kind == "share":
        return formatting.percent(value)
    if kind == "hours":
        return formatting.business_hours(value)
    return formatting.decimal(value, 0)


def _difference(kind: str, difference: float) -> str:
    size = abs(difference)
    if kind == "share":
        points = round(size * 100, 1)
        return _("%(n)s points") % {"n": formatting.decimal(points, 1)}
    return show(kind, size)


def change(kind: str, now: float | None, before: float | None, *, higher_is_better: bool) -> Change:
    """How the figure moved since the week before, in words ("up 6.0 points from 72.0 % last
    week: better"), so the direction does not rest on the arrow's colour."""
    if now is None or before is None:
        return Change("", _("No figure to compare with last week."), None)
    previous = show(kind, before)
    # Differences smaller than what the page shows are no change.
    if show(kind, now) == previous:
        return Change("=", _("The same as last week (%(before)s).") % {"before": previous}, None)
    rose = now > before
    better = rose == higher_is_better
    words = _("up %(by)s from %(before)s last week") if rose else _("down %(by)s from %(before)s last week")
    words = words % {"by": _difference(kind, now - before), "before": previous}
    verdict = _("better") if better else _("worse")
    return Change("↑" if rose else "↓", f"{words}: {verdict}", better)


def tiles(review: Review) -> list[Tile]:
    """The key figures of the week, in agenda order: red, amber, green, then those without a
    verdict; within each, in the page's usual order (sales before marketing)."""
    before = judge_line(review.previous, review.agreement, whole_company=not review.team_id)
    result = []
    for figure in FIGURES:
        judged = review.judged[figure.key]
        value = figure.value(review.total)
        target = judged.target
        result.append(
            Tile(
                figure=figure,
                value=show(figure.kind, value),
                target="" if target is None else show(figure.kind, target),
                judged=judged,
                counts=figure.counts(review.total) if value is not None else "",
                change=change(
                    figure.kind, value, before[figure.key].value, higher_is_better=figure.higher_is_better
                ),
            )
        )
    return sorted(result, key=lambda tile: tile.rank)


@dataclass(frozen=True)
class Summary:
    off_target: int
    near_miss: int
    on_target: int


def summary(ordered: list[Tile]) -> Summary:
    statuses = [tile.judged.status for tile in ordered]
    return Summary(statuses.count(Status.BAD), statuses.count(Status.AMBER), statuses.count(Status.GOOD))


def list_status(review: Review, key: str) -> Status | None:
    """The verdict a list of leads to discuss is ordered by: the missed deadlines by the open
    breaches (or, with none open, the first contacts in time), the leads without feedback by
    the feedback given."""
    judged = review.judged
    if key == "missed":
        statuses = [judged["open_breaches"].status, judged["within_sla"].status]
        known = [s for s in statuses if s is not None]
        return min(known, key=RANK.get) if known else None
    return judged["feedback"].status
