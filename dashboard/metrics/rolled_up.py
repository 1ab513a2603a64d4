"""The figures read from the rollups (leads/models/rollup.py) instead of every lead.

A view whose filters and breakdown a grouping set holds is summed from that set's rows per
day: in cohort mode the rows per arrival day (CohortRollup, LeadTimeRollup), in activity mode
the rows per event day (ActivityRollup, ActivityLeadTimeRollup: each figure on the day it
happened). The counts are exact, the lead times from the fine histograms (within 3 % or a
second: `leads.rollups`). Everything else (filters no set holds together, activity mode's
months and weeks of arrival) returns None here, and the caller reads the leads themselves.
Both give the same counts; a test checks it figure by figure.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Min, Q, Sum

from common.business_time import business_time_zone, start_of_day
from dashboard.filters import Customer, Dimension, Filters, owners_whose_team_is
from leads.lead_times import bucket_start, percentiles_from
from leads.models import (
    ActivityLeadTimeRollup,
    ActivityRollup,
    ActivitySpeedRollup,
    CohortRollup,
    Lead,
    LeadTimeRollup,
    RolledUpLead,
    SpeedRollup,
    Team,
)
from leads.models.rollup import (
    ACTIVITY_COUNTS,
    COUNTS,
    COUNTS_ONLY,
    GROUPING_SETS,
    NO_BUSINESS_TIME,
    PAIRS,
    SPEED_GROUPINGS,
    VERDICT_COUNTS,
)
from leads.month_rows import period_q, period_spans

# The rollup dimension each breakdown groups by (month and week come from the day). Owner,
# team, size and temperature are not rolled up: those breakdowns read the leads.
BREAKDOWN_DIMENSIONS = {
    Dimension.CHANNEL: "channel",
    Dimension.CAMPAIGN: "campaign",
    Dimension.PRODUCT: "product_interest",
    Dimension.SOURCE: "source",
    Dimension.SECTOR: "sector",
    Dimension.MONTH: None,
    Dimension.WEEK: None,
}
STATED_ERROR = 0.03  # the histograms' bound, as the page states it


def filtered_dimensions(filters: Filters) -> set[str]:
    wanted = set()
    for attribute, dimensions in (
        ("channel", {"channel"}), ("campaign", {"campaign"}), ("sector", {"sector"}),
        ("team_id", {"team", "owner"}), ("owner_id", {"owner"}), ("customer", {"customer"}),
        ("source_owner", {"source_owner"}),
    ):
        if getattr(filters, attribute):
            wanted |= dimensions
    return wanted


def grouping_for(filters: Filters, *, also: set[str] = frozenset()) -> str | None:
    """The smallest grouping set that holds the view's filters and `also`; None when the view
    must read the leads."""
    wanted = filtered_dimensions(filters) | set(also)
    return next(
        (
            name for name, kept in GROUPING_SETS.items()
            # A counts-only set holds no lead times: only a figure that asks for its dimension reads it.
            if wanted <= set(kept) and (name not in COUNTS_ONLY or wanted & set(kept))
        ),
        None,
    )


def _counts(filters: Filters):
    """The counts' rollup of the view's mode: per arrival day, or per event day."""
    return CohortRollup if filters.is_cohort else ActivityRollup


def _times(filters: Filters):
    return LeadTimeRollup if filters.is_cohort else ActivityLeadTimeRollup


def _of_view(model, filters: Filters, grouping: str, *, months: bool = True, cuts=()):
    """The rows of the view's days (whole months from month rows: `leads.month_rows.period_q`)."""
    period = period_q(grouping, filters.first_day, filters.last_day, months=months, cuts=cuts)
    return _narrowed(model.objects.order_by().filter(period), filters)


