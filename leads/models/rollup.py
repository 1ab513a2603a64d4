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
}

# The grouping sets: name → the dimensions it keeps. A view reads the first set that holds
# every dimension it filters or groups by (so the smallest sets come first); a view no set
# covers reads the leads themselves.
GROUPING_SETS = {
    "all": (),
    "channel": ("channel", "campaign"),
    "team": ("team", "owner", "channel", "campaign"),
    "company": ("sector", "customer", "channel", "campaign"),
    "source": ("source",),
    "product": ("product_interest",),
    "source_owner": ("source_owner",),
    "lost_reason": ("lost_reason",),
    "linked_campaign": ("linked_campaign", "channel", "campaign"),
}
# Grouping sets that hold counts only, no lead times: read only by a figure that groups by
# their dimension (the lost reasons, the campaigns' costs), never by a view's funnel.
COUNTS_ONLY = frozenset({"lost_reason", "linked_campaign"})
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
MEASURES = (*[f"{a}_{b}" for a, b in PAIRS], "first_attempt", "reached_mql_sql", "system_clock", "rep_clock")
COUNTS = (
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
COUNTS = (*COUNTS, *VERDICT_COUNTS)

# Speed to lead: the buckets of the time from the handoff to the first attempt (where each
# starts, in seconds; 0 is "< 5 min", a time before the handoff included), NEVER for an MQL
# not tried yet, and NO_BUSINESS_TIME for one tried without a business time stored.
SPEED_EDGES = (5 * 60, 30 * 60, 4 * 3600, 86400)
NEVER = len(SPEED_EDGES) + 1
NO_BUSINESS_TIME = -1
# The grouping sets speed to lead is kept for: those holding the channel, which it groups by.
SPEED_GROUPINGS = ("channel", "team", "company")
# Grouping sets whose counts (and speed to lead) are also summed per calendar month of arrival,
# as grouping "<set>/month" on the month's first day, so that a long period reads its whole
# months from a row a month instead of a row a day (the feedback per source, speed to lead).
MONTHLY = ("channel", "team", "company")
MONTH_SUFFIX = "/month"


class RollupKey(models.Model):
    grouping = models.CharField(max_length=20)
    day = models.DateField()  # of arrival, in the business time zone
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


class LeadTimeRollup(RollupKey):
    """Per arrival day, grouping set, lead time and bucket: how many lead times fell in the
    bucket and their sum, so a percentile is read to within the bucket's width."""

    measure = models.CharField(max_length=30)
    bucket = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)
    microseconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*KEY, "measure", "bucket"], name="lead_time_rollup_key")
        ]


class SpeedRollup(RollupKey):
    """Per arrival day, grouping set, intent tier and bucket of the time to the first attempt
    (clock and business time): how many MQLs, and how many of them reached SAL, SQL and won."""

    intent_tier = models.CharField(max_length=10, default="")
    clock = models.SmallIntegerField()
    business = models.SmallIntegerField()  # NO_BUSINESS_TIME: tried, no business time stored
    n = models.BigIntegerField(default=0)
    sals = models.BigIntegerField(default=0)
    sqls = models.BigIntegerField(default=0)
    won = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*KEY, "intent_tier", "clock", "business"], name="speed_rollup_key")
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
    # computed by the handoff app, see leads.rollups.COMPUTED_FACTS).
    owner_told_at = models.DateTimeField(null=True)
    intent_tier = models.CharField(max_length=10, default="")
    first_contact_business_seconds = models.IntegerField(null=True)
    # Sales' verdicts: "disposition/no-fit reason/quality" per feedback, sorted, space-separated;
    # and how many times sales sent the MQL back at the accept step.
    verdicts = models.TextField(default="")
    rejected_at_accept = models.IntegerField(default=0)


class StageRollup(models.Model):
    """How many leads are in each stage now, per campaign: the home page's open leads per
    stage and the queue's campaigns with open leads, read from a few hundred rows instead of
    every lead. Kept up to date with the other rollups, from the same `RolledUpLead` copies."""

    stage = models.CharField(max_length=20)
    campaign = models.CharField(max_length=200, default="")
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stage", "campaign"], name="stage_rollup_key")]
