"""Aggregate figures, computed in the database with a fixed number of queries. Views turn
them into pages; charts.py turns them into figures. Nothing here knows about HTML.

Two ways of counting a stage. A lead has *reached* a stage when it has that stage's stamp or
any later one: a quote request that went straight to SQL has reached MQL and SAL too (the
funnel's shape, "how far did it get"). A lead has *passed through* a step from one stage to the
next only when its own stamps of both stages are set, in that order; a lead that skipped a
stage is "skipped" there. Conversions and lead times per step, and the end-to-end lead times,
use only the leads that passed through. Stamps are first arrivals, so a recycled lead counts
once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThan
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from common.business_time import business_time_zone
from dashboard.filters import Dimension, Filters
from dashboard.sql import EarliestOf, Percentiles, SecondsBetween, WidthBucket
from leads.models import Channel, Feedback, Lead, Sector, StageChange, Team


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
    """Last week's arrivals and stage arrivals, and today's open leads per stage: two queries."""
    week_ago = now - timedelta(days=7)
    week = Lead.objects.aggregate(
        arrived=Count("id", filter=Q(created_at__gte=week_ago, created_at__lte=now)),
        mql=Count("id", filter=Q(mql_at__gte=week_ago, mql_at__lte=now)),
        sql=Count("id", filter=Q(sql_at__gte=week_ago, sql_at__lte=now)),
        won=Count("id", filter=Q(won_at__gte=week_ago, won_at__lte=now)),
    )
    per_stage = dict(
        Lead.objects.open().values_list("stage").annotate(n=Count("id")).order_by()
    )
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


def lost_q(filters: Filters) -> Q:
    """Lost, and not won after being recycled: a lead is won, lost or neither."""
    return counted_own(filters, S.LOST) & Q(won_at__isnull=True)


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
    and the follow-up totals: one query."""
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
    maturity = settings.FUNNEL_MATURITY_DAYS
    if filters.is_cohort:
        for days in sorted(set(maturity.values())):
            aggregates[f"younger_than_{days}"] = Count(
                "pk", filter=Q(created_at__gt=now - timedelta(days=days))
            )
    row = leads.aggregate(**aggregates)
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
                skipped=row[stage] - row[f"own_{stage}"],
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

    def buckets(found: Counter) -> list[Bucket]:
        return [Bucket(str(label), found[index]) for index, label in enumerate(BUCKET_LABELS)]

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


# --- per source: channel or campaign ------------------------------------------------------


NO_CAMPAIGN = _("(no campaign)")


def source_label(filters: Filters, key: str) -> str:
    if filters.channel:
        return key or str(NO_CAMPAIGN)
    return str(Channel(key).label) if key in Channel.values else key


@dataclass(frozen=True)
class SourceRow:
    key: str  # the channel, or the campaign when drilled down into one channel
    label: str
    leads: int
    mqls: int
    sqls: int
    won: int
    revenue: Decimal

    @property
    def sql_rate(self) -> float | None:
        return ratio(self.sqls, self.mqls)

    @property
    def close_rate(self) -> float | None:
        return ratio(self.won, self.sqls)

    @property
    def revenue_per_lead(self) -> float | None:
        return ratio(self.revenue, self.leads)

    @property
    def revenue_per_sql(self) -> float | None:
        return ratio(self.revenue, self.sqls)


def per_source(filters: Filters) -> list[SourceRow]:
    """Leads, MQLs, SQLs, won and revenue per channel (per campaign when one channel is
    chosen): one query. Busiest source first."""
    group = "campaign" if filters.channel else "channel"
    rows = (
        base_leads(filters)
        .values(group)
        .annotate(
            n_leads=_count(filters, LEADS),
            n_mqls=_count(filters, S.MQL),
            n_sqls=_count(filters, S.SQL),
            n_won=_count(filters, S.WON),
            revenue=Sum("deal_value", filter=counted(filters, S.WON)),
        )
    )
    result = [
        SourceRow(
            key=row[group],
            label=source_label(filters, row[group]),
            leads=row["n_leads"],
            mqls=row["n_mqls"],
            sqls=row["n_sqls"],
            won=row["n_won"],
            revenue=(row["revenue"] or Decimal(0)).quantize(CENTS),
        )
        for row in rows
    ]
    # Activity mode also finds leads that only moved between stages not shown here.
    result = [r for r in result if r.leads or r.mqls or r.sqls or r.won]
    return sorted(result, key=lambda r: (-r.leads, -r.mqls, r.label))