def _narrowed(rows, filters: Filters):
    """Rollup rows narrowed to the view's filters."""
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.campaign:
        rows = rows.filter(campaign=filters.campaign)
    if filters.sector:
        rows = rows.filter(sector=filters.sector)
    if filters.source_owner:
        rows = rows.filter(source_owner=filters.source_owner)
    if filters.owner_id:
        rows = rows.filter(owner=filters.owner_id)
    if filters.team_id:
        # The lead's team, else its owner's (as Filters.leads_q says it).
        rows = rows.filter(Q(team=filters.team_id) | Q(team=0, owner__in=owners_whose_team_is(filters.team_id)))
    if filters.customer == Customer.EXISTING:
        rows = rows.filter(customer="existing")
    elif filters.customer == Customer.NEW_BUSINESS:
        rows = rows.filter(customer="new")
    return rows


def _histograms(filters: Filters, grouping: str, measures, by: tuple[str, ...] = (), *, months: bool = True) -> dict:
    """{(by values…, measure): [(bucket, n, microseconds), …]}: one query, a UNION ALL of the
    period's spans (month rows, edge days; each an index-only range scan on PostgreSQL) summed
    per bucket by the database and read as plain rows (the page's largest reads)."""
    parts = [
        _narrowed(_times(filters).objects.order_by().filter(span), filters)
        .filter(measure__in=list(measures))
        .values_list(*by, "measure", "bucket")
        .annotate(n=Sum("n"), us=Sum("microseconds"))
        for span in period_spans(grouping, filters.first_day, filters.last_day, months=months)
    ]
    spans = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    sql, params = spans.query.sql_with_params()
    keys = ", ".join(connection.ops.quote_name(name) for name in (*by, "measure", "bucket"))
    found = defaultdict(list)
    with connection.cursor() as cursor:
        # (As bigint: PostgreSQL sums bigints as numeric, each row then a Decimal to convert.)
        sums = "CAST(SUM(n) AS bigint), CAST(SUM(us) AS bigint)"
        cursor.execute(f"SELECT {keys}, {sums} FROM ({sql}) AS spans GROUP BY {keys}", params)
        for *key, bucket, n, us in cursor.fetchall():
            found[tuple(key)].append((bucket, n, us))
    return found


def _revenue(cents) -> Decimal:
    return Decimal(cents or 0) / 100


def funnel_row(filters: Filters, *, now: datetime, percentiles: tuple[float, ...]) -> dict | None:
    """What dashboard.metrics.funnel() aggregates, keyed as it keys it: three queries (the
    sums, the histograms, the leads of the days on which a maturity limit falls); in activity
    mode two (no maturity)."""
    grouping = grouping_for(filters)
    if grouping is None:
        return None
    zone = business_time_zone()
    limits = sorted(set(settings.FUNNEL_MATURITY_DAYS.values())) if filters.is_cohort else []
    counts = COUNTS if filters.is_cohort else ACTIVITY_COUNTS
    # Younger than `days`: whole days after the one the limit falls on come from the rollup,
    # that day itself from its leads (a part of it is younger).
    limit_day = {days: (now - timedelta(days=days)).astimezone(zone).date() for days in limits}
    sums = {f"sum_{name}": Sum(name) for name in counts}
    sums.update({f"after_{days}": Sum("leads", filter=Q(day__gt=limit_day[days])) for days in limits})
    # (Aggregates may not share a column's name.)
    # A month row is read only where it lies wholly on one side of every limit day.
    of_view = _of_view(_counts(filters), filters, grouping, cuts=limit_day.values())
    row = {key.removeprefix("sum_"): value for key, value in of_view.aggregate(**sums).items()}
    on_the_day = {
        days: Q(created_at__gt=now - timedelta(days=days), created_at__lt=start_of_day(limit_day[days] + timedelta(days=1)))
        for days in limits
    }
    either = Q()
    for q in on_the_day.values():
        either |= q
    edges = {} if not limits else (
        Lead.objects.order_by()
        .filter(filters.leads_q(), created_at__gte=filters.start_at, created_at__lt=filters.end_at)
        .filter(either)
        .aggregate(**{f"edge_{days}": Count("pk", filter=q) for days, q in on_the_day.items()})
    )
    measures = [f"{a}_{b}" for a, b in PAIRS] + ["first_attempt"]
    times = _histograms(filters, grouping, measures)
    result = {
        "leads": row["leads"] or 0,
        "contacted": row["contacted"] or 0,
        "attempts": row["attempts"],
        "lost": row["lost"] or 0,
        "open": row["open"] or 0,
        "revenue": _revenue(row["revenue_cents"]),
        "first_attempt_time": percentiles_from(times[("first_attempt",)], percentiles),
    }
    for stage in Lead.FUNNEL:
        result[stage] = row[f"reached_{stage}"] or 0
        result[f"own_{stage}"] = row[f"own_{stage}"] or 0
        # Cohort mode: a lead at the stage itself has reached it, so the rest skipped it. By
        # event day its own stamp may fall in another period: activity mode counts them.
        result[f"skipped_{stage}"] = (
            result[stage] - result[f"own_{stage}"] if filters.is_cohort else row[f"skipped_{stage}"] or 0
        )
    for earlier, later in PAIRS:
        result[f"n_{earlier}_{later}"] = row[f"passed_{earlier}_{later}"] or 0
        result[f"time_{earlier}_{later}"] = percentiles_from(times[(f"{earlier}_{later}",)], percentiles)
    for days in limits:
        result[f"younger_than_{days}"] = (row[f"after_{days}"] or 0) + edges[f"edge_{days}"]
    return result


