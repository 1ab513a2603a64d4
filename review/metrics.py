"""The weekly review's figures, computed in the database with a fixed number of queries
(twelve, whatever the amount of data and however many teams, reps or weeks are shown).

Which leads belong to a week: the MQLs the week received, i.e. the leads that first reached
MQL (or a later stage they skipped to) in it, in the business time zone. Each is followed to
today, like the funnel dashboard's cohorts: a lead from last week that sales accepts today
counts as accepted in last week's review. Response times are the business time from that
first handoff to the first contact attempt, stored on the lead when the attempt is logged
(`Lead.first_contact_business_seconds`), so the database can take their percentiles. The two
clocks split that wait, in clock time, into the system's part (handoff → owner notified) and
the rep's (notified → first attempt), as on the dashboard (dashboard/metrics/speed.py).
Missed deadlines are read from the deadlines themselves (the first-contact deadline on the
lead, the running SLA clock's mirrored in `Lead.respond_by`) against the first attempt or
`now`, never from the worker's breach records: the page is right whether or not it ran.

The trend, the lines per team and rep and the rejections per channel read the review's rollup
(review/rolled_up.py: counts and histograms per handoff week × team × owner × channel, kept on
every write); the lists of leads and the lead lists behind the counts read the leads, with the
same conditions (`figure_filters`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Sum, Value, When, Window
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from common.business_time import BusinessCalendar
from common.messages import is_message, joined, render
from common.people import person_name
from dashboard.metrics import (
    FUNNEL,
    Clock,
    ClockLine,
    clock_aggregates,
    counted_by_clock,
    ratio,
    reached,
)
from dashboard.sql import Percentiles
from handoff.models import Agreement, SlaClock
from leads import review_facts
from leads.completeness import complete_q, present_q
from leads.models import Channel, ContactAttempt, Feedback, Lead, ReviewRollup, Team
from review import rolled_up
from review.targets import Judged
from review.weeks import IsoWeek

S = Lead.Stage
TREND_WEEKS = 12
LIST_LIMIT = 50
PERCENTILES = (0.5, 0.9)


def handed_over_between(start: datetime, end: datetime, *, team_id: int | None = None):
    """The leads that first reached MQL (or skipped past it) from `start` up to `end`."""
    in_range = Q()
    for stage in FUNNEL:  # one range per stamp, so PostgreSQL can use each stamp's index
        in_range |= Q(**{f"{stage}_at__gte": start, f"{stage}_at__lt": end})
    leads = Lead.objects.order_by().filter(in_range)
    if team_id:
        leads = leads.filter(team_id=team_id)
    return leads.alias(handed_over=reached(S.MQL)).filter(handed_over__gte=start, handed_over__lt=end)


def waiting_handed_over_between(start: datetime, end: datetime, *, team_id: int | None = None):
    """The same leads by their handoff moment alone, for a query that reads only those a
    deadline counts (not contacted, contacted late, a running deadline): the partial index
    lead_review_waiting holds them by that moment, and all those counts read."""
    leads = Lead.objects.order_by().alias(handed_over=reached(S.MQL))
    leads = leads.filter(handed_over__gte=start, handed_over__lt=end)
    return leads.filter(team_id=team_id) if team_id else leads


_rejections = review_facts.rejections  # sales sent the MQL back (one definition with the rollup's)


ACCEPTED = Q(sal_at__isnull=False) | Q(sql_at__isnull=False) | Q(opportunity_at__isnull=False) | Q(won_at__isnull=False)


def sent_back() -> Q:
    """Sales sent the MQL back; one sent back and later accepted after all counts as accepted."""
    return Q(review_facts.rejected()) & ~ACCEPTED


def figure_filters(*, now: datetime, agreement: Agreement) -> dict[str, Q]:
    """Which of a week's MQLs each count of the review counts. The counts (`_facts`) and the
    lists behind them (`leads_behind`) both read these, so a list always holds its count."""
    contacted = Q(first_attempt_at__isnull=False)
    due = contacted | Q(first_contact_by__lte=now)
    has_feedback, not_reached, returned = review_facts.has_feedback(), review_facts.not_reached(), review_facts.returned()
    # Its attempts used up: the lead waits for the worker to return it to nurture, not for the rep.
    written_off = Exists(SlaClock.objects.filter(lead=OuterRef("pk"), kind=SlaClock.Kind.NOT_REACHED))
    open_breach = Q(respond_by__lte=now, stage__in=Lead.SALES_STAGES) & ~Q(written_off)
    missed_first_contact = Q(first_attempt_at__gt=F("first_contact_by")) | Q(first_attempt_at__isnull=True, first_contact_by__lte=now)
    return {
        "mqls": Q(),
        "due": due,
        "within_sla": Q(first_attempt_at__lte=F("first_contact_by")),
        "never_contacted": Q(first_attempt_at__isnull=True, first_contact_by__lte=now),
        "waiting": ~due,
        "returned": Q(returned),
        "written_off_early": Q(not_reached, attempt_count__lt=agreement.min_attempts),
        "with_feedback": Q(has_feedback),
        # The running SLA clock's deadline (mirrored in respond_by) has passed.
        "open_breaches": open_breach,
        "missed_first_contact": missed_first_contact,
        "missed_deadlines": missed_first_contact | open_breach,
        "accepted": ACCEPTED,
        "rejected": sent_back(),
        "complete": complete_q(),
        "sqls": Q(sql_at__isnull=False) | Q(opportunity_at__isnull=False) | Q(won_at__isnull=False),
    }


def _facts(*, now: datetime, agreement: Agreement) -> dict:
    """Every count and percentile a line of the review needs, as aggregates over its leads."""
    counts = {
        name: Count("pk", filter=condition) if condition else Count("pk")
        for name, condition in figure_filters(now=now, agreement=agreement).items()
    }
    return counts | clock_aggregates() | {
        "attempts": Sum("attempt_count"),
        "response": Percentiles(F("first_contact_business_seconds"), PERCENTILES),
    }


NO_ONE = "none"  # a team or owner parameter for "no team yet" / "no owner yet"


def leads_behind(
    figure: str, *, week: IsoWeek, team: int | str | None, owner: int | str | None, now: datetime, agreement: Agreement,
    channel: str = "", reason: str = "", missing: str = "",
):
    """The leads one count of the review counts: `figure` of `week`'s MQLs, of a team (an
    id, NO_ONE, or None for all teams) and an owner (an id, NO_ONE, or None for all), of one
    channel when given, sent back for one reason when given (a ReasonRow's key), without one
    part of complete data when given (leads.completeness.Part)."""
    leads = handed_over_between(week.start_at, week.end_at, team_id=team if team not in (None, NO_ONE) else None)
    if team == NO_ONE:
        leads = leads.filter(team__isnull=True)
    if owner == NO_ONE:
        leads = leads.filter(owner__isnull=True)
    elif owner is not None:
        leads = leads.filter(owner_id=owner)
    if channel:
        leads = leads.filter(channel=channel)
    if missing:
        leads = leads.filter(~present_q(missing))
    if reason:
        team_id = team if team not in (None, NO_ONE) else None
        leads = leads.filter(pk__in=leads_rejected_for(reason, week=week, team_id=team_id))
    if figure.startswith("clock_"):  # the two clocks' counts
        return leads.filter(counted_by_clock(figure.removeprefix("clock_")))
    condition = figure_filters(now=now, agreement=agreement)[figure]
    return leads.filter(condition) if condition else leads


@dataclass(frozen=True)
class Line:
    """One row of the review: a week's MQLs of everyone, a team or a rep, with what was done."""

    label: str
    mqls: int = 0
    due: int = 0
    within_sla: int = 0
    never_contacted: int = 0
    waiting: int = 0
    attempts: int = 0
    returned: int = 0
    written_off_early: int = 0
    with_feedback: int = 0
    open_breaches: int = 0
    missed_first_contact: int = 0
    missed_deadlines: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None
    accepted: int = 0
    rejected: int = 0
    complete: int = 0
    sqls: int = 0
    # The two clocks, in clock time: handoff → owner notified, notified → first attempt.
    system: Clock = Clock(None, None, 0)
    rep: Clock = Clock(None, None, 0)
    team_id: int | None = None
    owner_id: int | None = None

    @classmethod
    def from_row(cls, label: str, row: dict, **keys) -> "Line":
        response = row["response"] or [None, None]
        clocks = ClockLine.from_row(label, row)
        return cls(
            system=clocks.system, rep=clocks.rep,
            label=label, mqls=row["mqls"], due=row["due"], within_sla=row["within_sla"],
            never_contacted=row["never_contacted"], waiting=row["waiting"], attempts=row["attempts"] or 0,
            returned=row["returned"], written_off_early=row["written_off_early"],
            with_feedback=row["with_feedback"], open_breaches=row["open_breaches"],
            missed_first_contact=row["missed_first_contact"], missed_deadlines=row["missed_deadlines"],
            median_seconds=response[0], p90_seconds=response[1], accepted=row["accepted"],
            rejected=row["rejected"], complete=row["complete"], sqls=row["sqls"], **keys,
        )

    @property
    def within_sla_share(self) -> float | None:
        """Of the MQLs that were contacted or are past their deadline (the others still have time)."""
        return ratio(self.within_sla, self.due)

    @property
    def attempts_per_lead(self) -> float | None:
        return ratio(self.attempts, self.mqls)

    @property
    def feedback_share(self) -> float | None:
        return ratio(self.with_feedback, self.mqls)

    @property
    def accepted_share(self) -> float | None:
        """Of the MQLs sales decided on (accepted or sent back)."""
        return ratio(self.accepted, self.accepted + self.rejected)

    @property
    def complete_share(self) -> float | None:
        return ratio(self.complete, self.mqls)

    @property
    def mql_to_sql(self) -> float | None:
        return ratio(self.sqls, self.mqls)

    @property
    def contacted(self) -> int:
        """The MQLs with a first attempt: those the response times are measured on."""
        return self.due - self.never_contacted

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    def share_of_mqls(self, count: int) -> float | None:
        return ratio(count, self.mqls)


@dataclass(frozen=True)
class TeamBlock:
    team: Line
    reps: list[Line]


@dataclass(frozen=True)
class WeekPoint:
    week: IsoWeek
    line: Line


def trend(*, week: IsoWeek, team_id: int | None, now: datetime, agreement: Agreement) -> list[WeekPoint]:
    """The totals of `week` and the eleven weeks before it, from the review's rollup: three
    queries. Weeks without MQLs are listed too (with empty figures)."""
    first = week.shifted(-(TREND_WEEKS - 1))
    (rows,) = _rolled_up(
        first=first, last=week, team_id=team_id, groupings=[("week",)], now=now, agreement=agreement,
        clocks_of_last_only=True,
    )
    found = {IsoWeek.of(monday): row for (monday,), row in rows.items()}
    weeks = [first.shifted(n) for n in range(TREND_WEEKS)]
    return [
        WeekPoint(w, Line.from_row(str(w), found[w]) if w in found else Line(label=str(w))) for w in weeks
    ]


def _rolled_up(*, first: IsoWeek, last: IsoWeek, team_id: int | None, groupings, now: datetime, agreement: Agreement, **options):
    return rolled_up.lines(**options,
        first=first, last=last, team_id=team_id, groupings=groupings, agreement=agreement,
        leads=waiting_handed_over_between(first.start_at, last.end_at, team_id=team_id),
        conditions=figure_filters(now=now, agreement=agreement),
    )


def per_team(*, week: IsoWeek, team_id: int | None, now: datetime, agreement: Agreement) -> list[TeamBlock]:
    """Each team's line and its reps' lines, reps without MQLs included, from the review's
    rollup: five queries."""
    teams_of, reps_of = _rolled_up(
        first=week, last=week, team_id=team_id, groupings=[("team",), ("team", "owner")], now=now, agreement=agreement
    )
    team_rows = {team: row for (team,), row in teams_of.items()}
    rep_rows = dict(reps_of.items())
    teams = Team.objects.prefetch_related("members").order_by("name")
    if team_id:
        teams = teams.filter(pk=team_id)
    blocks = []
    for team in teams:
        members = sorted(team.members.all(), key=lambda u: person_name(u).lower())
        member_ids = {m.pk for m in members}
        reps = [
            Line.from_row(person_name(m), rep_rows[(team.pk, m.pk)], team_id=team.pk, owner_id=m.pk)
            if (team.pk, m.pk) in rep_rows else Line(label=person_name(m), team_id=team.pk, owner_id=m.pk)
            for m in members
        ]
        # Leads of the team owned by someone no longer in it, or by nobody yet.
        reps += [
            Line.from_row(_("No owner yet") if owner is None else _("Former member"), row, team_id=team.pk, owner_id=owner)
            for (tid, owner), row in rep_rows.items() if tid == team.pk and owner not in member_ids
        ]
        line = team_rows.get(team.pk)
        blocks.append(TeamBlock(Line.from_row(team.name, line, team_id=team.pk) if line else Line(team.name, team_id=team.pk), reps))
    if not team_id and None in team_rows:
        blocks.append(TeamBlock(Line.from_row(_("No team yet"), team_rows[None]), []))
    return blocks


@dataclass(frozen=True)
class ChannelRejections:
    channel: str
    label: str
    delivered: int
    rejected: int

    @property
    def rejected_share(self) -> float | None:
        return ratio(self.rejected, self.delivered)


def rejections_per_channel(*, week: IsoWeek, team_id: int | None) -> list[ChannelRejections]:
    """The channels whose MQLs sales sent back most often this week (as the tile counts them:
    not accepted after all), from the review's rollup: one query."""
    rows = ReviewRollup.objects.order_by().filter(week=week.monday)
    if team_id:
        rows = rows.filter(team=team_id)
    rows = rows.values("channel").annotate(delivered=Sum("mqls"), rejected=Sum("rejected"))
    result = [
        ChannelRejections(
            r["channel"], str(Channel(r["channel"]).label) if r["channel"] in Channel.values else r["channel"],
            r["delivered"], r["rejected"],
        )
        for r in rows
    ]
    return sorted((r for r in result if r.rejected), key=lambda r: (-r.rejected, -(r.rejected_share or 0), r.label))


NO_REASON = "none"


def _headline(stored):
    """The part of a stored reason (common/messages.py) that says what it is about: the reason
    chosen without the rep's note; of a verdict's summary ("No fit: Too small — only 4
    people"), the disposition and the no-fit reason chosen, not what the rep typed."""
    if is_message(stored) and stored["code"] == "sales.reason_note":
        return _headline(stored["params"]["reason"])
    if isinstance(stored, dict) and stored.get("sep") == " — " and stored.get("items"):
        return _headline(stored["items"][0])
    if isinstance(stored, dict) and stored.get("sep") == ": " and stored.get("items"):
        chosen = [item for item in stored["items"] if isinstance(item, dict) and "choice" in item]
        return joined(chosen, ": ") if len(chosen) > 1 else (chosen or stored["items"])[0]
    return stored


def _key_of(headline) -> str:
    if isinstance(headline, dict) and "choice" in headline:
        return f"{headline['choice']}:{headline.get('value', '')}"
    if isinstance(headline, dict) and "items" in headline:
        return "+".join(_key_of(item) for item in headline["items"])
    if is_message(headline):
        return headline["code"]
    return f"typed:{headline}"


def rejection_reason(typed: str, said) -> tuple[str, str]:
    """A rejection's reason as (key, words): the key is the same in every language (the codes
    chosen, or the words a person typed up to the first colon or dash) and the words are in
    the reader's language. One without any reason has the key NO_REASON."""
    if said:
        headline = _headline(said)
        return _key_of(headline), render(headline)
    text = typed.split(" — ")[0].split(":")[0].strip()
    return (f"typed:{text}", text) if text else (NO_REASON, _("No reason given"))


@dataclass(frozen=True)
class ReasonRow:
    key: str  # rejection_reason's key: the review's lead list takes it as `reason`
    label: str
    leads: int


def _rejected_for(*, week: IsoWeek, team_id: int | None) -> dict[str, tuple[str, set[int]]]:
    """The week's MQLs sent back by sales (as the tile counts them), per reason: key → (the
    reason's words, the leads). A lead sent back twice for different reasons is under both."""
    leads = handed_over_between(week.start_at, week.end_at, team_id=team_id).filter(sent_back())
    found: dict[str, tuple[str, set[int]]] = {}
    rows = _rejections().filter(lead__in=leads.values("pk")).values_list("lead_id", "reason", "reason_message")
    for lead_id, typed, said in rows:
        key, label = rejection_reason(typed, said)
        found.setdefault(key, (label, set()))[1].add(lead_id)
    return found


def rejections_by_reason(*, week: IsoWeek, team_id: int | None) -> list[ReasonRow]:
    """Why sales sent this week's MQLs back, most leads first: one query."""
    rows = [
        ReasonRow(key, label, len(leads)) for key, (label, leads) in _rejected_for(week=week, team_id=team_id).items()
    ]
    return sorted(rows, key=lambda row: (-row.leads, row.label))


def leads_rejected_for(reason: str, *, week: IsoWeek, team_id: int | None) -> list[int]:
    """The ids of the week's MQLs sent back for `reason` (a ReasonRow's key): the leads
    behind that row's count."""
    return sorted(_rejected_for(week=week, team_id=team_id).get(reason, ("", set()))[1])


def reason_words(reason: str, *, week: IsoWeek, team_id: int | None) -> str:
    """A ReasonRow's words from its key, as the review shows them (the key when this week has
    no such rejection)."""
    return _rejected_for(week=week, team_id=team_id).get(reason, (reason, set()))[0]


@dataclass(frozen=True)
class MissedRow:
    """One lead of the week that missed a deadline: its first contact (the deadline stored on
    the lead at its first handoff) and/or the deadline its SLA clock runs to now."""

    lead: Lead
    owner_name: str
    first_contact_by: datetime | None
    first_contact_late_seconds: float | None
    first_contact_open: bool
    clock_label: str
    clock_due_by: datetime | None
    clock_late_seconds: float | None
    reason: str

    @property
    def is_open(self) -> bool:
        """Still waiting for what was due: the running clock's deadline has passed."""
        return self.clock_due_by is not None


def missed_deadlines(*, week: IsoWeek, team_id: int | None, now: datetime, agreement: Agreement, calendar: BusinessCalendar) -> tuple[list[MissedRow], int]:
    """The week's MQLs that missed a deadline, computed from the deadlines themselves (not
    from the worker's breach records, so the list is right whether or not it ran): the first
    contact after the deadline or not at all, or the running SLA clock past its deadline. How
    late in business time, to the first attempt or to `now`, and what the rep said: one query.
    Returns the first LIST_LIMIT rows and the total, which is the `missed_deadlines` count."""
    note = ContactAttempt.objects.filter(lead=OuterRef("pk")).exclude(note="").order_by("-made_at").values("note")[:1]
    explanation = (
        Feedback.objects.filter(lead=OuterRef("pk")).exclude(reason_text="").order_by("-given_at").values("reason_text")[:1]
    )
    conditions = figure_filters(now=now, agreement=agreement)
    leads = (
        waiting_handed_over_between(week.start_at, week.end_at, team_id=team_id)
        .filter(conditions["missed_deadlines"])
        .select_related("company", "owner", "sla_clock")
        .annotate(
            explanation=Coalesce(Subquery(explanation), Subquery(note)),
            is_open=Case(When(conditions["open_breaches"], then=Value(True)), default=Value(False)),
            total=Window(Count("pk")),
            handed=reached(S.MQL),
        )
        .order_by("handed", "pk")[:LIST_LIMIT]
    )
    result, total = [], 0
    for lead in leads:
        total = lead.total
        first_late = None
        if lead.first_contact_by and (lead.first_attempt_at is None or lead.first_attempt_at > lead.first_contact_by):
            first_late = calendar.business_time_between(lead.first_contact_by, lead.first_attempt_at or now).total_seconds()
        clock = getattr(lead, "sla_clock", None) if lead.is_open else None
        due_by = clock.due_by if clock else (lead.respond_by if lead.is_open else None)
        result.append(
            MissedRow(
                lead=lead, owner_name=person_name(lead.owner) if lead.owner else "—",
                first_contact_by=lead.first_contact_by if first_late is not None else None,
                first_contact_late_seconds=first_late,
                first_contact_open=first_late is not None and lead.first_attempt_at is None,
                clock_label=str(clock.get_kind_display()) if clock else (str(SlaClock.Kind.FIRST_CONTACT.label) if due_by else ""),
                clock_due_by=due_by,
                clock_late_seconds=calendar.business_time_between(due_by, now).total_seconds() if due_by else None,
                reason=lead.explanation or "",
            )
        )
    return result, total


def without_feedback(*, week: IsoWeek, team_id: int | None) -> tuple[list[Lead], int]:
    """The week's MQLs sales has not yet given a disposition on: one query."""
    leads = (
        handed_over_between(week.start_at, week.end_at, team_id=team_id)
        .filter(~Exists(Feedback.objects.filter(lead=OuterRef("pk"))))
        .select_related("company", "owner")
        .annotate(total=Window(Count("pk")), handed=reached(S.MQL))
        .order_by("handed", "pk")[:LIST_LIMIT]
    )
    found = list(leads)
    return found, (found[0].total if found else 0)


@dataclass(frozen=True)
class Review:
    week: IsoWeek
    team_id: int | None
    agreement: Agreement
    total: Line
    # The week before, for the change on each tile.
    previous: Line
    trend: list[WeekPoint]
    teams: list[TeamBlock]
    channels: list[ChannelRejections]
    reasons: list[tuple[str, int]]
    missed: list[MissedRow]
    missed_count: int
    no_feedback: list[Lead]
    no_feedback_count: int
    judged: dict[str, Judged] = field(default_factory=dict)


def review(*, week: IsoWeek, team_id: int | None, now: datetime, agreement: Agreement, calendar: BusinessCalendar) -> Review:
    """Every figure of the review page: twelve queries."""
    points = trend(week=week, team_id=team_id, now=now, agreement=agreement)
    total = points[-1].line
    listed_missed, missed_count = missed_deadlines(week=week, team_id=team_id, now=now, agreement=agreement, calendar=calendar)
    listed_leads, no_feedback_count = without_feedback(week=week, team_id=team_id)
    return Review(
        week=week,
        team_id=team_id,
        agreement=agreement,
        total=total,
        previous=points[-2].line,
        trend=points,
        teams=per_team(week=week, team_id=team_id, now=now, agreement=agreement),
        channels=rejections_per_channel(week=week, team_id=team_id),
        reasons=rejections_by_reason(week=week, team_id=team_id),
        missed=listed_missed,
        missed_count=missed_count,
        no_feedback=listed_leads,
        no_feedback_count=no_feedback_count,
        judged=judge_line(total, agreement, whole_company=not team_id),
    )


def judge_line(line: Line, agreement: Agreement, *, whole_company: bool) -> dict[str, Judged]:
    """Each key figure of a line against the agreement (see review.targets for the colours)."""
    margin = agreement.amber_margin_percent / 100
    response = agreement.first_contact_within.total_seconds()

    def higher(value, target):
        return Judged.of(value, target, higher_is_better=True, margin=margin)

    def lower(value, target):
        return Judged.of(value, target, higher_is_better=False, margin=margin)

    return {
        "within_sla": higher(line.within_sla_share, agreement.within_sla_percent / 100),
        "median": lower(line.median_seconds, response),
        "p90": lower(line.p90_seconds, response),
        "never_contacted": lower(line.share_of_mqls(line.never_contacted), 0),
        "written_off_early": lower(line.share_of_mqls(line.written_off_early), 0),
        "feedback": higher(line.feedback_share, agreement.feedback_percent / 100),
        "open_breaches": lower(line.share_of_mqls(line.open_breaches), 0),
        # The monthly promise is the whole company's; a team's share of it is not agreed.
        "delivered": higher(line.mqls, agreement.weekly_mql_pace if whole_company else None),
        "accepted": higher(line.accepted_share, agreement.accepted_percent / 100),
        "complete": higher(line.complete_share, agreement.complete_percent / 100),
        "mql_to_sql": higher(line.mql_to_sql, agreement.mql_to_sql_target),
    }
