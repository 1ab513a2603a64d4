"""The funnel: how many leads reached and passed through each stage, outcomes, lead times
and the weekly MQL → SQL series (see the package's docstring for the two ways of counting)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce, TruncWeek
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThan
from django.utils.translation import gettext_lazy as _

import dashboard.metrics.rolled_up as rolled_up
from common.business_time import business_time_zone
from dashboard.filters import Filters
from dashboard.sql import EarliestOf, Percentiles, SecondsBetween, WidthBucket
from leads.models import Lead, StageChange, Team
from leads.rollups import leads_per_stage


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int


@dataclass(frozen=True)
class Overview:
    arrived_last_7_days: int
    mql_last_7_days: int
    sql_last_7_days: int
    won_last_7_days: int
    open_by_stage: list[StageCount]


def overview(*, now: datetime) -> Overview:
    """Last week's arrivals and stage arrivals, and today's open leads per stage (from the
    stage rollup, a few hundred rows whatever the number of leads): two queries."""
    week_ago = now - timedelta(days=7)
    # Only the leads that did something this week: each range can use its stamp's index, so
    # the query reads a week of leads instead of all of them.
    recent = Q()
    for moment in ("created_at", "mql_at", "sql_at", "won_at"):
        recent |= Q(**{f"{moment}__gte": week_ago, f"{moment}__lte": now})
    week = Lead.objects.order_by().filter(recent).aggregate(
        arrived=Count("id", filter=Q(created_at__gte=week_ago, created_at__lte=now)),
        mql=Count("id", filter=Q(mql_at__gte=week_ago, mql_at__lte=now)),
        sql=Count("id", filter=Q(sql_at__gte=week_ago, sql_at__lte=now)),
        won=Count("id", filter=Q(won_at__gte=week_ago, won_at__lte=now)),
    )
    per_stage = leads_per_stage(Lead.OPEN_STAGES)
    return Overview(
        arrived_last_7_days=week["arrived"],
        mql_last_7_days=week["mql"],
        sql_last_7_days=week["sql"],
        won_last_7_days=week["won"],
        open_by_stage=[
            StageCount(stage, Lead.Stage(stage).label, per_stage.get(stage, 0))
            for stage in Lead.OPEN_STAGES
        ],
    )


def recent_stage_changes(*, limit: int = 15) -> list[StageChange]:
    return list(
        StageChange.objects.select_related("lead", "lead__company", "changed_by").order_by(
            "-changed_at", "-id"
        )[:limit]
    )


# --- the joint funnel ----------------------------------------------------------------------

S = Lead.Stage
FUNNEL = list(Lead.FUNNEL)  # MQL, SAL, SQL, opportunity, won
LEADS = "leads"  # the top of the funnel: every lead that arrived
PERCENTILES = (0.5, 0.9)
CENTS = Decimal("0.01")

# Lead-time buckets for the distributions: where each starts (seconds), and its label.
HOUR, DAY = 3600, 86400
BUCKET_EDGES = (15 * 60, HOUR, 4 * HOUR, DAY, 3 * DAY, 7 * DAY, 28 * DAY)
BUCKET_LABELS = [
    _("< 15 min"), _("15–60 min"), _("1–4 h"), _("4–24 h"), _("1–3 days"), _("3–7 days"),
    _("1–4 weeks"), _("> 4 weeks"),
]


def ratio(part: int | Decimal | None, whole: int | Decimal | None) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as "—")."""
    if not whole or part is None:
        return None
    return float(part) / float(whole)


def reached(stage: str):
    """When the lead first reached `stage` or any later funnel stage (NULL: never)."""
    later = FUNNEL[FUNNEL.index(stage) :]
    if len(later) == 1:
        return F(f"{later[0]}_at")
    return EarliestOf(*[F(f"{s}_at") for s in later])


