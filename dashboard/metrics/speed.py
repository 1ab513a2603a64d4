"""Speed to lead and the two clocks.

Speed to lead: how the MQLs converted (to SAL, SQL and won, until today) by how soon after the
handoff sales first tried to reach them, in clock time and in business time, for all MQLs and
per channel and intent tier. The handoff is the lead's first MQL (or the later stage it
skipped to); business time is the one stored when the first attempt was logged
(`Lead.first_contact_business_seconds`), so a lead without it (imported history) counts only
in clock time.

The two clocks split that wait in two: the system's delay, from the handoff to the moment the
first "new lead" or "reassigned to you" message to the lead's owner was sent, and the rep's,
from that message to the first contact attempt. Both in clock time, median and 90th percentile.
A message sent before the handoff does not count; neither does an attempt made before its
owner was told (a rep who found the lead on their own).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, Count, F, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.lookups import GreaterThanOrEqual, IsNull
from django.utils.translation import gettext_lazy as _

import dashboard.metrics.rolled_up as rolled_up
from common.people import person_name
from dashboard.filters import Filters
from dashboard.metrics.breakdowns import NOT_GIVEN, SMALL_SAMPLE
from dashboard.metrics.funnel import (
    FUNNEL,
    PERCENTILES,
    S,
    base_leads,
    counted,
    lead_team,
    ratio,
    reached,
)
from dashboard.sql import EarliestOf, Percentiles, SecondsBetween, WidthBucket
from handoff.models import Notification
from leads.models import Channel, IntentTier
from leads.models.rollup import NEVER, SPEED_EDGES

MINUTE, HOUR, DAY = 60, 3600, 86400
# Where each bucket of the time to the first attempt starts (seconds), and its label; a lead
# never tried is the last bucket, "never".
# (5 min, 30 min, 4 h, a day: kept with the rollups, which count the MQLs per bucket.)
SPEED_LABELS = [_("< 5 min"), _("5–30 min"), _("30 min–4 h"), _("4–24 h"), _("> 24 h"), _("never")]
CLOCK, BUSINESS = "clock", "business"
CLOCK_LABELS = {CLOCK: _("clock time"), BUSINESS: _("business time")}
ALL, CHANNEL, INTENT_TIER = "all", "channel", "intent_tier"
NO_TIER = _("(not scored yet)")


@dataclass(frozen=True)
class SpeedRow:
    """The MQLs of one bucket of one clock, of all leads or of one channel or intent tier."""

    clock: str  # CLOCK or BUSINESS
    group: str  # ALL, CHANNEL or INTENT_TIER
    group_key: str  # the channel's or tier's code ("" for all, and for none)
    group_label: str
    bucket: int  # 0 for "< 5 min" … NEVER
    label: str
    leads: int
    sals: int
    sqls: int
    won: int

    @property
    def sal_rate(self) -> float | None:
        return ratio(self.sals, self.leads)

    @property
    def sql_rate(self) -> float | None:
        return ratio(self.sqls, self.leads)

    @property
    def won_rate(self) -> float | None:
        return ratio(self.won, self.leads)

    @property
    def small_sample(self) -> bool:
        return self.leads < SMALL_SAMPLE


@dataclass(frozen=True)
class SpeedGroup:
    """A channel's or intent tier's buckets, in both clocks."""

    key: str
    label: str
    clock: list[SpeedRow]
    business: list[SpeedRow]

    @property
    def clocks(self) -> list[tuple[str, list[SpeedRow]]]:
        return [(str(CLOCK_LABELS[CLOCK]), self.clock), (str(CLOCK_LABELS[BUSINESS]), self.business)]


@dataclass(frozen=True)
class SpeedToLead:
    clock: list[SpeedRow]  # all MQLs, by clock time to the first attempt
    business: list[SpeedRow]  # all MQLs with a business time (or never tried)
    per_channel: list[SpeedGroup]
    per_intent_tier: list[SpeedGroup]

    @property
    def clocks(self) -> list[tuple[str, list[SpeedRow]]]:
        return [(str(CLOCK_LABELS[CLOCK]), self.clock), (str(CLOCK_LABELS[BUSINESS]), self.business)]

    @property
    def by_bucket(self) -> list[tuple[str, list[SpeedRow]]]:
        """Each bucket's label with its row in clock time and in business time."""
        return [(c.label, [c, b]) for c, b in zip(self.clock, self.business)]

    @property
    def dimensions(self) -> list[tuple[str, list[SpeedGroup]]]:
        return [(str(_("Per channel")), self.per_channel), (str(_("Per intent tier")), self.per_intent_tier)]

    @property
    def rows(self) -> list[SpeedRow]:
        """Every row, flat (the JSON's `speed_to_lead`)."""
        rows = [*self.clock, *self.business]
        for group in [*self.per_channel, *self.per_intent_tier]:
            rows += [*group.clock, *group.business]
        return rows

    @property
    def leads(self) -> int:
        return sum(row.leads for row in self.clock)


