"""The funnel's rollups: small tables of sums that the dashboard reads instead of every lead.

Each lead adds its figures (counted once, as the dashboard counts them) to one row per
grouping set: the day it arrived (business time zone) × the dimensions of the set. Lead times
go into fine histograms (a count and the sum of microseconds per log-spaced bucket) beside
them. `leads.rollups` keeps both up to date in the transaction of every write and rebuilds
them from the leads; `RolledUpLead` is the copy of what each lead last added, so a change adds
the difference.

Adding a dimension: one line in DIMENSIONS (its column) and one in `leads.rollups.DIMENSION_OF`
(how a lead gives its value), then name it in the grouping sets that need it and run
makemigrations and `rebuildrollups`.
"""

from __future__ import annotations

from django.db import models

# A dimension's column in both rollup tables. Nothing is NULL (a unique key must match
# itself): the empty string or 0 stands for "none", and for "not in this grouping set".
DIMENSIONS = {
    "channel": lambda: models.CharField(max_length=20, default=""),
    "campaign": lambda: models.CharField(max_length=200, default=""),
    "source": lambda: models.CharField(max_length=200, default=""),
    "product_interest": lambda: models.CharField(max_length=100, default=""),
    "team": lambda: models.IntegerField(default=0),  # the lead's own team id (0: none)
    "owner": lambda: models.IntegerField(default=0),
    "sector": lambda: models.CharField(max_length=30, default=""),
    "customer": lambda: models.CharField(max_length=10, default=""),  # "existing" or "new"
    "source_owner": lambda: models.CharField(max_length=20, default=""),
    "lost_reason": lambda: models.CharField(max_length=20, default=""),
    "linked_campaign": lambda: models.IntegerField(default=0),  # the linked campaign's id (0: none)
    # Routing quality: the row of the lead's first assignment ("rule:<name>" or how it was
    # assigned) and the day of that assignment (business time zone, date.toordinal(); 0: none).
    "routed_by": lambda: models.CharField(max_length=130, default=""),
    "routed_on": lambda: models.IntegerField(default=0),
}

# The grouping sets: name → the dimensions it keeps. A view reads the first set that holds
# every dimension it filters or groups by (so the smallest sets come first); a view no set
# covers reads the leads themselves. Each set has month rows too (its name after
# leads.month_rows.MONTH, "m:"): a name may be at most 18 characters.
GROUPING_SETS = {
    "all": (),
    "channel": ("channel", "campaign"),
    # Before "team": the figures per team and per rep (follow-up, the two clocks) read a tenth
    # of its rows here.
    "team_owner": ("team", "owner"),
    "team": ("team", "owner", "channel", "campaign"),
    "company": ("sector", "customer", "channel", "campaign"),
    "source": ("source",),
    "product": ("product_interest",),
    "source_owner": ("source_owner",),
    "lost_reason": ("lost_reason",),
    "linked_campaign": ("linked_campaign", "channel", "campaign"),
    # Routing quality, for the filters each set above holds (the routed leads only).
    "routed": ("routed_by", "routed_on"),
    "routed_channel": ("routed_by", "routed_on", "channel", "campaign"),
    "routed_team": ("routed_by", "routed_on", "team", "owner", "channel", "campaign"),
    "routed_company": ("routed_by", "routed_on", "sector", "customer", "channel", "campaign"),
    "routed_sourcing": ("routed_by", "routed_on", "source_owner"),
}
# Grouping sets that hold counts only, no lead times: read only by a figure that groups by
# their dimension (the lost reasons, the campaigns' costs), never by a view's funnel.
ROUTED_ONLY = frozenset(name for name in GROUPING_SETS if name.startswith("routed"))
COUNTS_ONLY = frozenset({"lost_reason", "linked_campaign", *ROUTED_ONLY})
KEY = ("grouping", "day", *DIMENSIONS)