def distributions(filters: Filters, edges: tuple[int, ...]) -> tuple[dict, dict] | None:
    """The counts per bucket (index as `WidthBucket` numbers them) of the first attempt after
    the MQL and of MQL → SQL: one query. Exact, as the fine buckets start at these edges."""
    grouping = grouping_for(filters)
    if grouping is None:
        return None
    times = _histograms(filters, grouping, ["first_attempt", "reached_mql_sql"])
    result = []
    for measure in ("first_attempt", "reached_mql_sql"):
        counts = defaultdict(int)
        for bucket, n, _us in times[(measure,)]:
            counts[bisect.bisect_right(edges, bucket_start(bucket)) if bucket > 0 else 0] += n
        result.append(counts)
    return result[0], result[1]


def weekly(filters: Filters) -> dict[date, dict] | None:
    """Per Monday of arrival (activity mode: of reaching MQL): the MQLs and how many of them
    reached SQL. One query."""
    grouping = grouping_for(filters)
    if grouping is None:
        return None
    rows = _of_view(_counts(filters), filters, grouping, months=False).values_list("day").annotate(
        mqls=Sum("reached_mql"), sqls=Sum("reached_sql" if filters.is_cohort else "mql_reached_sql")
    )
    weeks = defaultdict(lambda: {"mqls": 0, "sqls": 0})
    for day, mqls, sqls in rows:
        if mqls:
            week = weeks[day - timedelta(days=day.weekday())]
            week["mqls"] += mqls
            week["sqls"] += sqls
    return weeks


def _breakdown_key(dimension: str, column: str | None, value):
    """A breakdown row's key from the value rows were grouped by: the dimension's own column,
    or (by month or week of arrival) the day, as the month's first or the week's Monday."""
    if column:
        return value
    return value.replace(day=1) if dimension == Dimension.MONTH else value - timedelta(days=value.weekday())