# --- breakdowns: every figure per channel, campaign, owner, team, month, … -------------------


SMALL_SAMPLE = 30  # a rate whose base is smaller is marked: read it as an indication
NOT_GIVEN = _("(not given)")
SIZE_BANDS = [  # (key, fewest employees): the band runs up to the next one's fewest
    ("1-9", 1), ("10-49", 10), ("50-249", 50), ("250-999", 250), ("1000+", 1000),
]


@dataclass(frozen=True)
class BreakdownRow:
    key: str  # what the row groups by: a channel code, an owner's id, "2026-11", … ("" for none)
    label: str
    leads: int
    mqls: int  # reached MQL or later, as the funnel counts
    sqls: int
    opportunities: int
    won: int
    lost: int
    revenue: Decimal
    median_mql_to_won_seconds: float | None  # the leads that were MQL and then won

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)

    @property
    def sql_rate(self) -> float | None:
        return ratio(self.sqls, self.mqls)

    @property
    def revenue_per_lead(self) -> float | None:
        return ratio(self.revenue, self.leads)

    @property
    def revenue_per_won(self) -> float | None:
        return ratio(self.revenue, self.won)

    @property
    def sql_rate_small(self) -> bool:
        return self.mqls < SMALL_SAMPLE

    @property
    def win_rate_small(self) -> bool:
        return self.won + self.lost < SMALL_SAMPLE

    # From before the win rate: won per SQL, open deals included.
    @property
    def close_rate(self) -> float | None:
        return ratio(self.won, self.sqls)

    @property
    def revenue_per_sql(self) -> float | None:
        return ratio(self.revenue, self.sqls)


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    label: str
    rows: list[BreakdownRow]
    totals: BreakdownRow


def owner_team(field: str):
    """The team of the lead's owner: the one with the lowest id they are a member of."""
    teams = Team.objects.filter(members=OuterRef("owner_id")).order_by("pk")
    return Subquery(teams.values(field)[:1])


def lead_team(field: str):
    """The lead's team, else its owner's (imported history often has an owner only)."""
    return Coalesce(F(f"team__{field}"), owner_team(field))


def size_band():
    bands = list(reversed(SIZE_BANDS))
    return Case(
        *[When(company__employees__gte=fewest, then=Value(key)) for key, fewest in bands],
        default=Value(""),
        output_field=CharField(),
    )


def _grouping(dimension: str) -> tuple[dict, dict]:
    """What the rows group by ({"key": expression}) and what they carry along (names)."""
    D = Dimension
    tz = business_time_zone()
    if dimension == D.OWNER:
        names = {f: Max(f"owner__{f}") for f in ("first_name", "last_name", "username")}
        return {"key": F("owner_id")}, names
    if dimension == D.TEAM:
        # Grouped by the id, the name carried along (one per id).
        return {"key": lead_team("id")}, {"team_name": Max(lead_team("name"))}
    expressions = {
        D.CHANNEL: F("channel"),
        D.CAMPAIGN: F("campaign"),
        D.PRODUCT: F("product_interest"),
        D.SECTOR: F("company__sector"),
        D.SIZE: size_band(),
        D.MONTH: TruncMonth("created_at", tzinfo=tz),
        D.WEEK: TruncWeek("created_at", tzinfo=tz),
    }
    return {"key": expressions[dimension]}, {}


