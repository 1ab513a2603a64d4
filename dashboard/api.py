"""The dashboard's figures as JSON for anyone's own BI tool: the same numbers as the page.

GET /api/dashboard/?mode=…&start=…&end=…&channel=…&campaign=…&sector=…&team=…&owner=…&customer=…
&source_owner=…&by=…&period=… (every parameter optional; the period defaults to the last 90 days, `period`
names one and replaces start and end). Session authentication for now; a bad parameter gives
400 with a message per field. `by` chooses the breakdown's dimension (channel by default,
campaign within a channel); `breakdown` holds its rows and `totals` their totals. Amounts
are in `currency`; `lost_reasons` and `comments` are the lost deals per reason and reps'
comments for marketing per source. `speed_to_lead` is the MQLs' conversion per time to the first
attempt; `response_clocks` splits that time into the system's and the rep's part. `sourcing` is each
source owner's leads, pipeline value and won revenue; `campaigns` the cost per lead, MQL, SQL and
deal won and the return on spend of each campaign with a budget.
`after_sale`
holds the won leads' retention, churn, expansion revenue, time to first value and lifetime value
per the breakdown's dimension; `routing_quality` per routing rule the share of leads still with
their first owner after seven days and the reassignments with their reasons.
"""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard import metrics
from dashboard.filters import Customer, Dimension, Mode, Preset, form_for_query
from leads import access
from leads.models import SourceOwner


class FiltersSerializer(serializers.Serializer):
    mode = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    channel = serializers.CharField()
    campaign = serializers.CharField()
    sector = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    owner_id = serializers.IntegerField(allow_null=True)
    customer = serializers.CharField()
    source_owner = serializers.CharField()
    by = serializers.CharField()


class LeadTimeSerializer(serializers.Serializer):
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)


class FunnelStepSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    from_previous = serializers.FloatField(allow_null=True)
    from_top = serializers.FloatField(allow_null=True)
    lead_time = LeadTimeSerializer(allow_null=True)
    too_young = serializers.BooleanField()
    young_share = serializers.FloatField(allow_null=True)
    maturity_days = serializers.IntegerField(allow_null=True)
    own = serializers.IntegerField(help_text="Leads with this stage's own stamp (were at the stage).")
    passed = serializers.IntegerField(
        allow_null=True,
        help_text="Leads that were at the previous stage and then at this one; null for the top.",
    )
    skipped = serializers.IntegerField(help_text="Leads that reached a later stage without being at this one.")


class StageLeadTimeSerializer(serializers.Serializer):
    from_stage = serializers.CharField(help_text='"leads" (arrival) or a stage.')
    to_stage = serializers.CharField()
    count = serializers.IntegerField(help_text="Leads with both stages' own stamps, in that order.")
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)


class OutcomesSerializer(serializers.Serializer):
    won = serializers.IntegerField()
    lost = serializers.IntegerField(help_text="Lost and not won later.")
    open = serializers.IntegerField(help_text="At SQL or opportunity today.")
    win_rate = serializers.FloatField(allow_null=True, help_text="won / (won + lost).")
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    revenue_per_lead = serializers.FloatField(allow_null=True)
    revenue_per_mql = serializers.FloatField(allow_null=True)
    revenue_per_won = serializers.FloatField(allow_null=True)


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Channel code, owner or team id, 2026-11, a Monday's date, …; empty: none.")
    label = serializers.CharField()
    leads = serializers.IntegerField()
    mqls = serializers.IntegerField()
    sqls = serializers.IntegerField()
    opportunities = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    win_rate = serializers.FloatField(allow_null=True, help_text="won / (won + lost).")
    sql_rate = serializers.FloatField(allow_null=True)
    revenue_per_lead = serializers.FloatField(allow_null=True)
    revenue_per_mql = serializers.FloatField(allow_null=True)
    revenue_per_won = serializers.FloatField(allow_null=True)
    median_mql_to_won_seconds = serializers.FloatField(allow_null=True)
    small_sample = serializers.SerializerMethodField(help_text="The win rate's or SQL rate's base is under 30.")

    def get_small_sample(self, row) -> bool:
        return row.win_rate_small or row.sql_rate_small


class BucketSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class FollowUpSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The team's or owner's id; empty for none and for the totals.")
    label = serializers.CharField()
    mqls = serializers.IntegerField()
    contacted = serializers.IntegerField()
    contacted_share = serializers.FloatField(allow_null=True)
    attempts = serializers.IntegerField()
    attempts_per_lead = serializers.FloatField(allow_null=True)
    median_first_attempt_seconds = serializers.FloatField(allow_null=True)


class FunnelSerializer(serializers.Serializer):
    steps = FunnelStepSerializer(many=True)
    follow_up = FollowUpSerializer()


class WeekSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    mqls = serializers.IntegerField()
    sqls = serializers.IntegerField()
    mql_to_sql = serializers.FloatField(allow_null=True)
    maturing = serializers.BooleanField()


class SourceRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    leads = serializers.IntegerField()
    mqls = serializers.IntegerField()
    sqls = serializers.IntegerField()
    won = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    sql_rate = serializers.FloatField(allow_null=True)
    close_rate = serializers.FloatField(allow_null=True)
    revenue_per_lead = serializers.FloatField(allow_null=True)
    revenue_per_sql = serializers.FloatField(allow_null=True)


class FeedbackRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField()
    dispositions = serializers.DictField(child=serializers.IntegerField())
    no_fit_reasons = serializers.DictField(child=serializers.IntegerField())
    good = serializers.IntegerField()
    bad = serializers.IntegerField()
    rejected_at_accept = serializers.IntegerField(help_text="MQLs sales sent back to marketing at the accept step.")
    judged = serializers.IntegerField(help_text="total + rejected_at_accept: every verdict.")
    rejected = serializers.IntegerField(help_text="Sent back by sales: no fit + rejected_at_accept.")
    rejected_share = serializers.FloatField(allow_null=True, help_text="rejected / judged.")
    bad_share = serializers.FloatField(allow_null=True)


class LostReasonSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A lost reason's code; empty: no reason given.")
    label = serializers.CharField()
    count = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="The lost deals' value, where known.")


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField()
    given_at = serializers.DateTimeField(source="feedback.given_at")
    disposition = serializers.CharField(source="feedback.disposition")
    quality = serializers.CharField(source="feedback.quality")


class CommentsOfSourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    comments = CommentSerializer(many=True, help_text="Newest first.")


class SpeedRowSerializer(serializers.Serializer):
    clock = serializers.CharField(help_text='"clock" or "business" time to the first attempt.')
    group = serializers.CharField(help_text='"all", "channel" or "intent_tier".')
    group_key = serializers.CharField(help_text="The channel's or intent tier's code; empty for all and for none.")
    group_label = serializers.CharField()
    bucket = serializers.IntegerField(help_text="0: < 5 min, 1: 5–30 min, 2: 30 min–4 h, 3: 4–24 h, 4: > 24 h, 5: never.")
    label = serializers.CharField()
    leads = serializers.IntegerField(help_text="The view's MQLs in this bucket.")
    sals = serializers.IntegerField()
    sal_rate = serializers.FloatField(allow_null=True)
    sqls = serializers.IntegerField()
    sql_rate = serializers.FloatField(allow_null=True, help_text="sqls / leads (reached SQL until today).")
    won = serializers.IntegerField()
    won_rate = serializers.FloatField(allow_null=True)
    small_sample = serializers.BooleanField(help_text="Fewer than 30 leads in the bucket.")


class ClockSerializer(serializers.Serializer):
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField(help_text="The leads the clock measured.")


class ClockLineSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The team's or owner's id; empty for none.")
    label = serializers.CharField()
    system = ClockSerializer()
    rep = ClockSerializer()


class ResponseClocksSerializer(serializers.Serializer):
    system = ClockSerializer(help_text="Handoff (first MQL) → the owner's first new-lead message sent.")
    rep = ClockSerializer(help_text="That message → the first contact attempt.")
    teams = ClockLineSerializer(many=True)
    reps = ClockLineSerializer(many=True)


class SourcingRowSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=SourceOwner.choices, help_text="Who sourced the leads.")
    label = serializers.CharField()
    leads = serializers.IntegerField()
    pipeline_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="The deal value of the leads that reached SQL: open, won or lost."
    )
    won_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    share_of_leads = serializers.FloatField(allow_null=True)
    share_of_pipeline = serializers.FloatField(allow_null=True)
    share_of_revenue = serializers.FloatField(allow_null=True, help_text="won_revenue / all rows' won_revenue.")


class CampaignCostSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The campaign's id.")
    name = serializers.CharField()
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="The whole campaign's budget.")
    leads = serializers.IntegerField(help_text="The view's leads linked to the campaign.")
    mqls = serializers.IntegerField()
    sqls = serializers.IntegerField()
    won = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    cost_per_lead = serializers.FloatField(allow_null=True)
    cost_per_mql = serializers.FloatField(allow_null=True)
    cost_per_sql = serializers.FloatField(allow_null=True)
    cost_per_won = serializers.FloatField(allow_null=True)
    return_on_spend = serializers.FloatField(allow_null=True, help_text="revenue / budget.")
class AfterSaleRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The breakdown dimension's value, as in `breakdown`; empty for the totals.")
    label = serializers.CharField()
    customers = serializers.IntegerField(help_text="Won leads of the view.")
    churned = serializers.IntegerField()
    retention = serializers.FloatField(allow_null=True, help_text="(customers - churned) / customers, until today.")
    churn_rate = serializers.FloatField(allow_null=True)
    renewals = serializers.IntegerField()
    with_first_value = serializers.IntegerField(help_text="Customers that reached first value.")
    median_time_to_first_value_seconds = serializers.FloatField(allow_null=True, help_text="Won → first value.")
    won_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    expansion_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    lifetime_value = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="won_revenue + expansion_revenue.")
    lifetime_value_per_customer = serializers.FloatField(allow_null=True)


