"""The funnel's rollups: what one lead adds, the histograms' error bound, every write path
keeping them equal to a rebuild, and a seeded random sequence of operations."""

import random
import statistics
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from handoff.handover import hand_over, reassign
from handoff.models import Notification
from integrations import ingest, privacy
from leads import contributions, lead_times, month_rows, rollups
from leads.admin import CampaignAdmin, CompanyAdmin, LeadAdmin
from leads.models import (
    AccountEvent,
    ActivityLeadTimeRollup,
    ActivityRollup,
    ActivitySpeedRollup,
    Campaign,
    CohortRollup,
    Company,
    Feedback,
    Lead,
    LeadTimeRollup,
    ReviewRollup,
    ReviewTimeRollup,
    RolledUpLead,
    SpeedRollup,
    StageRollup,
)
from leads.models.rollup import (
    DISPOSITIONS,
    FUNNEL,
    GROUPING_SETS,
    NEVER,
    NO_BUSINESS_TIME,
    NO_FIT_REASONS,
    QUALITIES,
    REVIEW_COUNTS,
    REVIEW_KEY,
)
from qualification import bulk, decisions
from qualification.scoring import ScoreResult
from sales import actions

S = Lead.Stage
UTC = timezone.utc
T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def facts(**fields):
    base = dict.fromkeys(rollups.FACTS)
    base.update(lead_id=1, created_at=T, channel="meta", campaign="", source="", product_interest="",
                stage=S.NEW, attempt_count=0, has_feedback=False, not_reached=False, returned=False,
                rejected=False, is_complete=False, intent_tier="", verdicts="", rejected_at_accept=0,
                rejected_at_accept_on="")
    base.update(fields)
    return base


def test_the_verdict_codes_are_the_feedback_choices():
    assert (DISPOSITIONS, NO_FIT_REASONS, QUALITIES) == (
        tuple(Feedback.Disposition.values), tuple(Feedback.NoFitReason.values), tuple(Feedback.Quality.values)
    )


def test_each_verdict_counts_once_by_disposition_reason_and_quality():
    lead = facts(verdicts="no_fit/too_small/bad no_urgency// no_urgency//good", rejected_at_accept=2)
    _day, counts, _times = contributions.contribution(lead, zone=AMSTERDAM)

    assert (counts["feedback"], counts["feedback_no_fit"], counts["feedback_no_urgency"]) == (3, 1, 2)
    assert (counts["no_fit_too_small"], counts["no_fit_other"], counts["feedback_good"], counts["feedback_bad"]) == (1, 0, 1, 1)
    assert counts["rejected_at_accept"] == 2


def test_activity_mode_counts_each_verdict_on_the_day_it_was_given():
    lead = facts(
        verdicts="no_fit/too_small/bad/2026-11-02 no_urgency///2026-11-04 no_urgency//good/2026-11-02",
        rejected_at_accept=2, rejected_at_accept_on="2026-11-01 2026-11-04",
    )
    per_day = {day: {name: n for name, n in counts.items() if n} for day, counts in contributions.verdict_counts_per_day(lead).items()}

    assert per_day == {
        date(2026, 11, 1): {"rejected_at_accept": 1},
        date(2026, 11, 2): {"feedback": 2, "feedback_no_fit": 1, "no_fit_too_small": 1, "feedback_bad": 1,
                            "feedback_no_urgency": 1, "feedback_good": 1},
        date(2026, 11, 4): {"feedback": 1, "feedback_no_urgency": 1, "rejected_at_accept": 1},
    }
    # By arrival day the days do not matter.
    assert contributions.verdict_counts(lead)["feedback"] == 3


def test_speed_to_lead_buckets_each_mql_by_both_clocks_from_its_handoff():
    mql = T + timedelta(hours=1)
    # Tried 4 min after the MQL (a business time of 6 min stored), reached SQL by skipping SAL.
    tried = facts(mql_at=mql, sql_at=mql + timedelta(days=1), first_attempt_at=mql + timedelta(minutes=4),
                  first_contact_business_seconds=360, intent_tier="high")
    assert contributions.speed_contribution(tried) == ("high", 0, 1, (1, 1, 1, 0))
    # An attempt before the handoff is the first bucket; no business time stored; exactly a day is "> 24 h".
    assert contributions.speed_contribution(facts(mql_at=mql, first_attempt_at=T))[1:3] == (0, NO_BUSINESS_TIME)
    assert contributions.speed_contribution(facts(mql_at=mql, first_attempt_at=mql + timedelta(days=1)))[1] == 4
    assert contributions.speed_contribution(facts(mql_at=mql))[1:3] == (NEVER, NEVER)
    assert contributions.speed_contribution(facts(first_attempt_at=T)) is None  # never an MQL


def test_a_lead_that_skipped_to_sql_reached_mql_but_did_not_pass_it():
    day, counts, times = contributions.contribution(
        facts(sql_at=T + timedelta(hours=2), stage=S.SQL, first_attempt_at=T + timedelta(hours=3), attempt_count=2),
        zone=AMSTERDAM,
    )

    assert day == T.astimezone(AMSTERDAM).date()
    assert [counts[f"reached_{s}"] for s in FUNNEL] == [1, 1, 1, 0, 0]
    assert [counts[f"own_{s}"] for s in FUNNEL] == [0, 0, 1, 0, 0]
    assert (counts["contacted"], counts["attempts"], counts["open"]) == (1, 2, 1)
    assert counts["passed_leads_sql"] == 1 and counts["passed_mql_sql"] == 0
    assert dict(times) == {"leads_sql": 2 * 3600 * 10**6, "first_attempt": 3600 * 10**6, "reached_mql_sql": 0}