@dataclass(frozen=True)
class LeadTime:
    median_seconds: float | None
    p90_seconds: float | None

    @classmethod
    def of(cls, percentiles: list[float] | None) -> "LeadTime":
        if not percentiles:
            return cls(None, None)
        return cls(percentiles[0], percentiles[1])


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    label: str
    count: int  # reached this stage or a later one
    from_previous: float | None  # passed / the previous stage's own count
    from_top: float | None  # count / leads
    lead_time: LeadTime | None  # of the leads that passed through; None for the top
    # Cohort mode: more than half of the cohort arrived less than `maturity_days` ago, the
    # time in which most leads that get to this stage get there. Too early to judge.
    young_share: float | None = None
    maturity_days: int | None = None
    own: int = 0  # have this stage's own stamp (were at this stage)
    passed: int | None = None  # have the previous stage's and this stage's own stamps, in order
    skipped: int = 0  # reached a later stage without being at this one

    @property
    def too_young(self) -> bool:
        return self.young_share is not None and self.young_share > 0.5


@dataclass(frozen=True)
class StageLeadTime:
    """The time from one stage to another for the leads that were at both (own stamps)."""

    from_stage: str  # "leads" for arrival
    to_stage: str
    label: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class Outcomes:
    won: int
    lost: int  # lost and not won later
    open: int  # at SQL or opportunity today
    revenue: Decimal
    leads: int
    mqls: int

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)

    @property
    def revenue_per_lead(self) -> float | None:
        return ratio(self.revenue, self.leads)

    @property
    def revenue_per_mql(self) -> float | None:
        return ratio(self.revenue, self.mqls)

    @property
    def revenue_per_won(self) -> float | None:
        return ratio(self.revenue, self.won)


@dataclass(frozen=True)
class Bucket:
    label: str
    count: int


@dataclass(frozen=True)
class FollowUp:
    """How sales followed up the MQLs of a view (a team, an owner, or all)."""

    label: str
    mqls: int
    contacted: int
    attempts: int
    median_first_attempt_seconds: float | None
    key: str = ""  # the team's or owner's id ("" for none, and for the totals)

    @property
    def contacted_share(self) -> float | None:
        return ratio(self.contacted, self.mqls)

    @property
    def attempts_per_lead(self) -> float | None:
        return ratio(self.attempts, self.mqls)


@dataclass(frozen=True)
class Funnel:
    steps: list[FunnelStep]
    follow_up: FollowUp
    lead_times: list[StageLeadTime]
    outcomes: Outcomes
    opportunities: int

    def lead_time(self, from_stage: str, to_stage: str) -> StageLeadTime:
        return next(t for t in self.lead_times if (t.from_stage, t.to_stage) == (from_stage, to_stage))


# The end-to-end lead times: from arrival or MQL to the stages that matter.
END_TO_END = [(LEADS, S.MQL), (LEADS, S.SQL), (S.MQL, S.SQL), (S.MQL, S.WON), (LEADS, S.WON)]
PIPELINE = [S.SQL, S.OPPORTUNITY]


def own_moment(stage: str) -> F:
    """When the lead itself was at `stage` first (arrival for the top): no later stage counts."""
    return F("created_at") if stage == LEADS else F(f"{stage}_at")


def in_period(filters: Filters, moment) -> Q:
    return Q(GreaterThanOrEqual(moment, filters.start_at), LessThan(moment, filters.end_at))


def counted(filters: Filters, stage: str) -> Q:
    """Which leads of the base query count for `stage`: in cohort mode every lead of the
    cohort that got there (until today), in activity mode those that got there in the period."""
    moment = F("created_at") if stage == LEADS else reached(stage)
    if filters.is_cohort:
        return Q() if stage == LEADS else Q(IsNull(moment, False))
    return in_period(filters, moment)


def counted_own(filters: Filters, stage: str) -> Q:
    """As counted(), by the stage's own stamp: the leads that were at the stage itself."""
    if stage == LEADS:
        return counted(filters, LEADS)
    if filters.is_cohort:
        return Q(IsNull(own_moment(stage), False))
    return in_period(filters, own_moment(stage))