class AfterSaleSerializer(serializers.Serializer):
    by = serializers.CharField(source="dimension", help_text="The dimension the rows group by (the breakdown's).")
    rows = AfterSaleRowSerializer(many=True, help_text="Highest lifetime value first.")
    totals = AfterSaleRowSerializer(source="total")


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()

    def to_representation(self, pair):
        return {"reason": pair[0], "count": pair[1]}


class RoutingRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='"rule:<name>", or how the lead was assigned without a rule (fallback, unassigned).')
    label = serializers.CharField()
    leads = serializers.IntegerField(help_text="The view's leads whose first assignment this was.")
    with_owner = serializers.IntegerField()
    judged = serializers.IntegerField(help_text="Given an owner at least seven days ago.")
    kept = serializers.IntegerField(help_text="Of those judged, still with their first owner seven days later.")
    kept_share = serializers.FloatField(allow_null=True, help_text="kept / judged.")
    reassigned = serializers.IntegerField()
    reassignment_rate = serializers.FloatField(allow_null=True, help_text="reassigned / leads.")
    reasons = ReasonCountSerializer(many=True, help_text="Why they were reassigned, most frequent first (three at most).")


class RoutingQualitySerializer(serializers.Serializer):
    rows = RoutingRowSerializer(many=True)
    totals = RoutingRowSerializer(source="total")


class DashboardSerializer(serializers.Serializer):
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount.")
    filters = FiltersSerializer()
    funnel = FunnelSerializer()
    outcomes = OutcomesSerializer()
    lead_times = StageLeadTimeSerializer(many=True, help_text="End to end, mql → won included.")
    by = serializers.CharField(source="breakdown.dimension")
    breakdown = BreakdownRowSerializer(many=True, source="breakdown.rows")
    totals = BreakdownRowSerializer(source="breakdown.totals")
    first_attempt_times = BucketSerializer(many=True)
    mql_to_sql_times = BucketSerializer(many=True)
    weeks = WeekSerializer(many=True)
    sources = SourceRowSerializer(many=True, help_text="The breakdown's rows, as before `by` existed.")
    feedback = FeedbackRowSerializer(many=True)
    comments = CommentsOfSourceSerializer(many=True, help_text="Reps' comments for marketing per source.")
    follow_up = FollowUpSerializer(many=True)
    lost_reasons = LostReasonSerializer(many=True)
    speed_to_lead = SpeedRowSerializer(
        many=True, source="speed_to_lead.rows",
        help_text="Conversion of the MQLs per time to the first attempt, both clocks, all and per channel and intent tier.",
    )
    response_clocks = ResponseClocksSerializer()
    sourcing = SourcingRowSerializer(many=True, help_text="Per source owner: marketing, sales, partner, referral.")
    campaigns = CampaignCostSerializer(many=True, help_text="The campaigns with a budget that have leads in the view.")
    after_sale = AfterSaleSerializer(help_text="The won leads' accounts after the sale, per the breakdown's dimension.")
    routing_quality = RoutingQualitySerializer(help_text="Per routing rule of the leads' first assignment.")

    def get_currency(self, data) -> str:
        return settings.CURRENCY


class ReadsDashboard(BasePermission):
    def has_permission(self, request, view):
        return access.may_read_shared_pages(request.user)


FILTER_PARAMETERS = [
    OpenApiParameter("mode", OpenApiTypes.STR, enum=Mode.values, description="Cohort (default) or activity."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of the period (default: 90 days ago)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day of the period (default: today)."),
    OpenApiParameter("channel", OpenApiTypes.STR),
    OpenApiParameter("campaign", OpenApiTypes.STR),
    OpenApiParameter("sector", OpenApiTypes.STR),
    OpenApiParameter("team", OpenApiTypes.INT),
    OpenApiParameter("owner", OpenApiTypes.INT),
    OpenApiParameter("customer", OpenApiTypes.STR, enum=Customer.values),
    OpenApiParameter("source_owner", OpenApiTypes.STR, enum=SourceOwner.values, description="Who sourced the leads."),
    OpenApiParameter("period", OpenApiTypes.STR, enum=Preset.values, description="A named period; replaces start and end."),
    OpenApiParameter("by", OpenApiTypes.STR, enum=Dimension.values, description="The breakdown's dimension (default: channel, campaign within a channel)."),
]


class DashboardFigures(APIView):
    permission_classes = [IsAuthenticated, ReadsDashboard]

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={200: DashboardSerializer, 400: OpenApiTypes.OBJECT},
        summary="The funnel dashboard's figures",
    )
    def get(self, request):
        now = timezone.now()
        form = form_for_query(request.query_params, today=timezone.localdate(now))
        if not form.is_valid():
            errors = {field: [str(e) for e in messages] for field, messages in form.errors.items()}
            return Response(errors, status=400)
        data = metrics.dashboard(form.filters(), now=now)
        return Response(DashboardSerializer(data).data)