def breakdown_rows(filters: Filters, dimension: str) -> list[dict] | None:
    """What breakdowns.breakdown_rows() aggregates per row, keyed as it keys it: two queries."""
    if dimension not in BREAKDOWN_DIMENSIONS:
        return None
    if not filters.is_cohort and BREAKDOWN_DIMENSIONS[dimension] is None:
        return None  # the month or week of arrival, while activity rows are per event day
    column = BREAKDOWN_DIMENSIONS[dimension]
    grouping = grouping_for(filters, also={column} if column else set())
    if grouping is None:
        return None
    by = (column,) if column else ("day",)
    sums = {
        "n_leads": Sum("leads"), "n_mqls": Sum("reached_mql"), "n_sqls": Sum("reached_sql"),
        "n_opportunities": Sum("reached_opportunity"), "n_won": Sum("reached_won"),
        "n_lost": Sum("lost"), "revenue_cents": Sum("revenue_cents"),
    }
    # A month row sums its month: right for a breakdown by month, not by week.
    months = dimension != Dimension.WEEK
    rows = _of_view(_counts(filters), filters, grouping, months=months).values_list(*by).annotate(**sums)
    times = _histograms(filters, grouping, ["mql_won"], by=by, months=months)

    grouped: dict = {}
    histograms = defaultdict(list)
    for value, *figures in rows:
        key = _breakdown_key(dimension, column, value)
        entry = grouped.setdefault(key, dict.fromkeys(sums, 0))
        for name, figure in zip(sums, figures):
            entry[name] += figure or 0
    for (value, _measure), buckets in times.items():
        histograms[_breakdown_key(dimension, column, value)].extend(buckets)
    result = []
    for key, entry in grouped.items():
        result.append({
            "key": key,
            **{name: entry[name] for name in sums if name != "revenue_cents"},
            "revenue": _revenue(entry["revenue_cents"]),
            "mql_to_won": percentiles_from(histograms[key], (0.5,)),
        })
    return result


def follow_up_rows(filters: Filters, *, by_owner: bool) -> list[dict] | None:
    """What sources.follow_up_per_person_or_team() aggregates per team (the lead's, else its
    owner's lowest-id team) or per owner, keyed as it keys it: four queries per team (sums, lead
    times, team names, memberships), three per owner (sums, lead times, names)."""
    grouping = grouping_for(filters, also={"team", "owner"})
    if grouping is None:
        return None
    sums = {"n_mqls": Sum("reached_mql"), "n_contacted": Sum("contacted"), "n_attempts": Sum("attempts")}
    rows = _of_view(_counts(filters), filters, grouping).values_list("team", "owner").annotate(**sums)
    times = _histograms(filters, grouping, ["first_attempt"], by=("team", "owner"))
    users = get_user_model().objects.order_by()
    if by_owner:
        names = {
            pk: {"first_name": first, "last_name": last, "username": username}
            # (A subquery, not a list of ids: one query even when the view is empty.)
            for pk, first, last, username in users.filter(
                pk__in=_of_view(_counts(filters), filters, grouping).values("owner")
            ).values_list("pk", "first_name", "last_name", "username")
        }
    else:
        teams = dict(Team.objects.values_list("pk", "name"))
        first_team = dict(
            Team.members.through.objects.order_by().values_list("user_id").annotate(first=Min("team_id"))
        )

    def key_of(team: int, owner: int):
        if by_owner:
            return owner or None
        if team:
            return team
        return first_team.get(owner) if owner else None

    grouped: dict = {}
    for team, owner, mqls, contacted, attempts in rows:
        if not mqls:
            continue
        key = key_of(team, owner)
        entry = grouped.setdefault(key, {"n_mqls": 0, "n_contacted": 0, "n_attempts": 0, "buckets": []})
        entry["n_mqls"] += mqls
        entry["n_contacted"] += contacted or 0
        entry["n_attempts"] += attempts or 0
    for (team, owner, _measure), buckets in times.items():
        if (key := key_of(team, owner)) in grouped:
            grouped[key]["buckets"].extend(buckets)
    result = []
    for key, entry in grouped.items():
        carried = (
            names.get(key, dict.fromkeys(("first_name", "last_name", "username")))
            if by_owner
            else {"team_name": teams.get(key)}
        )
        buckets = entry.pop("buckets")
        result.append({"key": key, **carried, **entry, "first_attempt_time": percentiles_from(buckets, (0.5,))})
    return result


CLOCK_DIMENSIONS = {"team", "owner"}  # the two clocks are shown per team and per rep