def _key_and_label(dimension: str, row: dict) -> tuple[str, str]:
    D, key = Dimension, row["key"]
    if dimension == D.OWNER:
        name = f"{row['first_name'] or ''} {row['last_name'] or ''}".strip()
        return str(key or ""), name or row["username"] or str(_("No owner yet"))
    if dimension == D.TEAM:
        return str(key or ""), row["team_name"] or str(_("No team yet"))
    if dimension in (D.MONTH, D.WEEK):
        day = key.astimezone(business_time_zone()).date() if isinstance(key, datetime) else key
        if dimension == D.MONTH:
            return day.strftime("%Y-%m"), date_format(day, "F Y")
        year, week, _weekday = day.isocalendar()
        return day.isoformat(), _("week %(week)s, %(monday)s") % {
            "week": week, "monday": date_format(day, "j M Y"),
        }
    key = key or ""
    if dimension == D.CHANNEL:
        return key, str(Channel(key).label) if key in Channel.values else key or str(NOT_GIVEN)
    if dimension == D.CAMPAIGN:
        return key, key or str(NO_CAMPAIGN)
    if dimension == D.SECTOR:
        return key, str(Sector(key).label) if key in Sector.values else key or str(NOT_GIVEN)
    if dimension == D.SIZE:
        return key, _("%(band)s employees") % {"band": key} if key else str(NOT_GIVEN)
    return key, key or str(NOT_GIVEN)


def _figures(filters: Filters) -> dict:
    return {
        "n_leads": _count(filters, LEADS),
        "n_mqls": _count(filters, S.MQL),
        "n_sqls": _count(filters, S.SQL),
        "n_opportunities": _count(filters, S.OPPORTUNITY),
        "n_won": _count(filters, S.WON),
        "n_lost": Count("pk", filter=lost_q(filters)),
        "revenue": Sum("deal_value", filter=counted(filters, S.WON)),
        "mql_to_won": Percentiles(
            SecondsBetween(own_moment(S.WON), own_moment(S.MQL)),
            (0.5,),
            filter=passed_through(filters, S.MQL, S.WON),
        ),
    }


def breakdown_rows(filters: Filters, dimension: str | None = None) -> list[BreakdownRow]:
    """Every figure of the breakdown per value of the dimension: one query. Busiest first;
    months and weeks in order, size bands from small to large."""
    dimension = dimension or filters.dimension
    group, carried = _grouping(dimension)
    rows = base_leads(filters).values(**group).annotate(**carried, **_figures(filters))
    result = []
    for row in rows:
        key, label = _key_and_label(dimension, row)
        result.append(
            BreakdownRow(
                key=key,
                label=str(label),
                leads=row["n_leads"],
                mqls=row["n_mqls"],
                sqls=row["n_sqls"],
                opportunities=row["n_opportunities"],
                won=row["n_won"],
                lost=row["n_lost"],
                revenue=(row["revenue"] or Decimal(0)).quantize(CENTS),
                median_mql_to_won_seconds=row["mql_to_won"][0] if row["mql_to_won"] else None,
            )
        )
    # Activity mode also finds leads that only moved between stages not shown here.
    result = [r for r in result if r.leads or r.mqls or r.sqls or r.won or r.lost]
    if dimension in (Dimension.MONTH, Dimension.WEEK):
        return sorted(result, key=lambda r: r.key)
    if dimension == Dimension.SIZE:
        order = {key: i for i, (key, _fewest) in enumerate(SIZE_BANDS)}
        return sorted(result, key=lambda r: order.get(r.key, len(order)))
    return sorted(result, key=lambda r: (-r.leads, -r.mqls, r.label))


def totals_of(funnel: Funnel) -> BreakdownRow:
    """The breakdown's totals row, from the funnel's own figures (no query of its own)."""
    outcomes = funnel.outcomes
    counts = {step.stage: step.count for step in funnel.steps}
    return BreakdownRow(
        key="",
        label=str(_("Total")),
        leads=counts[LEADS],
        mqls=counts[S.MQL],
        sqls=counts[S.SQL],
        opportunities=counts[S.OPPORTUNITY],
        won=outcomes.won,
        lost=outcomes.lost,
        revenue=outcomes.revenue,
        median_mql_to_won_seconds=funnel.lead_time(S.MQL, S.WON).median_seconds,
    )


def breakdown(filters: Filters, *, now: datetime, funnel_figures: Funnel | None = None) -> Breakdown:
    """The breakdown with its totals: two queries, one when the funnel is already known."""
    figures = funnel_figures or funnel(filters, now=now)
    return Breakdown(
        dimension=filters.dimension,
        label=str(Dimension(filters.dimension).label),
        rows=breakdown_rows(filters),
        totals=totals_of(figures),
    )


