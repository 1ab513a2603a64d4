"""The weekly review's lines read from its rollup (leads.models.rollup.ReviewRollup and
ReviewTimeRollup, kept on every write by leads.rollups), plus one query over the leads for
the counts that depend on the moment the page is read.

The rollup holds, per handoff week × team × owner × channel, every count the review makes
that stays true once written (MQLs, contacted in time or late, attempts, feedback, sent back,
accepted, complete, SQL) and the response times and two clocks as histograms. What `now`
decides — never contacted (the deadline has passed without an attempt), the open breaches
(the running clock's deadline has passed) and the missed deadlines that follow from both —
is counted on the leads themselves, reading only those without a first attempt or with a
running deadline past: a few of the week's MQLs, not all of them.

Percentiles come from the histograms (leads.lead_times.percentiles_from): each time taken as
its bucket's mean, so off by less than a bucket's width — at most 3 %, or one second.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncWeek

from common.business_time import business_time_zone
from dashboard.metrics import reached
from handoff.models import Agreement
from leads.lead_times import percentiles_from
from leads.models import Lead, ReviewRollup, ReviewTimeRollup
from leads.models.rollup import REVIEW_COUNTS
from review.weeks import IsoWeek

S = Lead.Stage
PERCENTILES = (0.5, 0.9)
# How far a percentile read from the histograms may be off, as the page states it.
ERROR_SHARE, ERROR_SECONDS = 0.03, 1
# The lead's own field behind each grouping of the rollup.
LEAD_FIELD = {"team": "team_id", "owner": "owner_id"}


def _scoped(model, *, first: IsoWeek, last: IsoWeek, team_id: int | None):
    rows = model.objects.order_by().filter(week__gte=first.monday, week__lte=last.monday)
    return rows.filter(team=team_id) if team_id else rows


def _key(row: dict, by: tuple[str, ...]) -> tuple:
    """A row's grouping values as the review names them: the week's Monday, None for no team
    or owner (the rollup's 0)."""
    values = []
    for name in by:
        value = row[name]
        if name == "week":
            value = value.date() if isinstance(value, datetime) else value
        elif not value:
            value = None
        values.append(value)
    return tuple(values)


def _late_rows(leads, *, by: tuple[str, ...], conditions: dict[str, Q]) -> dict[tuple, dict]:
    """On the leads that can add to a count that depends on now: those counts, grouped `by`."""
    # The rollup counts the late first contacts; this counts the other missed deadlines.
    not_late = Q(first_attempt_at__isnull=True) | Q(first_contact_by__isnull=True) | Q(first_attempt_at__lte=F("first_contact_by"))
    grouping = {
        "week": TruncWeek(reached(S.MQL), tzinfo=business_time_zone()),
        **{name: F(field) for name, field in LEAD_FIELD.items()},
    }
    rows = (
        leads.filter(conditions["never_contacted"] | conditions["open_breaches"])
        .annotate(**{f"by_{name}": grouping[name] for name in by})
        .values(*[f"by_{name}" for name in by])
        .annotate(
            never_contacted=Count("pk", filter=conditions["never_contacted"]),
            open_breaches=Count("pk", filter=conditions["open_breaches"]),
            missed_not_late=Count("pk", filter=conditions["missed_deadlines"] & not_late),
        )
    )
    return {_key({name: row[f"by_{name}"] for name in by}, by): row for row in rows}


LATE = ("never_contacted", "open_breaches", "missed_not_late")


def lines(
    *, first: IsoWeek, last: IsoWeek, team_id: int | None, groupings: list[tuple[str, ...]],
    leads, conditions: dict[str, Q], agreement: Agreement, clocks_of_last_only: bool = False,
) -> list[dict[tuple, dict]]:
    """The review's figures of the weeks `first` to `last` for each grouping (some of "week",
    "team" and "owner", in that order): grouping values → a row with the keys
    review.metrics.Line.from_row reads. Groups without MQLs are left out. `leads` are those
    weeks' MQLs, `conditions` review.metrics.figure_filters(). Three queries, grouped by every
    name the groupings use; each grouping is added up from those rows. `clocks_of_last_only`:
    the two clocks of the week `last` alone (the trend shows no clocks: a third of the rows)."""
    finest = tuple(name for name in ("week", "team", "owner") if any(name in g for g in groupings))
    counts = {
        _key(row, finest): row
        for row in _scoped(ReviewRollup, first=first, last=last, team_id=team_id)
        .values(*finest).annotate(**{name: Sum(name) for name in REVIEW_COUNTS})
    }
    times = _scoped(ReviewTimeRollup, first=first, last=last, team_id=team_id)
    if clocks_of_last_only:
        times = times.filter(Q(measure__in=["response", "not_reached_attempts"]) | Q(week=last.monday))
    times = (
        times.values_list(*finest, "measure", "bucket").annotate(n=Sum("n"), us=Sum("microseconds"))
    )
    late = _late_rows(leads, by=finest, conditions=conditions)
    result = []
    for grouping in groupings:
        positions = [finest.index(name) for name in grouping]

        def coarse(key: tuple) -> tuple:
            return tuple(key[i] for i in positions)  # noqa: B023 — used in this loop only

        summed: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys([*REVIEW_COUNTS, *LATE], 0))
        for key, row in [*counts.items(), *late.items()]:
            target = summed[coarse(key)]
            for name in target:
                target[name] += row.get(name, 0)
        histograms: dict[tuple, dict[str, dict[int, list[int]]]] = defaultdict(lambda: defaultdict(dict))
        for *values, measure, bucket, n, us in times:
            entry = histograms[coarse(_key(dict(zip(finest, values)), finest))][measure].setdefault(bucket, [0, 0])
            entry[0] += n
            entry[1] += us
        result.append({
            key: _row(row, histograms.get(key, {}), agreement) for key, row in summed.items() if row["mqls"]
        })
    return result


def _row(counts: dict, histograms: dict[str, dict[int, list[int]]], agreement: Agreement) -> dict:
    never = counts["never_contacted"]
    due = counts["contacted"] + never

    def buckets(measure: str) -> list[tuple[int, int, int]]:
        return [(bucket, n, us) for bucket, (n, us) in histograms.get(measure, {}).items()]

    return {
        **{name: counts[name] for name in REVIEW_COUNTS},
        "due": due,
        "never_contacted": never,
        "waiting": counts["mqls"] - due,
        "open_breaches": counts["open_breaches"],
        "missed_first_contact": counts["contacted_late"] + never,
        "missed_deadlines": counts["contacted_late"] + counts["missed_not_late"],
        # The bucket is the attempt count: those given up on before the agreed minimum.
        "written_off_early": sum(n for attempts, n, _us in buckets("not_reached_attempts") if attempts < agreement.min_attempts),
        "response": percentiles_from(buckets("response"), PERCENTILES),
        "system_clock": percentiles_from(buckets("system_clock"), PERCENTILES),
        "system_count": sum(n for _bucket, n, _us in buckets("system_clock")),
        "rep_clock": percentiles_from(buckets("rep_clock"), PERCENTILES),
        "rep_count": sum(n for _bucket, n, _us in buckets("rep_clock")),
    }