def clock_rows(filters: Filters, *, percentiles: tuple[float, ...]) -> tuple[dict, list[dict], list[dict]] | None:
    """What speed.response_clocks() aggregates in all, per team (the lead's, else its owner's
    lowest-id team) and per owner, keyed as it keys them: four queries (the two clocks'
    histograms per team and owner, team names, memberships, owners' names)."""
    grouping = grouping_for(filters, also=CLOCK_DIMENSIONS)
    if grouping is None:
        return None
    times = _histograms(filters, grouping, ["system_clock", "rep_clock"], by=("team", "owner"))
    teams = dict(Team.objects.values_list("pk", "name"))
    first_team = dict(
        Team.members.through.objects.order_by().values_list("user_id").annotate(first=Min("team_id"))
    )
    names = {
        pk: {"first_name": first, "last_name": last, "username": username}
        # (A subquery, not a list of ids: one query even when the view is empty.)
        for pk, first, last, username in get_user_model().objects.order_by().filter(
            pk__in=_of_view(_counts(filters), filters, grouping).values("owner")
        ).values_list("pk", "first_name", "last_name", "username")
    }
    total: dict[str, list] = defaultdict(list)
    per_team: dict = defaultdict(lambda: defaultdict(list))
    per_owner: dict = defaultdict(lambda: defaultdict(list))
    for (team, owner, measure), buckets in times.items():
        team_key = team or (first_team.get(owner) if owner else None)
        for found in (total, per_team[team_key], per_owner[owner or None]):
            found[measure].extend(buckets)

    def figures(found: dict[str, list]) -> dict:
        row = {}
        for clock in ("system", "rep"):
            buckets = found.get(f"{clock}_clock", [])
            row[f"{clock}_clock"] = percentiles_from(buckets, percentiles)
            row[f"{clock}_count"] = sum(n for _bucket, n, _us in buckets)
        return row

    nobody = dict.fromkeys(("first_name", "last_name", "username"))
    return (
        figures(total),
        [{"key": key, "team_name": teams.get(key), **figures(found)} for key, found in per_team.items()],
        [{"key": key, **names.get(key, nobody), **figures(found)} for key, found in per_owner.items()],
    )


def sourcing_rows(filters: Filters) -> dict[str, tuple[int, Decimal, Decimal]] | None:
    """What sourcing.sourcing() aggregates: per source owner, (leads, pipeline value, won
    revenue): one query."""
    grouping = grouping_for(filters, also={"source_owner"})
    if grouping is None:
        return None
    rows = _of_view(_counts(filters), filters, grouping).values_list("source_owner").annotate(
        n=Sum("leads"), pipeline=Sum("pipeline_cents"), revenue=Sum("revenue_cents")
    )
    # (Activity mode: a source owner may have no arrivals in the period and still deals.)
    return {
        key: (n or 0, _revenue(pipeline), _revenue(revenue))
        for key, n, pipeline, revenue in rows
        if n or pipeline or revenue
    }


def lost_reason_rows(filters: Filters) -> list[dict] | None:
    """What outcomes.lost_reasons() aggregates, keyed as it keys it: the lost leads and their
    deals' value per lost reason, one query."""
    grouping = grouping_for(filters, also={"lost_reason"})
    if grouping is None:
        return None
    rows = _of_view(_counts(filters), filters, grouping).values_list("lost_reason").annotate(
        n=Sum("lost"), value=Sum("lost_value_cents")
    )
    return [{"lost_reason": reason, "n": n, "value": _revenue(value)} for reason, n, value in rows if n]


def campaign_cost_rows(filters: Filters) -> dict[int, dict] | None:
    """What campaigns.campaign_costs() counts per linked campaign (its id → the leads, MQLs,
    SQLs and won as the funnel counts them, and the revenue won): one query."""
    grouping = grouping_for(filters, also={"linked_campaign"})
    if grouping is None:
        return None
    rows = (
        _of_view(_counts(filters), filters, grouping)
        .exclude(linked_campaign=0)
        .values_list("linked_campaign")
        .annotate(
            leads=Sum("leads"), mqls=Sum("reached_mql"), sqls=Sum("reached_sql"), won=Sum("reached_won"),
            revenue=Sum("revenue_cents"),
        )
    )
    return {
        campaign: {"n_leads": n, "n_mqls": mqls, "n_sqls": sqls, "n_won": won, "revenue": _revenue(revenue)}
        for campaign, n, mqls, sqls, won, revenue in rows
        if n or mqls or sqls or won
    }