def test_the_two_clocks_run_from_the_handoff_to_the_owner_told_to_the_first_attempt():
    told = T + timedelta(minutes=10)
    _day, _counts, times = contributions.contribution(
        facts(mql_at=T, stage=S.MQL, owner_told_at=told, first_attempt_at=T + timedelta(hours=1), attempt_count=1),
        zone=AMSTERDAM,
    )
    assert dict(times)["system_clock"] == 600 * 10**6
    assert dict(times)["rep_clock"] == 50 * 60 * 10**6

    # Tried before the owner was told: the system's clock counts, the rep's does not.
    _day, _counts, times = contributions.contribution(
        facts(mql_at=T, stage=S.MQL, owner_told_at=told, first_attempt_at=T + timedelta(minutes=5), attempt_count=1),
        zone=AMSTERDAM,
    )
    assert "system_clock" in dict(times) and "rep_clock" not in dict(times)
    # Never told (or never an MQL): neither clock.
    _day, _counts, times = contributions.contribution(facts(mql_at=T, stage=S.MQL), zone=AMSTERDAM)
    assert not {"system_clock", "rep_clock"} & set(dict(times))


def test_activity_mode_counts_each_figure_on_the_day_its_event_happened():
    day = timedelta(days=1)
    lead = facts(
        created_at=T, sal_at=T + 2 * day, sql_at=T + 9 * day, lost_at=T + 12 * day, stage=S.LOST,
        first_attempt_at=T + 3 * day, attempt_count=4, deal_value=Decimal("250.00"),
    )
    sums = rollups.Sums(AMSTERDAM)
    sums.add(lead)
    columns = [*rollups.KEY, *rollups.ACTIVITY_COUNTS]
    on_day = {
        row[1]: {name: value for name, value in zip(columns, row) if name in rollups.ACTIVITY_COUNTS and value}
        for row in sums.activity_rows() if row[0] == "all"
    }
    times = {(row[1], row[len(rollups.KEY)]) for row in sums.activity_time_rows() if row[0] == "all"}

    arrived, sal, sql, lost = (T.date() + timedelta(days=n) for n in (0, 2, 9, 12))
    assert on_day == {
        arrived: {"leads": 1},
        # Straight to SAL: it reached MQL then, without its own MQL stamp (skipped), and was followed up as an MQL.
        sal: {"reached_mql": 1, "skipped_mql": 1, "reached_sal": 1, "own_sal": 1, "contacted": 1, "attempts": 4,
              "mql_reached_sql": 1},
        sql: {"reached_sql": 1, "own_sql": 1, "passed_sal_sql": 1, "passed_leads_sql": 1, "pipeline_cents": 25_000},
        lost: {"lost": 1, "lost_value_cents": 25_000},
    }
    assert times == {(sal, "first_attempt"), (sql, "sal_sql"), (sql, "leads_sql"), (sql, "reached_mql_sql")}
    # Taken back out (the lead changed), every day's row is empty again.
    sums.add(lead, -1)
    assert sums.activity_rows() == [] and sums.activity_time_rows() == []


def test_lost_and_won_later_counts_as_won_with_its_revenue():
    lead = facts(sql_at=T, lost_at=T + timedelta(days=1), won_at=T + timedelta(days=9), stage=S.WON,
                 deal_value=Decimal("1234.56"))
    _day, counts, _times = contributions.contribution(lead, zone=AMSTERDAM)

    assert (counts["lost"], counts["reached_won"], counts["revenue_cents"], counts["open"]) == (0, 1, 123456, 0)


def test_an_arrival_just_after_midnight_in_amsterdam_is_that_days_lead():
    late = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 November in Amsterdam
    assert contributions.contribution(facts(created_at=late), zone=AMSTERDAM)[0].isoformat() == "2026-11-01"


def test_buckets_start_at_the_dashboards_edges_and_are_at_most_3_percent_wide():
    us = 1_000_000
    for edge in lead_times.ALIGNED_EDGES:
        assert lead_times.bucket_of(edge * us) == lead_times.bucket_of(edge * us - 1) + 1
    for low, high in zip(lead_times.EDGES, lead_times.EDGES[1:]):
        assert high - low <= max(1, low * (lead_times.BUCKET_RATIO - 1))
    assert lead_times.bucket_of(0) == 0 and lead_times.bucket_of(-1) == -1
    assert lead_times.bucket_of(-90 * us) < lead_times.bucket_of(-2 * us) < 0


def exact_percentile(values, fraction):
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.mark.parametrize("seed", range(20))
def test_percentiles_from_the_histogram_are_within_3_percent_or_a_second(seed):
    rng = random.Random(seed)
    count = rng.choice([1, 2, 3, 10, 100, 5000])
    values = [rng.lognormvariate(rng.uniform(2, 13), rng.uniform(0.2, 3)) for _ in range(count)]
    values += [-rng.uniform(0, 600) for _ in range(rng.choice([0, 0, 5]))]  # attempts before the MQL
    buckets = {}
    for value in values:
        us = round(value * 1_000_000)
        entry = buckets.setdefault(lead_times.bucket_of(us), [0, 0])
        entry[0] += 1
        entry[1] += us
    found = lead_times.percentiles_from([(b, n, total) for b, (n, total) in buckets.items()], (0.5, 0.9, 0.1))

    for fraction, estimate in zip((0.5, 0.9, 0.1), found):
        exact = exact_percentile([round(v * 1_000_000) / 1_000_000 for v in values], fraction)
        assert abs(estimate - exact) <= max(1.0, 0.03 * abs(exact)), (fraction, estimate, exact)