def passed_through(filters: Filters, earlier: str, later: str) -> Q:
    """The leads that were at `earlier` and then at `later` (both own stamps, in that order; a
    lead recycled to MQL after its SQL did not pass MQL → SQL). Activity mode counts them when
    they got to `later`."""
    q = Q(GreaterThanOrEqual(own_moment(later), own_moment(earlier)))  # NULL: not passed
    if not filters.is_cohort:
        q &= in_period(filters, own_moment(later))
    return q


def skipped_q(filters: Filters, stage: str) -> Q:
    """The leads the view counts for `stage` that were never at the stage itself: they went
    straight on to a later one. The same leads in both modes, so the count has a list."""
    return counted(filters, stage) & Q(**{f"{stage}_at__isnull": True})


def lost_q(filters: Filters) -> Q:
    """Lost, and not won after being recycled: a lead is won, lost or neither."""
    return counted_own(filters, S.LOST) & Q(won_at__isnull=True)


NO_CAMPAIGN = _("(no campaign)")


def owner_team(field: str):
    """The team of the lead's owner: the one with the lowest id they are a member of."""
    teams = Team.objects.filter(members=OuterRef("owner_id")).order_by("pk")
    return Subquery(teams.values(field)[:1])


def lead_team(field: str):
    """The lead's team, else its owner's (imported history often has an owner only)."""
    return Coalesce(F(f"team__{field}"), owner_team(field))


def base_leads(filters: Filters):
    """The leads a view looks at. In cohort
    mode, the leads that arrived in the period; in activity mode every lead that arrived or
    reached a funnel stage (or was lost) in the period (each figure then picks its own)."""
    start, end = filters.start_at, filters.end_at
    leads = Lead.objects.order_by().filter(filters.leads_q())
    if filters.is_cohort:
        return leads.filter(created_at__gte=start, created_at__lt=end)
    # One range per stamp, so PostgreSQL can combine the stamps' indexes.
    in_period = Q(created_at__gte=start, created_at__lt=end)
    for stage in [*FUNNEL, S.LOST]:
        in_period |= Q(**{f"{stage}_at__gte": start, f"{stage}_at__lt": end})
    return leads.filter(in_period)


def _count(filters: Filters, stage: str) -> Count:
    if filters.is_cohort:
        # Counting the non-empty moments is the same as filtering on them, and cheaper.
        return Count("pk") if stage == LEADS else Count(reached(stage))
    return Count("pk", filter=counted(filters, stage))


def _only_in_activity_mode(filters: Filters, stage: str) -> Q | None:
    """In cohort mode a lead that never got to the stage has no lead time (NULL), which
    percentiles skip anyway: no filter needed."""
    return None if filters.is_cohort else counted(filters, stage)


def stage_label(stage: str) -> str:
    return str(_("Lead")) if stage == LEADS else str(S(stage).label)


def funnel(filters: Filters, *, now: datetime) -> Funnel:
    """Counts, conversions and lead times per step, the end-to-end lead times, the outcomes
    and the follow-up totals: from the rollups (three small queries), else one query."""
    row = rolled_up.funnel_row(filters, now=now, percentiles=PERCENTILES) or _aggregated(filters, now=now)
    return _funnel_of(filters, row)