def after_sale_rows(filters: Filters, dimension: str) -> tuple[list[dict], dict] | None:
    """What aftersales.after_sale() aggregates per value of `dimension` and in all, keyed as it
    keys them (the median time to first value from the histograms): two queries. Cohort mode:
    the won leads that arrived in the period; activity mode: the wins of the period, each with
    its after-sale counts and time to first value on the day of the win (not by month or week
    of arrival: those read the leads)."""
    if dimension not in BREAKDOWN_DIMENSIONS:
        return None
    column = BREAKDOWN_DIMENSIONS[dimension]
    if not filters.is_cohort and column is None:
        return None
    grouping = grouping_for(filters, also={column} if column else set())
    if grouping is None:
        return None
    by = (column,) if column else ("day",)
    sums = {
        "n_customers": Sum("reached_won"), "n_churned": Sum("churned"), "n_renewals": Sum("renewals"),
        "n_first_value": Sum("first_value"), "revenue_cents": Sum("revenue_cents"),
        "expansion_cents": Sum("expansion_cents"),
    }
    months = dimension != Dimension.WEEK  # a month row sums its month: right by month, not by week
    won = _of_view(_counts(filters), filters, grouping, months=months).filter(reached_won__gt=0)
    rows = won.values_list(*by).annotate(**sums)
    times = _histograms(filters, grouping, ["won_first_value"], by=by, months=months)

    grouped: dict = {}
    histograms = defaultdict(list)
    for value, *figures in rows:
        entry = grouped.setdefault(_breakdown_key(dimension, column, value), dict.fromkeys(sums, 0))
        for name, figure in zip(sums, figures):
            entry[name] += figure or 0
    for (value, _measure), buckets in times.items():
        histograms[_breakdown_key(dimension, column, value)].extend(buckets)

    def figures(entry: dict, buckets: list) -> dict:
        return {
            **{name: entry[name] for name in ("n_customers", "n_churned", "n_renewals", "n_first_value")},
            "won_revenue": _revenue(entry["revenue_cents"]),
            "expansion_revenue": _revenue(entry["expansion_cents"]),
            "to_first_value": percentiles_from(buckets, (0.5,)),
        }

    total = {name: sum(entry[name] for entry in grouped.values()) for name in sums}
    every = [bucket for buckets in histograms.values() for bucket in buckets]
    return (
        [{"key": key, **figures(entry, histograms[key])} for key, entry in grouped.items()],
        figures(total, every),
    )


ROUTING_DIMENSIONS = {"routed_by", "routed_on"}


def routed_facts_of_view(filters: Filters):
    """The leads routing quality looks at as the rollups hold them (`RolledUpLead`, one row per
    lead), with the filters Filters.leads_q() applies, on the copies of their fields: in cohort
    mode those that arrived in the period, in activity mode those first assigned in it."""
    moment = "created_at" if filters.is_cohort else "first_assigned_at"
    rows = RolledUpLead.objects.order_by().filter(**{f"{moment}__gte": filters.start_at, f"{moment}__lt": filters.end_at})
    for attribute, field in (("channel", "channel"), ("campaign", "campaign"), ("sector", "sector"),
                             ("source_owner", "source_owner"), ("owner_id", "owner_id")):
        if value := getattr(filters, attribute):
            rows = rows.filter(**{field: value})
    if filters.team_id:
        rows = rows.filter(
            Q(team_id=filters.team_id) | Q(team_id__isnull=True, owner_id__in=owners_whose_team_is(filters.team_id))
        )
    if filters.customer == Customer.EXISTING:
        rows = rows.filter(is_customer=True)
    elif filters.customer == Customer.NEW_BUSINESS:
        rows = rows.exclude(is_customer=True)
    return rows