def test_percentiles_are_exact_when_each_bucket_holds_one_value():
    hours = [1, 2, 24]
    rows = [(lead_times.bucket_of(h * 3600 * 10**6), 1, h * 3600 * 10**6) for h in hours]
    assert lead_times.percentiles_from(rows, (0.5, 0.9)) == [2 * 3600, (2 + 0.8 * 22) * 3600]
    assert lead_times.percentiles_from([], (0.5,)) is None
    assert statistics.median(hours) * 3600 == lead_times.percentiles_from(rows, (0.5,))[0]


# --- month rows: a period reads its whole months from them -----------------------------------


def test_a_period_reads_its_whole_months_from_month_rows_and_the_ragged_edges_from_day_rows():
    d = date

    def read(first, last, **kwargs):
        return month_rows.period_q("team", first, last, **kwargs)

    # Mid-month to mid-month: the days of the edges, the months between.
    assert read(d(2026, 1, 15), d(2026, 4, 10)) == (
        Q(grouping="m:team", day__in=[d(2026, 2, 1), d(2026, 3, 1)])
        | Q(grouping="team", day__gte=d(2026, 1, 15), day__lte=d(2026, 1, 31))
        | Q(grouping="team", day__gte=d(2026, 4, 1), day__lte=d(2026, 4, 10))
    )
    # Whole months only (December into January, February of a leap year), one whole month.
    assert read(d(2023, 12, 1), d(2024, 2, 29)) == Q(grouping="m:team", day__in=[d(2023, 12, 1), d(2024, 1, 1), d(2024, 2, 1)])
    assert read(d(2026, 10, 1), d(2026, 10, 31)) == Q(grouping="m:team", day__in=[d(2026, 10, 1)])
    # Within one month, or with the month rows turned off: days only.
    assert read(d(2026, 10, 2), d(2026, 10, 31)) == Q(grouping="team", day__gte=d(2026, 10, 2), day__lte=d(2026, 10, 31))
    assert read(d(2026, 10, 1), d(2026, 10, 31), months=False) == Q(grouping="team", day__gte=d(2026, 10, 1), day__lte=d(2026, 10, 31))
    # A cut inside a month reads that month as days; one on its last day splits nothing.
    assert read(d(2026, 9, 1), d(2026, 11, 30), cuts=[d(2026, 10, 21), d(2026, 11, 30)]) == (
        Q(grouping="m:team", day__in=[d(2026, 9, 1), d(2026, 11, 1)])
        | Q(grouping="team", day__gte=d(2026, 10, 1), day__lte=d(2026, 10, 31))
    )
    # An empty period matches nothing.
    assert read(d(2026, 10, 2), d(2026, 10, 1)) == Q(grouping="team", day__gte=d(2026, 10, 2), day__lte=d(2026, 10, 1))


def test_each_day_row_is_added_to_its_months_row_too():
    rows = [("all", date(2026, 10, 31), "x", 1, 2), ("all", date(2026, 10, 1), "x", 3, -2), ("all", date(2026, 11, 1), "x", 1, 0)]
    assert month_rows.with_month_rows(rows, 3) == [
        *sorted(rows, key=month_rows.key_order),
        ("m:all", date(2026, 10, 1), "x", 4, 0),
        ("m:all", date(2026, 11, 1), "x", 1, 0),
    ]
    # Differences that cancel out within a month write no month row.
    assert month_rows.with_month_rows([("all", date(2026, 10, 3), 1), ("all", date(2026, 10, 9), -1)], 2) == [
        ("all", date(2026, 10, 3), 1), ("all", date(2026, 10, 9), -1)
    ]


def test_every_grouping_sets_month_name_fits_its_column():
    length = CohortRollup._meta.get_field("grouping").max_length
    assert all(len(month_rows.MONTH + name) <= length for name in GROUPING_SETS)


# --- maintained on write: equal to a rebuild after every write path --------------------------


def maintained():
    cohort = {
        row[:len(rollups.KEY)]: row[len(rollups.KEY):]
        for row in CohortRollup.objects.exclude(leads=0).values_list(*rollups.KEY, *rollups.COUNTS)
    }
    times = set(LeadTimeRollup.objects.exclude(n=0).values_list(*rollups.KEY, "measure", "bucket", "n", "microseconds"))
    stages = set(StageRollup.objects.exclude(n=0).values_list("stage", "campaign", "n"))
    review = {
        row[:len(REVIEW_KEY)]: row[len(REVIEW_KEY):]
        for row in ReviewRollup.objects.exclude(mqls=0).values_list(*REVIEW_KEY, *REVIEW_COUNTS)
    }
    review_times = set(
        ReviewTimeRollup.objects.exclude(n=0).values_list(*REVIEW_KEY, "measure", "bucket", "n", "microseconds")
    )
    activity = {
        row[:len(rollups.KEY)]: row[len(rollups.KEY):]
        for row in ActivityRollup.objects.values_list(*rollups.KEY, *rollups.ACTIVITY_COUNTS)
        if any(row[len(rollups.KEY):])
    }
    activity_times = set(
        ActivityLeadTimeRollup.objects.exclude(n=0).values_list(*rollups.KEY, "measure", "bucket", "n", "microseconds")
    )
    facts = set(RolledUpLead.objects.values_list(*rollups.FACTS))  # read by routing quality's day judged by the hour
    speed = set(SpeedRollup.objects.exclude(n=0).values_list(*rollups.KEY, *rollups.SPEED_KEY, *rollups.SPEED_SUMS))
    activity_speed = set(
        ActivitySpeedRollup.objects.exclude(n=0).values_list(*rollups.KEY, *rollups.SPEED_KEY, *rollups.SPEED_SUMS)
    )
    return cohort, times, stages, activity, activity_times, review, review_times, facts, speed, activity_speed