# Funnel stages in order, and the steps (earlier, later) whose lead times the funnel shows:
# each step and the end-to-end times. "leads" is the arrival.
FUNNEL = ("mql", "sal", "sql", "opportunity", "won")
PAIRS = (
    ("leads", "mql"), ("mql", "sal"), ("sal", "sql"), ("sql", "opportunity"),
    ("opportunity", "won"), ("leads", "sql"), ("mql", "sql"), ("mql", "won"), ("leads", "won"),
)
# The lead times kept as histograms: each pair (own stamps, in order), the first attempt
# after the MQL, MQL → SQL by reached moments (the distribution's definition), and the two
# clocks: handoff → owner told ("system_clock"), owner told → first attempt ("rep_clock").
# After the sale: the win → first value of the won leads ("won_first_value").
FUNNEL_MEASURES = (*[f"{a}_{b}" for a, b in PAIRS], "first_attempt", "reached_mql_sql", "system_clock", "rep_clock")
MEASURES = (
    *FUNNEL_MEASURES, "won_first_value",
)
# Activity mode keeps them all, each on the day it ended (the win → first value: on the win's).
ACTIVITY_MEASURES = frozenset(MEASURES)
# After the sale, of the won leads (leads.account_facts): churned, renewal events, reached
# first value, expansion revenue in cents (and, counted for the funnel, reached_won and
# revenue_cents).
AFTER_SALE = ("churned", "renewals", "first_value", "expansion_cents")
# Routing quality (handoff.first_assignment): routed, of which given an owner, of which that
# owner stayed for the first week, and reassigned since.
ROUTING_COUNTS = ("routed", "routed_with_owner", "routed_kept", "routed_reassigned")
FUNNEL_COUNTS = (
    "leads", *[f"reached_{s}" for s in FUNNEL], *[f"own_{s}" for s in FUNNEL],
    "contacted", "attempts", "lost", "open", "revenue_cents", *[f"passed_{a}_{b}" for a, b in PAIRS],
    "pipeline_cents",  # the deal value of the leads that reached SQL (open, won or lost)
    "lost_value_cents",  # the deal value of the lost leads
)
# Sales' verdicts on the leads (the feedback per source): the feedback given, by disposition,
# by reason for no fit and by quality, and the MQLs sent back at the accept step. A lead judged
# twice counts twice. The codes are Feedback's choices (a test keeps them equal; imported from
# there, the models would import each other).
DISPOSITIONS = ("became_sql", "not_reached", "no_fit", "no_urgency", "wrong_contact")
NO_FIT_REASONS = ("too_small", "wrong_sector", "no_budget", "student_or_private", "competitor", "other")
QUALITIES = ("good", "bad")
VERDICT_COUNTS = (
    "feedback", *[f"feedback_{d}" for d in DISPOSITIONS], *[f"no_fit_{r}" for r in NO_FIT_REASONS],
    *[f"feedback_{q}" for q in QUALITIES], "rejected_at_accept",
)
COUNTS = (*FUNNEL_COUNTS, *AFTER_SALE, *ROUTING_COUNTS, *VERDICT_COUNTS)
# Activity mode counts each figure on the day its event happened (a lead is an MQL on the day
# it reached MQL, a loss on the day it was lost): the funnel's counts, and more. Skipped: a
# lead that reached the stage that day without its own stamp (in a cohort that is reached −
# own; by event day the own stamp may fall in another period). The week's SQLs: of the leads
# that reached MQL that day, those that reached SQL since (the weekly figure's definition).
# Routing quality: the routed leads on the day of their first assignment, in the routed* sets
# only (the other sets hold no routing counts by event day, the routed ones nothing else).
# After the sale: the wins of the period, their AFTER_SALE counts on the day of the win. Sales'
# verdicts: each feedback on the day it was given, each rejection at the accept step on its own.
ACTIVITY_COUNTS = (
    *FUNNEL_COUNTS, *[f"skipped_{s}" for s in FUNNEL], "mql_reached_sql", *ROUTING_COUNTS, *AFTER_SALE,
    *VERDICT_COUNTS,
)

# Speed to lead: the buckets of the time from the handoff to the first attempt (where each
# starts, in seconds; 0 is "< 5 min", a time before the handoff included), NEVER for an MQL
# not tried yet, and NO_BUSINESS_TIME for one tried without a business time stored.
SPEED_EDGES = (5 * 60, 30 * 60, 4 * 3600, 86400)
NEVER = len(SPEED_EDGES) + 1
NO_BUSINESS_TIME = -1
# The grouping sets speed to lead is kept for: those holding the channel, which it groups by.
SPEED_GROUPINGS = ("channel", "team", "company")


class RollupKey(models.Model):
    grouping = models.CharField(max_length=20)
    day = models.DateField()  # of arrival (activity rollups: of the event), in the business time zone
    for _name, _field in DIMENSIONS.items():
        vars()[_name] = _field()
    del _name, _field

    class Meta:
        abstract = True


class CohortRollup(RollupKey):
    """Per arrival day and grouping set: how many leads, how far they got, and their outcome."""

    for _name in COUNTS:
        vars()[_name] = models.BigIntegerField(default=0)
    del _name

    class Meta:
        constraints = [models.UniqueConstraint(fields=KEY, name="cohort_rollup_key")]
        indexes = [
            # After the sale reads only the won leads' rows: a few thousand of them in all time,
            # read from this index alone instead of every row of a grouping set.
            models.Index(
                fields=["grouping", "day"], name="cohort_rollup_won",
                include=[*DIMENSIONS, "reached_won", "revenue_cents", *AFTER_SALE], condition=models.Q(reached_won__gt=0),
            ),
        ]