def _aggregated(filters: Filters, *, now: datetime) -> dict:
    """The funnel's figures from the leads themselves: one query."""
    leads = base_leads(filters)
    contacted = counted(filters, S.MQL) & Q(first_attempt_at__isnull=False)
    aggregates = {
        LEADS: _count(filters, LEADS),
        "contacted": Count("pk", filter=contacted),
        "attempts": Sum("attempt_count", filter=counted(filters, S.MQL)),
        "first_attempt_time": Percentiles(
            SecondsBetween(F("first_attempt_at"), reached(S.MQL)),
            PERCENTILES,
            filter=_only_in_activity_mode(filters, S.MQL),
        ),
        "lost": Count("pk", filter=lost_q(filters)),
        "open": Count("pk", filter=counted(filters, S.SQL) & Q(stage__in=PIPELINE)),
        "revenue": Sum("deal_value", filter=counted(filters, S.WON)),
    }
    pairs = list(zip([LEADS, *FUNNEL], FUNNEL))
    pairs += [pair for pair in END_TO_END if pair not in pairs]
    for earlier, later in pairs:
        passed = passed_through(filters, earlier, later)
        aggregates[f"n_{earlier}_{later}"] = Count("pk", filter=passed)
        aggregates[f"time_{earlier}_{later}"] = Percentiles(
            SecondsBetween(own_moment(later), own_moment(earlier)), PERCENTILES, filter=passed
        )
    for stage in FUNNEL:
        aggregates[stage] = _count(filters, stage)
        aggregates[f"own_{stage}"] = Count("pk", filter=counted_own(filters, stage))
        aggregates[f"skipped_{stage}"] = Count("pk", filter=skipped_q(filters, stage))
    maturity = settings.FUNNEL_MATURITY_DAYS
    if filters.is_cohort:
        for days in sorted(set(maturity.values())):
            aggregates[f"younger_than_{days}"] = Count(
                "pk", filter=Q(created_at__gt=now - timedelta(days=days))
            )
    return leads.aggregate(**aggregates)


def _funnel_of(filters: Filters, row: dict) -> Funnel:
    maturity = settings.FUNNEL_MATURITY_DAYS
    row[f"own_{LEADS}"] = row[LEADS]

    top = row[LEADS]
    steps = [FunnelStep(LEADS, str(_("Leads")), top, None, None, None, own=top)]
    for previous, stage in zip([LEADS, *FUNNEL], FUNNEL):
        young_share = None
        if filters.is_cohort:
            young_share = ratio(row[f"younger_than_{maturity[stage]}"], top)
        passed = row[f"n_{previous}_{stage}"]
        steps.append(
            FunnelStep(
                stage=stage,
                label=str(S(stage).label),
                count=row[stage],
                from_previous=ratio(passed, row[f"own_{previous}"]),
                from_top=ratio(row[stage], top),
                lead_time=LeadTime.of(row[f"time_{previous}_{stage}"]),
                young_share=young_share,
                maturity_days=maturity[stage] if filters.is_cohort else None,
                own=row[f"own_{stage}"],
                passed=passed,
                skipped=row[f"skipped_{stage}"],
            )
        )
    lead_times = []
    for earlier, later in END_TO_END:
        time = LeadTime.of(row[f"time_{earlier}_{later}"])
        lead_times.append(
            StageLeadTime(
                from_stage=earlier,
                to_stage=later,
                label=f"{stage_label(earlier)} → {stage_label(later)}",
                count=row[f"n_{earlier}_{later}"],
                median_seconds=time.median_seconds,
                p90_seconds=time.p90_seconds,
            )
        )
    return Funnel(
        steps=steps,
        follow_up=FollowUp(
            label=str(_("All")),
            mqls=row[S.MQL],
            contacted=row["contacted"],
            attempts=row["attempts"] or 0,
            median_first_attempt_seconds=LeadTime.of(row["first_attempt_time"]).median_seconds,
        ),
        lead_times=lead_times,
        outcomes=Outcomes(
            won=row[S.WON],
            lost=row["lost"],
            open=row["open"],
            revenue=(row["revenue"] or Decimal(0)).quantize(CENTS),
            leads=top,
            mqls=row[S.MQL],
        ),
        opportunities=row[S.OPPORTUNITY],
    )


# --- distributions of lead times ----------------------------------------------------------