def _bucket(seconds):
    """The bucket of a time to the first attempt; NEVER when sales did not try yet. An attempt
    made before the handoff (a negative time) was as fast as it gets: the first bucket."""
    return Case(
        When(first_attempt_at__isnull=True, then=Value(NEVER)),
        default=WidthBucket(seconds, SPEED_EDGES),
    )


def _channel_label(key: str) -> str:
    return str(Channel(key).label) if key in Channel.values else key or str(NOT_GIVEN)


def _tier_label(key: str) -> str:
    return str(IntentTier(key).label) if key in IntentTier.values else str(NO_TIER)


def speed_to_lead(filters: Filters) -> SpeedToLead:
    """Conversion per time to the first attempt, both clocks, per channel and tier: one query,
    of the rollups where they hold the view, else of the leads. The MQLs of the view, each
    followed to today (as the weekly MQL → SQL series does): in cohort mode those that arrived
    in the period, in activity mode those that reached MQL in it (whenever they arrived)."""
    handoff = reached(S.MQL)
    rows = rolled_up.speed_rows(filters)
    if rows is None:
        rows = (
            base_leads(filters)
            .filter(counted(filters, S.MQL))
            .values(
                "channel",
                "intent_tier",
                clock=_bucket(SecondsBetween(F("first_attempt_at"), handoff)),
                # NULL: tried, but no business time stored (counts in clock time only).
                business=_bucket(F("first_contact_business_seconds")),
            )
            .annotate(
                n=Count("pk"),
                sals=Count("pk", filter=Q(IsNull(reached(S.SAL), False))),
                sqls=Count("pk", filter=Q(IsNull(reached(S.SQL), False))),
                won=Count("pk", filter=Q(won_at__isnull=False)),
            )
        )
    # (clock, group, group key) → bucket → [leads, sals, sqls, won]
    found: dict[tuple, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    for row in rows:
        figures = (row["n"], row["sals"], row["sqls"], row["won"])
        for clock in (CLOCK, BUSINESS):
            if row[clock] is None:
                continue
            for group, key in ((ALL, ""), (CHANNEL, row["channel"] or ""), (INTENT_TIER, row["intent_tier"] or "")):
                counts = found[(clock, group, key)][row[clock]]
                for i, n in enumerate(figures):
                    counts[i] += n

    def buckets(clock: str, group: str, key: str, group_label: str) -> list[SpeedRow]:
        counts = found.get((clock, group, key), {})
        return [
            SpeedRow(clock, group, key, group_label, index, str(label), *counts.get(index, (0, 0, 0, 0)))
            for index, label in enumerate(SPEED_LABELS)
        ]

    def groups(group: str, labelled) -> list[SpeedGroup]:
        keys = {key for clock, g, key in found if g == group}
        # Busiest first, then by name.
        sized = sorted(
            keys, key=lambda k: (-sum(c[0] for c in found[(CLOCK, group, k)].values()), labelled(k))
        )
        return [
            SpeedGroup(k, labelled(k), buckets(CLOCK, group, k, labelled(k)), buckets(BUSINESS, group, k, labelled(k)))
            for k in sized
        ]

    everyone = str(_("All MQLs"))
    return SpeedToLead(
        clock=buckets(CLOCK, ALL, "", everyone),
        business=buckets(BUSINESS, ALL, "", everyone),
        per_channel=groups(CHANNEL, _channel_label),
        per_intent_tier=groups(INTENT_TIER, _tier_label),
    )


def mqls_first_tried(filters: Filters, *, clock: str, bucket: int, group: str = ALL, group_key: str = ""):
    """The leads behind one speed-to-lead count: the view's MQLs in `bucket` of `clock`, of
    all MQLs or of one channel or intent tier (`group`, `group_key` as the rows carry them).
    Raises ValueError for a clock, bucket or group the table never shows."""
    if clock not in (CLOCK, BUSINESS) or not 0 <= bucket <= NEVER or group not in (ALL, CHANNEL, INTENT_TIER):
        raise ValueError("No such speed-to-lead cell.")
    seconds = SecondsBetween(F("first_attempt_at"), reached(S.MQL)) if clock == CLOCK else F("first_contact_business_seconds")
    leads = base_leads(filters).filter(counted(filters, S.MQL)).alias(speed_bucket=_bucket(seconds))
    leads = leads.filter(speed_bucket=bucket)
    field = {CHANNEL: "channel", INTENT_TIER: "intent_tier"}.get(group)
    if field:
        leads = leads.filter(**{field: group_key}) if group_key else leads.filter(Q(**{field: ""}) | Q(**{f"{field}__isnull": True}))
    return leads


def speed_cell_label(*, clock: str, bucket: int, group: str = ALL, group_key: str = "") -> str:
    """"First attempt after 5–30 min (clock time)", and the channel or tier when given."""
    if bucket == NEVER:
        label = _("No attempt yet")
    else:
        label = _("First attempt after %(time)s (%(clock)s)") % {"time": SPEED_LABELS[bucket], "clock": CLOCK_LABELS[clock]}
    if group == CHANNEL:
        return f"{label} · {_('Channel')}: {_channel_label(group_key)}"
    if group == INTENT_TIER:
        return f"{label} · {_('Intent tier')}: {_tier_label(group_key)}"
    return str(label)


# --- the two clocks ---------------------------------------------------------------------------


def owner_notified_at() -> Subquery:
    """When the lead's owner was first sent word of it (new or reassigned lead), at or after the
    handoff. NULL: not (yet) sent, or no owner."""
    handoff = EarliestOf(*[OuterRef(f"{stage}_at") for stage in FUNNEL])
    sent = Notification.objects.filter(
        lead=OuterRef("pk"),
        recipient=OuterRef("owner_id"),
        kind__in=[Notification.Kind.ASSIGNED, Notification.Kind.REASSIGNED],
        sent_at__isnull=False,
    ).filter(GreaterThanOrEqual(F("sent_at"), handoff))
    return Subquery(sent.order_by("sent_at", "pk").values("sent_at")[:1])


SYSTEM, REP = "system", "rep"


def counted_by_clock(which: str, notified=None) -> Q:
    """The leads a clock's "Leads" count counts: SYSTEM, those whose owner was sent word of
    them at or after the handoff; REP, of those, the ones tried after that word. Raises
    ValueError for another clock."""
    notified = owner_notified_at() if notified is None else notified
    if which == SYSTEM:
        return Q(IsNull(notified, False))
    if which == REP:
        return Q(GreaterThanOrEqual(F("first_attempt_at"), notified))
    raise ValueError(f"Unknown clock {which!r}.")


def clock_aggregates() -> dict:
    """The aggregates of both clocks over any set of leads that have been handed over (the
    dashboard's MQLs, the review's week): percentiles and how many leads each counts."""
    notified = owner_notified_at()
    system = SecondsBetween(notified, reached(S.MQL))
    rep = SecondsBetween(F("first_attempt_at"), notified)
    rep_counts = counted_by_clock(REP, notified)
    return {
        "system_clock": Percentiles(system, PERCENTILES),
        "system_count": Count("pk", filter=counted_by_clock(SYSTEM, notified)),
        "rep_clock": Percentiles(rep, PERCENTILES, filter=rep_counts),
        "rep_count": Count("pk", filter=rep_counts),
    }


@dataclass(frozen=True)
class Clock:
    median_seconds: float | None
    p90_seconds: float | None
    count: int


@dataclass(frozen=True)
class ClockLine:
    """Both clocks of one team, rep or all."""

    key: str  # the team's or owner's id ("" for none, and for the totals)
    label: str
    system: Clock
    rep: Clock

    @classmethod
    def from_row(cls, label: str, row: dict | None, key: str = "") -> "ClockLine":
        row = row or {}

        def clock(name: str) -> Clock:
            values = row.get(f"{name}_clock") or [None, None]
            return Clock(values[0], values[1], row.get(f"{name}_count") or 0)

        return cls(key=key, label=label, system=clock("system"), rep=clock("rep"))


@dataclass(frozen=True)
class ResponseClocks:
    total: ClockLine
    teams: list[ClockLine]
    reps: list[ClockLine]

    @property
    def sections(self) -> list[tuple[str, list[ClockLine], str]]:
        """(title, lines, the breakdown dimension their keys are of)."""
        return [(str(_("Teams")), self.teams, "team"), (str(_("Reps")), self.reps, "owner")]

    # The JSON's `response_clocks.system` and `.rep`: the totals.
    @property
    def system(self) -> Clock:
        return self.total.system

    @property
    def rep(self) -> Clock:
        return self.total.rep


def response_clocks(filters: Filters) -> ResponseClocks:
    """Both clocks for the view's MQLs, per team and per rep: from the rollups' histograms
    where they hold the view (four queries), else three queries over the leads. Teams and
    reps without a notified lead are left out."""
    rolled = rolled_up.clock_rows(filters, percentiles=PERCENTILES)
    if rolled is not None:
        total, team_rows, rep_rows = rolled
    else:
        leads = base_leads(filters).filter(counted(filters, S.MQL))
        figures = clock_aggregates()
        total = leads.aggregate(**figures)
        team_rows = leads.values(key=lead_team("id")).annotate(team_name=Max(lead_team("name")), **figures)
        names = {f: Max(f"owner__{f}") for f in ("first_name", "last_name", "username")}
        rep_rows = leads.values(key=F("owner_id")).annotate(**names, **figures)
    teams = [
        ClockLine.from_row(row["team_name"] or str(_("No team yet")), row, str(row["key"] or ""))
        for row in team_rows
        if row["system_count"]
    ]
    reps = [
        ClockLine.from_row(
            person_name(_Named(row["first_name"], row["last_name"], row["username"])) if row["key"] else str(_("No owner yet")),
            row,
            str(row["key"] or ""),
        )
        for row in rep_rows
        if row["system_count"]
    ]
    by_label = lambda line: line.label.lower()  # noqa: E731
    return ResponseClocks(ClockLine.from_row(str(_("All")), total), sorted(teams, key=by_label), sorted(reps, key=by_label))


@dataclass(frozen=True)
class _Named:
    """What person_name() reads of a user, from a grouped row."""

    first_name: str | None
    last_name: str | None
    username: str | None

    def get_full_name(self) -> str:
        return f"{self.first_name or ''} {self.last_name or ''}".strip()

    def get_username(self) -> str:
        return self.username or ""