def routing_rows(filters: Filters, *, judged_before: datetime) -> dict[str, dict] | None:
    """What routing.routing_quality() counts per routing row (the first assignment's): the
    routed leads, with an owner, of those the ones first assigned by `judged_before` and the
    ones of them whose owner stayed, and reassigned. Cohort mode: the routed leads that arrived
    in the period; activity mode: those first assigned in it (ActivityRollup's rows per day of
    the first assignment). Two queries: the rollup's sums (whole days of first assignment
    before the one `judged_before` falls on), and that day's leads."""
    grouping = grouping_for(filters, also=ROUTING_DIMENSIONS)
    if grouping is None:
        return None
    day = judged_before.astimezone(business_time_zone()).date()
    before = Q(routed_on__lt=day.toordinal())
    rows = _of_view(_counts(filters), filters, grouping).values_list("routed_by").annotate(
        leads=Sum("routed"), with_owner=Sum("routed_with_owner"), reassigned=Sum("routed_reassigned"),
        judged=Sum("routed_with_owner", filter=before), kept=Sum("routed_kept", filter=before),
    )
    found = {
        key: {"leads": n, "with_owner": owner, "reassigned": reassigned, "judged": judged or 0, "kept": kept or 0}
        for key, n, owner, reassigned, judged, kept in rows
        if n
    }
    on_the_day = routed_facts_of_view(filters).filter(
        first_assigned_at__gte=start_of_day(day), first_assigned_at__lte=judged_before, first_owner_id__isnull=False
    ).values_list("routed_by").annotate(judged=Count("pk"), kept=Count("pk", filter=Q(owner_changed_in_first_week=False)))
    for key, judged, kept in on_the_day:
        if key not in found:  # (first assigned between the two reads)
            continue
        found[key]["judged"] += judged
        found[key]["kept"] += kept
    return found


def verdict_rows(filters: Filters) -> dict[str, dict[str, int]] | None:
    """What sources.feedback_per_source() counts: per channel (campaign when one channel is
    chosen), the VERDICT_COUNTS of the cohort's leads (cohort mode) or of the verdicts given in
    the period (activity mode: each feedback on the day it was given, each rejection at the
    accept step on its own). One query; sources without a verdict are left out."""
    column = "campaign" if filters.channel else "channel"
    grouping = grouping_for(filters, also={column})
    if grouping is None:
        return None
    rows = _of_view(_counts(filters), filters, grouping, months=True).values_list(column).annotate(
        **{f"sum_{name}": Sum(name) for name in VERDICT_COUNTS}
    )
    result = {}
    for key, *sums in rows:
        counts = {name: n or 0 for name, n in zip(VERDICT_COUNTS, sums)}
        if counts["feedback"] or counts["rejected_at_accept"]:
            result[key] = counts
    return result


def speed_rows(filters: Filters) -> list[dict] | None:
    """What speed.speed_to_lead() aggregates: per channel, intent tier and bucket of both
    clocks (business None: tried, no business time stored), the MQLs and how many reached SAL,
    SQL and won (until today). Cohort mode: the MQLs that arrived in the period, by arrival day
    (SpeedRollup); activity mode: those that reached MQL in it, by that day
    (ActivitySpeedRollup). One query."""
    grouping = grouping_for(filters, also={"channel"})
    if grouping not in SPEED_GROUPINGS:
        return None
    rows = (
        _of_view(SpeedRollup if filters.is_cohort else ActivitySpeedRollup, filters, grouping, months=True)
        .values_list("channel", "intent_tier", "clock", "business")
        .annotate(Sum("n"), Sum("sals"), Sum("sqls"), Sum("won"))
    )
    return [
        {
            "channel": channel, "intent_tier": tier, "clock": clock,
            "business": None if business == NO_BUSINESS_TIME else business,
            "n": n, "sals": sals, "sqls": sqls, "won": won,
        }
        for channel, tier, clock, business, n, sals, sqls, won in rows
        if n
    ]