@dataclass(frozen=True)
class LeadTimeDistributions:
    first_attempt: list[Bucket]  # MQL → first contact attempt, for the MQLs sales tried to reach
    mql_to_sql: list[Bucket]  # MQL → SQL, for the SQLs (no time for a lead straight to SQL)


def lead_time_distributions(filters: Filters) -> LeadTimeDistributions:
    """How long after becoming MQL sales first tried to reach the lead, and how long the SQLs
    took from MQL: one query. Both read the same leads, so one pass groups each lead by the pair
    (its first-attempt bucket, its MQL → SQL bucket), either empty (NULL) where the lead does not
    count for that distribution, and each distribution adds up its own side of the pairs."""
    def buckets(found) -> list[Bucket]:
        return [Bucket(str(label), found[index]) for index, label in enumerate(BUCKET_LABELS)]

    if (from_rollups := rolled_up.distributions(filters, BUCKET_EDGES)) is not None:
        return LeadTimeDistributions(buckets(from_rollups[0]), buckets(from_rollups[1]))
    tried = counted(filters, S.MQL) & Q(first_attempt_at__isnull=False)
    first_attempt = Case(
        When(tried, then=WidthBucket(SecondsBetween(F("first_attempt_at"), reached(S.MQL)), BUCKET_EDGES))
    )
    mql_to_sql = Case(
        When(counted(filters, S.SQL), then=WidthBucket(SecondsBetween(reached(S.SQL), reached(S.MQL)), BUCKET_EDGES))
    )
    rows = (
        base_leads(filters)
        # Every lead either distribution counts has become MQL. Saying so lets PostgreSQL skip
        # the others inside the index, which stores when each lead became MQL.
        .filter(Q(IsNull(reached(S.MQL), False)), tried | counted(filters, S.SQL))
        .values(first_attempt=first_attempt, mql_to_sql=mql_to_sql)
        .annotate(n=Count("pk"))
    )
    first_attempt_counts, mql_to_sql_counts = Counter(), Counter()
    for row in rows:
        first_attempt_counts[row["first_attempt"]] += row["n"]
        mql_to_sql_counts[row["mql_to_sql"]] += row["n"]
    return LeadTimeDistributions(buckets(first_attempt_counts), buckets(mql_to_sql_counts))


# --- weekly MQL → SQL ----------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    starts_on: date  # a Monday in the business time zone
    mqls: int
    sqls: int
    maturing: bool  # too recent for its SQLs to have come in

    @property
    def mql_to_sql(self) -> float | None:
        return ratio(self.sqls, self.mqls)


def weeks_of(filters: Filters) -> list[date]:
    monday = filters.first_day - timedelta(days=filters.first_day.weekday())
    weeks = []
    while monday <= filters.last_day:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def weekly_mql_to_sql(filters: Filters, *, now: datetime) -> list[Week]:
    """Per week, the MQLs and how many of them reached SQL so far: one query. Cohort mode
    groups by the week the lead arrived, activity mode by the week it became MQL. Weeks
    without MQLs are listed too."""
    found = rolled_up.weekly(filters)
    if found is None:
        leads = base_leads(filters).filter(counted(filters, S.MQL))
        week_of = F("created_at") if filters.is_cohort else reached(S.MQL)
        rows = (
            leads.annotate(week=TruncWeek(week_of, tzinfo=business_time_zone()))
            .values("week")
            .annotate(mqls=Count("pk"), sqls=Count("pk", filter=Q(IsNull(reached(S.SQL), False))))
        )
        found = {row["week"].date(): row for row in rows}
    today = now.astimezone(business_time_zone()).date()
    settled_by = today - timedelta(days=settings.FUNNEL_MATURITY_DAYS[S.SQL])
    weeks = []
    for monday in weeks_of(filters):
        row = found.get(monday, {"mqls": 0, "sqls": 0})
        weeks.append(Week(monday, row["mqls"], row["sqls"], monday + timedelta(days=6) > settled_by))
    return weeks