def leads_now():
    """(stage, campaign, leads) counted from the leads themselves: what StageRollup must hold."""
    return set(Lead.objects.values_list("stage", "campaign").annotate(n=Count("pk")).order_by())


def mql_moments():
    """When each lead reached MQL (its first stamp from MQL on), from the leads themselves."""
    stamps = Lead.objects.values_list("mql_at", "sal_at", "sql_at", "opportunity_at", "won_at")
    return [min(moment for moment in row if moment) for row in stamps if any(row)]


def assert_equal_to_a_rebuild():
    before = maintained()
    rollups.rebuild(Lead.objects)
    after = maintained()
    assert before[2] == leads_now()
    for table, (maintained_rows, rebuilt_rows) in enumerate(zip(before, after)):
        assert maintained_rows == rebuilt_rows, table
    return after


def total(column, grouping="all"):
    return sum(CohortRollup.objects.filter(grouping=grouping).values_list(column, flat=True))


def arrive(external_id, *, at=T, **fields):
    lead, _created = ingest.upsert_lead(
        source_system="test", external_id=external_id,
        fields={"channel": "meta", "email": f"{external_id}@example.com", **fields}, create_only={"created_at": at},
    )
    return lead


@pytest.mark.django_db
def test_an_arrival_through_ingest_is_rolled_up_at_once():
    arrive("a1", campaign="Lookalike")

    assert total("leads") == 1 and total("leads", "channel") == 1
    assert CohortRollup.objects.get(grouping="channel").campaign == "Lookalike"
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_stage_moves_including_skips_are_rolled_up(rep):
    lead = arrive("a1")
    lead.move_to(S.SQL, by=rep, at=T + timedelta(hours=2))

    assert (total("reached_mql"), total("own_mql"), total("reached_sql"), total("open")) == (1, 0, 1, 1)
    assert LeadTimeRollup.objects.filter(grouping="all", measure="leads_sql").get().microseconds == 2 * 3600 * 10**6
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_sales_actions_accept_attempt_feedback_and_lost_are_rolled_up(rep, team):
    lead = arrive("a1", owner=rep, team=team)
    lead.move_to(S.MQL, at=T + timedelta(hours=1))
    actions.log_attempt(lead, by=rep, channel="call", outcome="no_answer", at=T + timedelta(hours=2))
    actions.accept(lead, by=rep, at=T + timedelta(hours=3))
    feedback = Feedback(disposition=Feedback.Disposition.BECAME_SQL, confirmed_need=True, confirmed_budget=True)
    actions.give_feedback(lead, feedback, by=rep, at=T + timedelta(hours=4))
    lead.refresh_from_db()
    actions.mark_lost(lead, by=rep, reason="price", at=T + timedelta(days=2))

    assert (total("contacted"), total("attempts"), total("reached_sql"), total("lost"), total("open")) == (1, 1, 1, 1, 0)
    assert total("leads", "team") == 1
    assert CohortRollup.objects.get(grouping="team").owner == rep.pk
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_hand_over_and_reassignment_move_the_lead_between_owners(rep, other_rep, manager, team):
    lead = arrive("a1", team=team)
    lead.move_to(S.MQL, at=T)
    hand_over(lead, now=T)
    reassign(lead, to=other_rep, by=manager, reason="Holiday", now=T + timedelta(hours=1))

    owners = dict(CohortRollup.objects.filter(grouping="team").exclude(leads=0).values_list("owner", "leads"))
    assert owners == {other_rep.pk: 1}
    # Routing quality: routed once, reassigned within the hour, so not kept.
    routing = [total(name, "routed") for name in ("routed", "routed_kept", "routed_reassigned")]
    assert routing == [1, 0, 1]
    assert RolledUpLead.objects.get(lead_id=lead.pk).owner_changed_in_first_week is True
    assert_equal_to_a_rebuild()


def send(notification, *, at):
    """What the worker does with a message: claim it, deliver it, mark it sent."""
    from handoff import outbox

    Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.SENDING, claimed_at=at)
    assert outbox.mark_sent(notification, at=at)


def clock_total(measure):
    return sum(LeadTimeRollup.objects.filter(grouping="all", measure=measure).values_list("n", flat=True))