class LeadTimeRollup(RollupKey):
    """Per arrival day, grouping set, lead time and bucket: how many lead times fell in the
    bucket and their sum, so a percentile is read to within the bucket's width."""

    measure = models.CharField(max_length=30)
    bucket = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)
    microseconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The measure before the day, and on PostgreSQL the sums included (INCLUDE (n,
            # microseconds), built by migration 0035: Django would leave such a key out on SQLite):
            # a figure's read of its measures over a period is one index-only range scan per
            # span, not a heap fetch per row.
            models.UniqueConstraint(fields=["grouping", "measure", "day", *DIMENSIONS, "bucket"], name="lead_time_rollup_key")
        ]
        indexes = [
            # The win → first value alone (after the sale), from the index alone.
            models.Index(
                fields=["grouping", "day"], name="lead_time_rollup_first_value",
                include=[*DIMENSIONS, "bucket", "n", "microseconds"], condition=models.Q(measure="won_first_value"),
            ),
        ]


class ActivityRollup(RollupKey):
    """Per event day and grouping set: the counts of CohortRollup, each on the day of its
    event instead of the lead's arrival (`leads.rollups.event_moments()` says which)."""

    for _name in ACTIVITY_COUNTS:
        vars()[_name] = models.BigIntegerField(default=0)
    del _name

    class Meta:
        constraints = [models.UniqueConstraint(fields=KEY, name="activity_rollup_key")]
        indexes = [
            # After the sale in activity mode: the rows of the wins' days only (as cohort_rollup_won).
            models.Index(
                fields=["grouping", "day"], name="activity_rollup_won",
                include=[*DIMENSIONS, "reached_won", "revenue_cents", *AFTER_SALE], condition=models.Q(reached_won__gt=0),
            ),
        ]


class ActivityLeadTimeRollup(RollupKey):
    """LeadTimeRollup by the day the lead time ended (a step's later stage, the MQL for the
    first attempt and the two clocks, the win for the win → first value): the histograms
    activity mode reads."""

    measure = models.CharField(max_length=30)
    bucket = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)
    microseconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # As LeadTimeRollup's key: the measure before the day, the sums included on
            # PostgreSQL (migration 0040), so a figure's read is an index-only range scan.
            models.UniqueConstraint(
                fields=["grouping", "measure", "day", *DIMENSIONS, "bucket"], name="activity_lead_time_rollup_key"
            )
        ]
        indexes = [
            # The win → first value alone (after the sale in activity mode), from the index alone.
            models.Index(
                fields=["grouping", "day"], name="activity_lead_time_first_value",
                include=[*DIMENSIONS, "bucket", "n", "microseconds"], condition=models.Q(measure="won_first_value"),
            ),
        ]


class SpeedFigures(RollupKey):
    """Per day, grouping set, intent tier and bucket of the time to the first attempt (clock
    and business time): how many MQLs, and how many of them reached SAL, SQL and won."""

    intent_tier = models.CharField(max_length=10, default="")
    clock = models.SmallIntegerField()
    business = models.SmallIntegerField()  # NO_BUSINESS_TIME: tried, no business time stored
    n = models.BigIntegerField(default=0)
    sals = models.BigIntegerField(default=0)
    sqls = models.BigIntegerField(default=0)
    won = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class SpeedRollup(SpeedFigures):
    """Speed to lead per arrival day (cohort mode)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*KEY, "intent_tier", "clock", "business"], name="speed_rollup_key")
        ]


class ActivitySpeedRollup(SpeedFigures):
    """Speed to lead per day the lead reached MQL (its handoff) instead of its arrival: in
    activity mode, the MQLs of the period, each followed to today."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*KEY, "intent_tier", "clock", "business"], name="activity_speed_rollup_key")
        ]