# --- sales' feedback per source ------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRow:
    key: str
    label: str
    total: int
    dispositions: dict[str, int]  # Feedback.Disposition value → count
    no_fit_reasons: dict[str, int]  # Feedback.NoFitReason value → count
    good: int
    bad: int

    @property
    def rejected_share(self) -> float | None:
        """Feedback that did not end in an SQL."""
        return ratio(self.total - self.dispositions[Feedback.Disposition.BECAME_SQL], self.total)

    @property
    def bad_share(self) -> float | None:
        return ratio(self.bad, self.good + self.bad)


def feedback_per_source(filters: Filters) -> list[FeedbackRow]:
    """How sales judged the leads of each channel (campaign when drilled down): one query.
    Cohort mode takes the feedback on the cohort's leads, activity mode the feedback given in
    the period. A lead judged twice counts twice."""
    group = "lead__campaign" if filters.channel else "lead__channel"
    given = Feedback.objects.order_by().filter(filters.leads_q(prefix="lead__"))
    if filters.is_cohort:
        given = given.filter(lead__created_at__gte=filters.start_at, lead__created_at__lt=filters.end_at)
    else:
        given = given.filter(given_at__gte=filters.start_at, given_at__lt=filters.end_at)
    D, R, Quality = Feedback.Disposition, Feedback.NoFitReason, Feedback.Quality
    counts = {
        "total": Count("pk"),
        "good": Count("pk", filter=Q(quality=Quality.GOOD)),
        "bad": Count("pk", filter=Q(quality=Quality.BAD)),
        **{f"d_{d}": Count("pk", filter=Q(disposition=d)) for d in D.values},
        **{
            f"r_{r}": Count("pk", filter=Q(disposition=D.NO_FIT, no_fit_reason=r))
            for r in R.values
        },
    }
    rows = given.values(group).annotate(**counts)
    result = [
        FeedbackRow(
            key=row[group],
            label=source_label(filters, row[group]),
            total=row["total"],
            dispositions={d: row[f"d_{d}"] for d in D.values},
            no_fit_reasons={r: row[f"r_{r}"] for r in R.values},
            good=row["good"],
            bad=row["bad"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: (-r.total, r.label))


# --- follow-up per team (or per owner within a team) ---------------------------------------


def follow_up_per_person_or_team(filters: Filters) -> list[FollowUp]:
    """Per team, or per owner once a team or owner is chosen: the MQLs, how many sales ever
    tried to reach, the attempts and the median time from MQL to the first attempt. One query."""
    by_owner = bool(filters.team_id or filters.owner_id)
    # Grouped by the id alone, the names taken along with Max (one per id): PostgreSQL then
    # sorts the MQLs for the median by a number instead of by the number and the names.
    # A lead without a team counts for its owner's team.
    group, names = (
        ({"key": F("owner_id")}, {f: Max(f"owner__{f}") for f in ("first_name", "last_name", "username")})
        if by_owner
        else ({"key": lead_team("id")}, {"team_name": Max(lead_team("name"))})
    )
    contacted = Q(first_attempt_at__isnull=False)
    rows = (
        base_leads(filters)
        .filter(counted(filters, S.MQL))
        .values(**group)
        .annotate(
            **names,
            n_mqls=Count("pk"),
            n_contacted=Count("pk", filter=contacted),
            n_attempts=Sum("attempt_count"),
            first_attempt_time=Percentiles(
                SecondsBetween(F("first_attempt_at"), reached(S.MQL)), (0.5,), filter=contacted
            ),
        )
    )
    result = []
    for row in rows:
        if by_owner:
            name = f"{row['first_name'] or ''} {row['last_name'] or ''}".strip()
            label = name or row["username"] or str(_("No owner yet"))
        else:
            label = row["team_name"] or str(_("No team yet"))
        time = row["first_attempt_time"]
        result.append(
            FollowUp(
                label=label,
                mqls=row["n_mqls"],
                contacted=row["n_contacted"],
                attempts=row["n_attempts"] or 0,
                median_first_attempt_seconds=time[0] if time else None,
            )
        )
    return sorted(result, key=lambda r: (-r.mqls, r.label))


# --- everything on the page ----------------------------------------------------------------


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
    """Every figure of the funnel dashboard: six queries, whatever the amount of data."""
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
    )