@pytest.mark.django_db
def test_the_owners_message_sent_starts_the_clocks_and_a_reassignment_restarts_them(rep, other_rep, manager, team):
    lead = arrive("a1", team=team)
    lead.move_to(S.MQL, at=T)
    hand_over(lead, now=T)
    lead.refresh_from_db()
    told = Notification.objects.get(lead=lead, kind=Notification.Kind.ASSIGNED, recipient=lead.owner)
    assert clock_total("system_clock") == 0  # queued, not sent: nobody was told yet

    send(told, at=T + timedelta(minutes=3))
    row = LeadTimeRollup.objects.get(grouping="all", measure="system_clock")
    assert (row.n, row.microseconds) == (1, 180 * 10**6)
    assert_equal_to_a_rebuild()

    # A new owner has not been told until their own message is sent.
    new_owner = other_rep if lead.owner_id == rep.pk else rep
    reassign(lead, to=new_owner, by=manager, reason="Holiday", now=T + timedelta(hours=1))
    assert clock_total("system_clock") == 0
    assert_equal_to_a_rebuild()
    send(Notification.objects.get(lead=lead, kind=Notification.Kind.REASSIGNED), at=T + timedelta(hours=2))
    assert clock_total("system_clock") == 1
    actions.log_attempt(lead, by=new_owner, channel="call", outcome="no_answer", at=T + timedelta(hours=3))
    assert clock_total("rep_clock") == 1
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_a_won_deal_with_its_value_is_rolled_up(revops_admin):
    lead = arrive("a1")
    lead.move_to(S.SQL, at=T)
    lead.deal_value = Decimal("2500.50")
    lead.save_logged(["deal_value"], by=revops_admin, at=T)
    lead.move_to(S.WON, at=T + timedelta(days=3))

    assert (total("reached_won"), total("revenue_cents")) == (1, 250050)
    assert_equal_to_a_rebuild()


def account_event(lead, kind, *, at, **fields):
    from integrations.aftersales import record_account_events

    record_account_events({0: {"lead_id": lead.pk, "kind": kind, "occurred_at": at, **fields}},
                          source_system="test", now=at)


@pytest.mark.django_db
def test_account_events_from_the_api_and_the_admins_delete_are_rolled_up(revops_admin):
    from django.contrib.admin.sites import site

    from leads.admin import AccountEventAdmin
    from leads.models import AccountEvent

    Kind = AccountEvent.Kind
    lead = arrive("a1")
    lead.move_to(S.WON, at=T)
    account_event(lead, Kind.FIRST_VALUE, at=T + timedelta(days=4))
    account_event(lead, Kind.EXPANSION, at=T + timedelta(days=9), value=Decimal("120.50"))
    account_event(lead, Kind.RENEWAL, at=T + timedelta(days=365))
    account_event(lead, Kind.CHURN, at=T + timedelta(days=400), churn_reason="price")

    assert [total(name) for name in ("churned", "renewals", "first_value", "expansion_cents")] == [1, 1, 1, 12050]
    assert clock_total("won_first_value") == 1
    assert_equal_to_a_rebuild()
    admin = AccountEventAdmin(AccountEvent, site)
    admin.delete_model(None, AccountEvent.objects.get(kind=Kind.CHURN))
    admin.delete_queryset(None, AccountEvent.objects.filter(kind__in=[Kind.EXPANSION, Kind.FIRST_VALUE]))

    assert [total(name) for name in ("churned", "renewals", "first_value", "expansion_cents")] == [0, 1, 0, 0]
    assert clock_total("won_first_value") == 0
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_retention_takes_a_deleted_leads_figures_out():
    arrive("a1")
    arrive("a2", channel="linkedin")
    deleted, _more = privacy.apply_retention(months=1, now=datetime.now(UTC) + timedelta(days=3650), batch=1)

    assert deleted == 1 and total("leads") == 1
    assert RolledUpLead.objects.count() == 1
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_an_erasure_keeps_the_counted_figures():
    arrive("a1")
    privacy.erase_person("a1@example.com", by=None, reference="test", now=T)

    assert total("leads") == 1
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_the_admin_adds_deletes_and_recategorises_through_the_rollups(rf, revops_admin):
    from django.contrib.admin.sites import site

    company = Company.objects.create(name="Zuivel", sector="food")
    lead = Lead(created_at=T, channel="meta", company=company)
    LeadAdmin(Lead, site).save_model(rf.post("/"), lead, None, change=False)
    assert CohortRollup.objects.get(grouping="company").sector == "food"

    company.sector, company.is_customer = "machinery", True
    CompanyAdmin(Company, site).save_model(rf.post("/"), company, None, change=True)
    row = CohortRollup.objects.filter(grouping="company").exclude(leads=0).get()
    assert (row.sector, row.customer) == ("machinery", "existing")
    assert_equal_to_a_rebuild()

    LeadAdmin(Lead, site).delete_model(rf.post("/"), lead)
    assert total("leads") == 0
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_linking_a_campaign_and_deleting_it_move_its_leads_in_the_rollups(rf):
    from django.contrib.admin.sites import site

    arrive("c1", campaign="Spring")
    arrive("c2", campaign="spring")
    arrive("c3", campaign="Autumn")
    spring = Campaign(name="Spring", starts_on=T.date(), budget=Decimal("500"))
    CampaignAdmin(Campaign, site).save_model(rf.post("/"), spring, None, change=False)
    linked = CohortRollup.objects.filter(grouping="linked_campaign", linked_campaign=spring.pk)
    assert sum(row.leads for row in linked) == 2
    assert_equal_to_a_rebuild()

    CampaignAdmin(Campaign, site).delete_model(rf.post("/"), spring)
    assert not CohortRollup.objects.filter(grouping="linked_campaign").exclude(linked_campaign=0).exclude(leads=0)
    assert total("leads", "linked_campaign") == 3
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_a_history_import_is_rolled_up(revops_admin):
    import io

    from integrations.importer import HistoryImport

    csv = (
        "external_id,created_at,channel,campaign,mql_at,sql_at,won_at,deal_value\n"
        "x1,2026-11-02T09:00:00Z,linkedin,Beurs,2026-11-02T10:00:00Z,2026-11-03T10:00:00Z,2026-11-09T10:00:00Z,900\n"
        "x2,2026-11-03T09:00:00Z,meta,,,,,\n"
    )
    importer = HistoryImport(
        source_system="crm", column_map={}, value_map={}, skip_bad_rows=False, dry_run=False,
        now=T + timedelta(days=10), user=revops_admin,
    )
    report = importer.run(io.StringIO(csv))

    assert report.created == 2, report
    assert (total("leads"), total("reached_won"), total("revenue_cents")) == (2, 1, 90000)
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_the_command_rebuilds_what_a_bulk_write_left_out(capsys):
    Lead.objects.bulk_create([Lead(created_at=T, channel="meta"), Lead(created_at=T, channel="linkedin")])
    assert total("leads") == 0

    call_command("rebuildrollups", verbosity=0)

    assert total("leads") == 2 and total("leads", "channel") == 2
    assert set(StageRollup.objects.values_list("stage", "campaign", "n")) == {(S.NEW, "", 2)}
    assert "Rolled up 2 leads" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_stage_rollup_follows_each_lead_to_its_stage_and_out(rep):
    spring = arrive("a1", campaign="Spring")
    arrive("a2", campaign="Spring")
    autumn = arrive("a3", campaign="Autumn")
    spring.move_to(S.MQL, at=T)
    autumn.move_to(S.DISQUALIFIED, at=T)

    open_stages = [S.NEW, S.MQL]
    assert rollups.leads_per_stage(open_stages) == {S.NEW: 1, S.MQL: 1}
    assert rollups.campaigns_with_leads_in(open_stages) == ["Spring"]
    assert rollups.campaigns_with_leads_in([S.DISQUALIFIED]) == ["Autumn"]
    assert_equal_to_a_rebuild()

    privacy.apply_retention(months=1, now=datetime.now(UTC) + timedelta(days=3650), batch=10)
    assert rollups.leads_per_stage(open_stages) == {}
    assert rollups.campaigns_with_leads_in([*open_stages, S.DISQUALIFIED]) == []
    assert_equal_to_a_rebuild()