class RolledUpLead(models.Model):
    """What a lead last added to the rollups: the fields they are computed from. Not a foreign
    key, so it outlives an erased lead until the rollups take its figures back out."""

    lead_id = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField()
    channel = models.CharField(max_length=20, default="")
    campaign = models.CharField(max_length=200, default="")
    source_owner = models.CharField(max_length=20, default="")
    lost_reason = models.CharField(max_length=20, default="")
    linked_campaign_id = models.BigIntegerField(null=True)
    source = models.CharField(max_length=200, default="")
    product_interest = models.CharField(max_length=100, default="")
    team_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    sector = models.CharField(max_length=30, null=True)
    is_customer = models.BooleanField(null=True)
    stage = models.CharField(max_length=20)
    mql_at = models.DateTimeField(null=True)
    sal_at = models.DateTimeField(null=True)
    sql_at = models.DateTimeField(null=True)
    opportunity_at = models.DateTimeField(null=True)
    won_at = models.DateTimeField(null=True)
    lost_at = models.DateTimeField(null=True)
    first_attempt_at = models.DateTimeField(null=True)
    attempt_count = models.IntegerField(default=0)
    deal_value = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    # When the lead's owner was first sent word of it at or after the handoff (the two clocks;
    # computed by the handoff app, see leads.rollup_facts.COMPUTED_FACTS).
    owner_told_at = models.DateTimeField(null=True)
    # What the weekly review counts (leads.review_facts.FACTS).
    first_contact_by = models.DateTimeField(null=True)
    first_contact_business_seconds = models.BigIntegerField(null=True)
    has_feedback = models.BooleanField(default=False)
    not_reached = models.BooleanField(default=False)  # a "not reached" verdict among its feedback
    returned = models.BooleanField(default=False)  # moved from a sales stage back to nurture
    rejected = models.BooleanField(default=False)  # sent back from MQL by a person
    is_complete = models.BooleanField(default=False)
    # Its account events, summed (leads.account_facts).
    churned = models.BooleanField(default=False)
    renewals = models.IntegerField(default=0)
    first_value_at = models.DateTimeField(null=True)
    expansion = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # Its first assignment (handoff.first_assignment): its routing row ("": never assigned),
    # when and to whom, whether the owner changed in the first week, reassigned since.
    routed_by = models.CharField(max_length=130, default="")
    first_assigned_at = models.DateTimeField(null=True, db_index=True)  # the day judged by the hour
    first_owner_id = models.BigIntegerField(null=True)
    owner_changed_in_first_week = models.BooleanField(default=False)
    reassigned = models.BooleanField(default=False)

    intent_tier = models.CharField(max_length=10, default="")
    # Sales' verdicts: "disposition/no-fit reason/quality/day given" per feedback (the day in the
    # business time zone, ISO), sorted, space-separated; how many times sales sent the MQL back
    # at the accept step, and the days they did (ISO, sorted, space-separated).
    verdicts = models.TextField(default="")
    rejected_at_accept = models.IntegerField(default=0)
    rejected_at_accept_on = models.TextField(default="")

    class Meta:
        indexes = [
            # Routing quality's reasons: the view's reassigned leads, a few among many.
            models.Index(fields=["created_at"], name="rolled_up_lead_reassigned", condition=models.Q(reassigned=True)),
            # … and in activity mode, those first assigned in the period.
            models.Index(
                fields=["first_assigned_at"], name="rolled_up_lead_reassigned_on", condition=models.Q(reassigned=True)
            ),
        ]


class StageRollup(models.Model):
    """How many leads are in each stage now, per campaign: the home page's open leads per
    stage and the queue's campaigns with open leads, read from a few hundred rows instead of
    every lead. Kept up to date with the other rollups, from the same `RolledUpLead` copies."""

    stage = models.CharField(max_length=20)
    campaign = models.CharField(max_length=200, default="")
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stage", "campaign"], name="stage_rollup_key")]


# The weekly review's rollup: per handoff week (the Monday of the week the lead first reached
# MQL or a later stage, business time zone) × the lead's team × owner × channel.
REVIEW_KEY = ("week", "team", "owner", "channel")
REVIEW_COUNTS = (
    "mqls", "contacted", "within_sla", "contacted_late", "attempts", "returned", "with_feedback",
    "accepted", "rejected", "complete", "sqls",
)
# The review's histograms: business seconds to the first contact ("response", the buckets of
# the lead times), the two clocks ("system_clock", "rep_clock"), and the leads given up as not
# reached per attempt count ("not_reached_attempts": the bucket is the attempt count), so a
# page counts those written off before the agreement's minimum whatever that minimum is.
REVIEW_MEASURES = ("response", "system_clock", "rep_clock", "not_reached_attempts")


class ReviewKey(models.Model):
    week = models.DateField()
    team = models.IntegerField(default=0)  # 0: no team
    owner = models.IntegerField(default=0)  # 0: no owner
    channel = models.CharField(max_length=20, default="")

    class Meta:
        abstract = True


class ReviewRollup(ReviewKey):
    """The weekly review's counts that do not depend on the moment the page is read."""

    for _name in REVIEW_COUNTS:
        vars()[_name] = models.BigIntegerField(default=0)
    del _name

    class Meta:
        constraints = [models.UniqueConstraint(fields=REVIEW_KEY, name="review_rollup_key")]


class ReviewTimeRollup(ReviewKey):
    """The weekly review's histograms, read like LeadTimeRollup's."""

    measure = models.CharField(max_length=30)
    bucket = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)
    microseconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*REVIEW_KEY, "measure", "bucket"], name="review_time_rollup_key")
        ]
