"""Figures per source (channel or campaign), sales' feedback and comments per source, and
follow-up per team or owner."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

import dashboard.metrics.rolled_up as rolled_up
from dashboard.filters import Filters
from dashboard.metrics.funnel import (
    CENTS,
    LEADS,
    NO_CAMPAIGN,
    FollowUp,
    S,
    _count,
    base_leads,
    counted,
    lead_team,
    ratio,
    reached,
)
from dashboard.sql import Percentiles, SecondsBetween
from leads.models import Channel, Feedback
from leads.rollup_facts import rejections_at_accept

# --- per source: channel or campaign ------------------------------------------------------


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




# --- sales' feedback per source ------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRow:
    key: str
    label: str
    total: int  # feedback given
    dispositions: dict[str, int]  # Feedback.Disposition value → count
    no_fit_reasons: dict[str, int]  # Feedback.NoFitReason value → count
    good: int
    bad: int
    rejected_at_accept: int = 0  # MQLs sales sent back at the accept step (no feedback form)

    @property
    def judged(self) -> int:
        """Every verdict: the feedback given and the rejections at the accept step."""
        return self.total + self.rejected_at_accept

    @property
    def rejected(self) -> int:
        """Sent back by sales: no fit, or rejected at the accept step. Not reached and no
        urgency are no verdict on the lead's fit and have their own columns."""
        return self.dispositions[Feedback.Disposition.NO_FIT] + self.rejected_at_accept

    @property
    def rejected_share(self) -> float | None:
        return ratio(self.rejected, self.judged)

    @property
    def bad_share(self) -> float | None:
        return ratio(self.bad, self.good + self.bad)


def verdicts_in_view(filters: Filters, given, moment: str):
    """Cohort mode: the verdicts on the cohort's leads; activity mode: those given in the period."""
    given = given.order_by().filter(filters.leads_q(prefix="lead__"))
    if filters.is_cohort:
        return given.filter(lead__created_at__gte=filters.start_at, lead__created_at__lt=filters.end_at)
    return given.filter(**{f"{moment}__gte": filters.start_at, f"{moment}__lt": filters.end_at})


def feedback_per_source(filters: Filters) -> list[FeedbackRow]:
    """How sales judged the leads of each channel (campaign when drilled down): from the
    rollups where they hold the view (one query), else two queries, the feedback and the
    rejections at the accept step. Cohort mode takes the verdicts on the cohort's leads,
    activity mode those given in the period. A lead judged twice counts twice."""
    D, R, Quality = Feedback.Disposition, Feedback.NoFitReason, Feedback.Quality
    rolled = rolled_up.verdict_rows(filters)
    if rolled is not None:
        found = {
            key: {
                "total": row["feedback"], "good": row["feedback_good"], "bad": row["feedback_bad"],
                **{f"d_{d}": row[f"feedback_{d}"] for d in D.values},
                **{f"r_{r}": row[f"no_fit_{r}"] for r in R.values},
            }
            for key, row in rolled.items()
            if row["feedback"]
        }
        rejected = {key: row["rejected_at_accept"] for key, row in rolled.items() if row["rejected_at_accept"]}
        return _feedback_rows(filters, found, rejected)
    group = "lead__campaign" if filters.channel else "lead__channel"
    given = verdicts_in_view(filters, Feedback.objects, "given_at")
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
    found = {row[group]: row for row in given.values(group).annotate(**counts)}
    rejected = dict(
        verdicts_in_view(filters, rejections_at_accept(), "changed_at").values_list(group).annotate(n=Count("pk"))
    )
    return _feedback_rows(filters, found, rejected)


def _feedback_rows(filters: Filters, found: dict[str, dict], rejected: dict[str, int]) -> list[FeedbackRow]:
    D, R = Feedback.Disposition, Feedback.NoFitReason
    nothing = {"total": 0, "good": 0, "bad": 0, **{f"d_{d}": 0 for d in D.values}, **{f"r_{r}": 0 for r in R.values}}
    result = []
    for key in found.keys() | rejected.keys():
        row = found.get(key, nothing)
        result.append(
            FeedbackRow(
                key=key,
                label=source_label(filters, key),
                total=row["total"],
                dispositions={d: row[f"d_{d}"] for d in D.values},
                no_fit_reasons={r: row[f"r_{r}"] for r in R.values},
                good=row["good"],
                bad=row["bad"],
                rejected_at_accept=rejected.get(key, 0),
            )
        )
    return sorted(result, key=lambda r: (-r.judged, r.label))


# --- reps' comments for marketing ------------------------------------------------------------

COMMENTS_SHOWN = 40  # read at most this many, the newest
PER_SOURCE = 5  # and show each source's newest five


@dataclass(frozen=True)
class FeedbackComment:
    feedback: Feedback  # with its lead and giver loaded
    comment: str


@dataclass(frozen=True)
class CommentsOfSource:
    key: str
    label: str
    comments: list[FeedbackComment]  # newest first


def feedback_comments(filters: Filters, *, limit: int = COMMENTS_SHOWN) -> list[CommentsOfSource]:
    """What reps wrote for marketing (the feedback's comment on quality), newest first, per
    source (channel, or campaign within one), at most five a source: one query for the newest
    `limit` comments. The source with the newest comment comes first."""
    group = "campaign" if filters.channel else "channel"
    newest = (
        verdicts_in_view(filters, Feedback.objects, "given_at")
        .exclude(quality_comment="")
        .select_related("lead", "given_by")
        .order_by("-given_at", "-id")[:limit]
    )
    per_source: dict[str, list[FeedbackComment]] = {}
    for feedback in newest:
        comments = per_source.setdefault(getattr(feedback.lead, group), [])
        if len(comments) < PER_SOURCE:
            comments.append(FeedbackComment(feedback, feedback.quality_comment.strip()))
    return [
        CommentsOfSource(key, source_label(filters, key), comments) for key, comments in per_source.items()
    ]


# --- follow-up per team (or per owner within a team) ---------------------------------------


def follow_up_per_person_or_team(filters: Filters) -> list[FollowUp]:
    """Per team, or per owner once a team or owner is chosen: the MQLs, how many sales ever
    tried to reach, the attempts and the median time from MQL to the first attempt. From the
    rollups (three queries) where they hold the view, else one query."""
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
    rows = rolled_up.follow_up_rows(filters, by_owner=by_owner)
    if rows is None:
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
                key=str(row["key"] or ""),
            )
        )
    return sorted(result, key=lambda r: (-r.mqls, r.label))