# --- a seeded random sequence of operations -------------------------------------------------


CHANNELS = ["meta", "linkedin", "google_ads", "event"]


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("seed", [1, 2])
def test_maintained_rollups_equal_a_rebuild_after_random_operations(seed, rep, other_rep, manager, team, revops_admin):
    rng = random.Random(seed)
    companies = [Company.objects.create(name=f"C{i}", sector=rng.choice(["food", "machinery", ""])) for i in range(3)]
    leads: list[Lead] = []
    clock = T

    def fresh(lead):
        return Lead.objects.select_related("company").get(pk=lead.pk)

    links = random.Random(seed + 100)  # its own stream: the other operations' sequence stays as it was
    accounts = random.Random(seed + 200)  # and the account events theirs
    Kind = AccountEvent.Kind
    verdicts = random.Random(seed + 300)  # likewise
    for step in range(240):
        clock += timedelta(minutes=rng.randint(1, 600))
        if links.random() < 0.1:  # a campaign named as the leads' is added (linking them), linked again or deleted
            name = links.choice(["Spring", "Autumn"])
            campaign = Campaign.objects.filter(name=name).first()
            if campaign is None:
                Campaign.objects.create(name=name, starts_on=T.date()).link_leads()
            elif links.random() < 0.5:
                from django.contrib.admin.sites import site

                CampaignAdmin(Campaign, site).delete_model(None, campaign)
            else:
                campaign.link_leads()
        won = list(Lead.objects.filter(won_at__isnull=False, won_at__lte=clock).order_by("pk"))
        if won and accounts.random() < 0.2:  # a renewal or an expansion comes in through the API
            account_event(accounts.choice(won), accounts.choice([Kind.RENEWAL, Kind.EXPANSION]), at=clock,
                          value=Decimal(accounts.randint(1, 900)))
        operation = rng.choice(
            ["arrive"] * 4
            + ["move", "move", "reassign", "send", "send", "attempt", "attempt", "feedback", "lost", "lost", "won", "erase",
               "recategorise", "source owner"]
        )
        if operation == "arrive" or not leads:
            leads.append(arrive(
                f"r{step}", at=clock - timedelta(days=rng.randint(0, 20)), channel=rng.choice(CHANNELS),
                campaign=rng.choice(["", "Spring", "Autumn"]), company=rng.choice([None, *companies]),
                owner=rng.choice([None, rep, other_rep]), team=rng.choice([None, team]),
            ))
            if rng.random() < 0.3:  # qualified on arrival: handed to sales at once
                leads[-1].move_to(S.MQL, at=clock)
                hand_over(leads[-1], now=clock)
            continue
        lead = fresh(rng.choice(leads))
        if operation == "move" and (allowed := Lead.allowed_next_stages(lead.stage)):
            before, to = lead.stage, rng.choice(allowed)
            lead.move_to(to, at=clock)  # skipping ahead included
            if before not in Lead.SALES_STAGES and to in (S.MQL, S.SQL):
                hand_over(lead, now=clock)  # an owner, a deadline and the message telling them
        elif operation == "reassign":
            reassign(lead, to=rng.choice([rep, other_rep]), by=manager, reason="Test", now=clock)
        elif operation == "send" and (waiting := list(Notification.objects.filter(status=Notification.Status.PENDING))):
            send(rng.choice(waiting), at=clock)  # the new or reassigned owner is told
        elif operation == "attempt" and lead.stage in Lead.SALES_STAGES:
            actions.log_attempt(lead, by=rep, channel="call", outcome="no_answer", at=clock)
        elif operation == "feedback" and lead.stage in Lead.SALES_STAGES:
            verdict = rng.choice([Feedback.Disposition.NO_URGENCY, Feedback.Disposition.NOT_REACHED])
            actions.give_feedback(lead, Feedback(disposition=verdict), by=rep, at=clock)
        elif operation == "lost" and lead.stage in (S.SQL, S.OPPORTUNITY):
            actions.mark_lost(lead, by=rep, reason=rng.choice(["price", "timing", "competitor"]), at=clock)
        elif operation == "source owner":
            actions.set_source_owner(lead, by=rep, source_owner=rng.choice(["marketing", "sales", "partner"]), at=clock)
        elif operation == "won" and S.WON in Lead.allowed_next_stages(lead.stage):
            lead.deal_value = Decimal(rng.randint(100, 90_000))
            lead.save_logged(["deal_value"], by=revops_admin, at=clock)
            lead.move_to(S.WON, at=clock)
        elif operation == "erase":
            privacy.apply_retention(months=1, now=datetime.now(UTC) + timedelta(days=3650), batch=1)
            leads = [lead for lead in leads if Lead.objects.filter(pk=lead.pk).exists()]
        elif operation == "recategorise":
            from django.contrib.admin.sites import site

            company = rng.choice(companies)
            company.sector, company.is_customer = rng.choice(["food", "machinery", "logistics"]), rng.random() < 0.5
            CompanyAdmin(Company, site).save_model(None, company, None, change=True)

    # Then sales' verdicts and re-scores on the leads the sequence left, with a move now and then.
    for _step in range(80):
        clock += timedelta(minutes=verdicts.randint(1, 600))
        if verdicts.random() < 0.3:
            moved = fresh(verdicts.choice(leads))
            if allowed := Lead.allowed_next_stages(moved.stage):
                moved.move_to(verdicts.choice(allowed), at=clock)
            continue
        # a verdict, a rejection at the accept step, a new intent tier
        what = verdicts.choice(["feedback", "feedback", "reject", "rescore", "rescore many"])
        stages = {"feedback": Lead.SALES_STAGES, "reject": [S.MQL]}.get(what)
        fitting = [lead for lead in leads if fresh(lead).stage in stages] if stages else []
        judged = fresh(verdicts.choice(fitting or leads))
        if what == "feedback" and judged.stage in Lead.SALES_STAGES:
            actions.give_feedback(judged, verdicts.choice([
                Feedback(disposition=Feedback.Disposition.NO_FIT, no_fit_reason="too_small", quality="bad"),
                Feedback(disposition=Feedback.Disposition.BECAME_SQL, confirmed_need=True, confirmed_timing=True,
                         quality="good", quality_comment="Good"),
                Feedback(disposition=Feedback.Disposition.WRONG_CONTACT, right_contact_name="Ann"),
            ]), by=rep, at=clock)
        elif what == "reject" and judged.stage == S.MQL:
            actions.reject(judged, by=rep, reason="Not now", at=clock)
        elif what == "rescore":
            decisions.store(judged, score(verdicts.choice(["high", "mid", "low"])), now=clock, temperature="warm", rescore_at=None)
        elif what == "rescore many":
            many = sorted(lead.pk for lead in leads[-5:])
            bulk.write_scores([(pk, score(verdicts.choice(["high", "low"])), "cold", None) for pk in many],
                              first_id=many[0], last_id=many[-1], now=clock)

    cohort, times, stages, activity, activity_times, review, review_times, _facts, speed, activity_speed = (
        assert_equal_to_a_rebuild()
    )
    # The review's rollup saw every kind of count and histogram the sequence can make.
    counted = {name for i, name in enumerate(REVIEW_COUNTS) if any(row[i] for row in review.values())}
    assert counted >= {"mqls", "contacted", "attempts", "returned", "with_feedback", "accepted", "rejected", "sqls"}
    assert {row[len(REVIEW_KEY)] for row in review_times} >= {"system_clock", "rep_clock", "not_reached_attempts"}
    # Activity mode's rows: every figure once, on its event's day (an MQL on the day it reached MQL).
    index = {name: len(rollups.KEY) + i for i, name in enumerate(rollups.ACTIVITY_COUNTS)}
    on_all = [key + row for key, row in activity.items() if key[0] == "all"]
    assert sum(row[index["leads"] - len(rollups.KEY)] for key, row in activity.items() if key[0] == "all") == Lead.objects.count()
    mql_days = {row[1] for row in on_all if row[index["reached_mql"]]}
    assert mql_days == {moment.astimezone(rollups.business_time_zone()).date() for moment in mql_moments()}
    assert {row[len(rollups.KEY)] for row in activity_times} >= {"system_clock", "rep_clock", "first_attempt"}
    assert len({stage for stage, _campaign, _n in stages}) > 2
    assert sum(row[0] for key, row in cohort.items() if key[0] == "all") == Lead.objects.count() > 20
    assert len(times) > 20
    assert {row[len(rollups.KEY)] for row in times} >= {"system_clock", "rep_clock"}  # the sequence ran both clocks
    key = {name: i for i, name in enumerate(rollups.KEY)}
    assert len({k[key["source_owner"]] for k in cohort if k[0] == "source_owner"}) > 1
    assert {k[key["lost_reason"]] for k in cohort if k[0] == "lost_reason"} - {""}
    assert {k[key["linked_campaign"]] for k in cohort if k[0] == "linked_campaign"} - {0}
    routed = {k[key["routed_by"]]: row for k, row in cohort.items() if k[0] == "routed"}
    counts = {name: i for i, name in enumerate(rollups.COUNTS)}
    assert routed and "" not in routed
    assert sum(row[counts["routed_reassigned"]] for row in routed.values()) > 0
    # By event day the routed sets hold the routing counts only, on the day of the first assignment.
    of_activity = {name: i for i, name in enumerate(rollups.ACTIVITY_COUNTS)}
    routed_days = [(k, row) for k, row in activity.items() if k[0] == "routed"]
    assert sum(row[of_activity["routed"]] for _k, row in routed_days) == total("routed", "routed") > 0
    assert sum(row[of_activity["routed_reassigned"]] for _k, row in routed_days) > 0
    assert all(k[key["day"]].toordinal() == k[key["routed_on"]] and not row[of_activity["leads"]] for k, row in routed_days)
    assert not any(row[of_activity["routed"]] for k, row in activity.items() if not k[0].removeprefix("m:").startswith("routed"))
    assert AccountEvent.objects.count() > 2 and total("renewals") + total("expansion_cents") > 0
    # Sales' verdicts by event day: every one counted once, on the day it was given.
    for name in ("feedback", "feedback_no_fit", "rejected_at_accept"):
        assert sum(row[of_activity[name]] for k, row in activity.items() if k[0] == "all") == total(name) > 0, name
    # Activity mode: the same after-sale counts, on the days of the wins.
    won_on = {k[key["day"]]: row for k, row in activity.items() if k[0] == "all" and row[of_activity["reached_won"]]}
    for name in ("renewals", "expansion_cents", "revenue_cents"):
        assert sum(row[of_activity[name]] for k, row in activity.items() if k[0] == "all") == total(name), name
        assert sum(row[of_activity[name]] for row in won_on.values()) == total(name), name
    # The arrivals span October (with its change of clocks) and the months after: their month rows.
    assert {k[key["day"]] for k in cohort if k[0] == "m:all"} >= {date(2026, 10, 1), date(2026, 11, 1)}
    assert {k[0] for k in times} >= {"m:team", "m:team_owner"}
    judged = [row for k, row in cohort.items() if k[0] == "all"]
    assert [name for name in ("feedback_no_fit", "feedback_good", "rejected_at_accept") if not sum(row[counts[name]] for row in judged)] == []
    tier = len(rollups.KEY)
    assert {row[tier] for row in speed} >= {"high", "low"} and NEVER in {row[tier + 1] for row in speed} and {row[tier + 1] for row in speed} - {NEVER}
    # Activity mode's speed to lead: the same MQLs, each on the day it reached MQL.
    assert sum(row[-4] for row in activity_speed) == sum(row[-4] for row in speed) > 0
    handoff_days = {moment.astimezone(rollups.business_time_zone()).date() for moment in mql_moments()}
    assert {row[key["day"]] for row in activity_speed if row[0] == "channel"} == handoff_days


def score(tier: str) -> ScoreResult:
    return ScoreResult(fit_score=50, engagement_score=40, intent_tier=tier, disqualifier="", qualifies=False,
                       for_account_management=False, explanation=[], threshold_summary="")


@pytest.mark.django_db
def test_a_new_intent_tier_moves_the_mql_in_speed_to_lead(rep):
    lead = arrive("a1")
    lead.move_to(S.MQL, at=T + timedelta(hours=1))
    decisions.store(lead, score("high"), now=T, temperature="hot", rescore_at=None)
    assert set(SpeedRollup.objects.filter(grouping="channel").exclude(n=0).values_list("intent_tier", "n")) == {("high", 1)}
    other = arrive("a2")
    other.move_to(S.MQL, at=T + timedelta(hours=1))
    ids = sorted([lead.pk, other.pk])
    bulk.write_scores([(pk, score("low"), "cold", None) for pk in ids], first_id=ids[0], last_id=ids[-1], now=T)

    assert set(SpeedRollup.objects.filter(grouping="channel").exclude(n=0).values_list("intent_tier", "n")) == {("low", 2)}
    assert rollups.refresh_retiered(Lead.objects, ids) == 0  # nothing left to move
    assert_equal_to_a_rebuild()


@pytest.mark.django_db
def test_feedback_and_rejections_at_the_accept_step_are_rolled_up(rep):
    from handoff import clocks

    lead = arrive("a1", owner=rep)
    lead.move_to(S.MQL, at=T + timedelta(hours=1))
    actions.reject(lead, by=rep, reason="Not now", at=T + timedelta(hours=2))
    lead.move_to(S.MQL, at=T + timedelta(hours=3))
    actions.give_feedback(lead, Feedback(disposition=Feedback.Disposition.NO_URGENCY), by=rep, at=T + timedelta(hours=4))
    lead.refresh_from_db()
    lead.move_to(S.MQL, at=T + timedelta(hours=5))
    lead.move_to(S.SAL, by=rep, at=T + timedelta(hours=6))
    clocks.return_unreached(lead, now=T + timedelta(hours=7))  # the SLA's "not reached"

    assert (total("feedback"), total("feedback_no_urgency"), total("feedback_not_reached")) == (2, 1, 1)
    assert total("rejected_at_accept") == 1  # the feedback's own move back to nurture is no rejection
    # By event day: on the days given (business time zone), here all on the day of arrival.
    on_days = ActivityRollup.objects.filter(grouping="all").exclude(feedback=0, rejected_at_accept=0)
    assert list(on_days.values_list("day", "feedback", "rejected_at_accept")) == [(T.date(), 2, 1)]
    assert_equal_to_a_rebuild()
