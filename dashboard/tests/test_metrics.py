from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from dashboard import metrics
from leads import rollups
from leads.models import Lead

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
S = Lead.Stage


def lead_arrived(days_ago, company=None):
    lead = Lead.objects.create(company=company, created_at=NOW - timedelta(days=days_ago))
    rollups.refresh(Lead.objects, [lead.pk])  # created past the write functions that roll up
    return lead


@pytest.mark.django_db
def test_overview_counts_last_weeks_arrivals_and_todays_open_stages(django_assert_num_queries):
    recent = lead_arrived(2)
    recent.move_to(S.MQL, rule="policy", at=NOW - timedelta(days=2))
    recent.move_to(S.SAL, rule="test", at=NOW - timedelta(days=1))
    old = lead_arrived(30)
    old.move_to(S.MQL, rule="policy", at=NOW - timedelta(days=20))
    old.move_to(S.SQL, rule="test", at=NOW - timedelta(days=3))  # skipped SAL
    old.move_to(S.OPPORTUNITY, rule="test", at=NOW - timedelta(days=2))
    old.move_to(S.WON, rule="test", at=NOW - timedelta(days=1))
    lead_arrived(6)  # new, still open
    gone = lead_arrived(8)
    gone.move_to(S.DISQUALIFIED, rule="policy", at=NOW - timedelta(days=8))
    lead_arrived(-1)  # in the future of NOW: not counted

    with django_assert_num_queries(2):
        overview = metrics.overview(now=NOW)

    assert overview.arrived_last_7_days == 2
    assert overview.mql_last_7_days == 1
    assert overview.sql_last_7_days == 1
    assert overview.won_last_7_days == 1
    assert {row.stage: row.count for row in overview.open_by_stage} == {
        "new": 2, "nurture": 0, "mql": 0, "sal": 1, "sql": 0, "opportunity": 0,
    }


@pytest.mark.django_db
def test_overview_of_an_empty_database_is_all_zeros():
    overview = metrics.overview(now=NOW)
    assert overview.arrived_last_7_days == 0
    assert all(row.count == 0 for row in overview.open_by_stage)


@pytest.mark.django_db
def test_recent_stage_changes_are_newest_first_in_one_query(django_assert_num_queries, company):
    lead = lead_arrived(3, company)
    lead.move_to(S.MQL, rule="policy", at=NOW - timedelta(days=2))
    lead.move_to(S.SAL, rule="test", at=NOW - timedelta(days=1))

    with django_assert_num_queries(1):
        changes = metrics.recent_stage_changes(limit=5)
        companies = [change.lead.company.name for change in changes]

    assert [c.to_stage for c in changes] == [S.SAL, S.MQL]
    assert companies == [company.name] * 2


# --- the joint funnel, on the hand-built world of dashboard/tests/world.py ---------------

from datetime import date  # noqa: E402

from django.utils.translation import gettext  # noqa: E402

from dashboard.filters import Customer, Dimension, Filters, Mode  # noqa: E402
from dashboard.tests.world import HOUR, add_sourcing_facts, make_lead, period  # noqa: E402
from dashboard.tests.world import LAST_DAY as LAST_DAY_OF_WORLD
from dashboard.tests.world import NOW as WORLD_NOW
from dashboard.tests.world import hours as world_hours  # noqa: E402
from leads.models import Company, Team  # noqa: E402


def hours(median, p90):
    """A lead time in hours; interpolated percentiles are floats, compared as such."""
    return metrics.LeadTime(pytest.approx(median * HOUR), pytest.approx(p90 * HOUR))


def counts(result):
    return [step.count for step in result.steps]


@pytest.mark.django_db
def test_cohort_funnel_counts_skipped_stages_and_recycled_leads_once(world, django_assert_num_queries):
    with django_assert_num_queries(3):  # from the rollups: sums, lead times, the maturity limits' days
        result = metrics.funnel(period(), now=WORLD_NOW)

    # Nine arrivals (H at 00:30 local on the first day, I at 23:59 local on the last; G and
    # J just outside). B and F skipped stages, C was recycled, F's MQL stamp is later than
    # its SQL stamp: each still counts once for every stage it reached.
    assert [step.stage for step in result.steps] == ["leads", "mql", "sal", "sql", "opportunity", "won"]
    assert counts(result) == [9, 6, 5, 4, 2, 1]
    assert [step.from_top for step in result.steps] == [None, 6 / 9, 5 / 9, 4 / 9, 2 / 9, 1 / 9]


@pytest.mark.django_db
def test_skipped_stages_are_skipped_not_passed(world):
    steps = metrics.funnel(period(), now=WORLD_NOW).steps

    # At the stage itself (own stamp): MQL A, C, D, F, L; SAL A, C, L; SQL A, B, F, L;
    # opportunity A, L; won A. B (quote request) skipped MQL and SAL, F skipped SAL.
    assert [step.own for step in steps] == [9, 5, 3, 4, 2, 1]
    assert [step.skipped for step in steps] == [0, 1, 2, 0, 0, 0]
    # Passed through the previous step and this one, in that order: SAL → SQL only A and L
    # (C stopped at SAL); F's MQL came after its SQL, so F never passed MQL → SAL or → SQL.
    assert [step.passed for step in steps] == [None, 5, 3, 2, 2, 1]
    # Definition changed (issue 15): step conversion is passed through / at the previous
    # stage, no longer reached / reached (which counted skippers as passing).
    assert [step.from_previous for step in steps] == [None, 5 / 9, 3 / 5, 2 / 3, 2 / 4, 1 / 2]


@pytest.mark.django_db
def test_lead_times_per_step_use_only_the_leads_that_passed_both_stages(world):
    steps = metrics.funnel(period(), now=WORLD_NOW).steps
    times = {step.stage: step.lead_time for step in steps[1:]}

    # Definition changed (issue 15): a skipped stage no longer takes "no time", and a lead
    # only counts for a step it really passed through.
    # arrival → MQL: A 1, C 1, D 1, L 1, F 28 (72 → 100) hours; B never was MQL.
    assert times["mql"] == hours(1, 1 + 0.6 * 27)
    # MQL → SAL: L 1, A 2, C 24 (its first MQL at 25, SAL at 49).
    assert times["sal"] == hours(2, 2 + 0.8 * 22)
    # SAL → SQL: L 1, A 24.
    assert times["sql"] == hours(12.5, 1 + 0.9 * 23)
    # SQL → opportunity: L 1, A 24.
    assert times["opportunity"] == hours(12.5, 1 + 0.9 * 23)
    # opportunity → won: A only, 72 hours.
    assert times["won"] == hours(72, 72)
    assert steps[0].lead_time is None


@pytest.mark.django_db
def test_end_to_end_lead_times(world):
    result = metrics.funnel(period(), now=WORLD_NOW)

    found = {(t.from_stage, t.to_stage): (t.count, t.median_seconds, t.p90_seconds) for t in result.lead_times}
    approx = pytest.approx
    assert list(found) == [("leads", "mql"), ("leads", "sql"), ("mql", "sql"), ("mql", "won"), ("leads", "won")]
    assert found[("leads", "mql")] == (5, approx(1 * HOUR), approx((1 + 0.6 * 27) * HOUR))
    # arrival → SQL: F 1, B 2, L 3, A 27 hours.
    assert found[("leads", "sql")] == (4, approx(2.5 * HOUR), approx((3 + 0.7 * 24) * HOUR))
    # MQL → SQL: L 2, A 26 (B and F were not MQL before SQL).
    assert found[("mql", "sql")] == (2, approx(14 * HOUR), approx((2 + 0.9 * 24) * HOUR))
    # MQL → won, arrival → won: A only, 122 and 123 hours.
    assert found[("mql", "won")] == (1, 122 * HOUR, 122 * HOUR)
    assert found[("leads", "won")] == (1, 123 * HOUR, 123 * HOUR)


@pytest.mark.django_db
def test_a_lead_straight_from_mql_to_won_counts_end_to_end_only(world):
    # The Olist shape: MQL → won, no SAL, SQL or opportunity in between.
    make_lead(
        world_hours(0), [(S.MQL, world_hours(10)), (S.WON, world_hours(10 + 240))],
        channel="direct", deal_value=Decimal("2000"),
    )

    result = metrics.funnel(period(), now=WORLD_NOW)

    won = result.steps[-1]
    assert (won.count, won.own, won.passed, won.skipped) == (2, 2, 1, 0)  # passed: A only
    assert [step.skipped for step in result.steps] == [0, 1, 3, 1, 1, 0]
    assert result.steps[2].passed == 3 and result.steps[2].lead_time == hours(2, 2 + 0.8 * 22)
    assert result.lead_time("mql", "won").count == 2
    assert result.lead_time("mql", "won").median_seconds == pytest.approx((122 + 240) / 2 * HOUR)


@pytest.mark.django_db
def test_outcomes_win_rate_is_won_over_won_and_lost(world, django_assert_num_queries):
    # An open deal (opportunity today) and a lead lost, recycled and then won.
    make_lead(world_hours(0), [(S.SQL, world_hours(5)), (S.OPPORTUNITY, world_hours(6))], channel="direct")
    make_lead(
        world_hours(0),
        [(S.SQL, world_hours(1)), (S.LOST, world_hours(2)), (S.NURTURE, world_hours(3)),
         (S.MQL, world_hours(4)), (S.SQL, world_hours(5)), (S.OPPORTUNITY, world_hours(6)),
         (S.WON, world_hours(7))],
        channel="direct", deal_value=Decimal("2000"),
    )
    with django_assert_num_queries(3):
        outcomes = metrics.funnel(period(), now=WORLD_NOW).outcomes

    # Won A and the recycled one; lost B and L (the recycled one is won, not lost); open: one.
    assert (outcomes.won, outcomes.lost, outcomes.open) == (2, 2, 1)
    assert outcomes.win_rate == 2 / 4
    assert outcomes.revenue == Decimal("12000.00")
    # 11 leads, 8 reached MQL (A, B, C, D, F, L and both new ones).
    assert (outcomes.leads, outcomes.mqls) == (11, 8)
    assert outcomes.revenue_per_lead == 12000 / 11
    assert outcomes.revenue_per_mql == 12000 / 8
    assert outcomes.revenue_per_won == 6000


@pytest.mark.django_db
def test_outcomes_in_activity_mode_are_the_deals_closed_in_the_period(world):
    outcomes = metrics.funnel(period(mode=Mode.ACTIVITY), now=WORLD_NOW).outcomes

    # Won A and K (arrived in September), lost B and L.
    assert (outcomes.won, outcomes.lost, outcomes.open, outcomes.revenue) == (2, 2, 0, Decimal("15000.00"))
    assert outcomes.win_rate == 0.5


@pytest.mark.django_db
def test_outcomes_of_nothing_have_no_rates(world):
    empty = Filters(first_day=date(2025, 1, 1), last_day=date(2025, 1, 31))
    outcomes = metrics.funnel(empty, now=WORLD_NOW).outcomes

    assert (outcomes.won, outcomes.lost, outcomes.open, outcomes.revenue) == (0, 0, 0, Decimal("0.00"))
    assert (outcomes.win_rate, outcomes.revenue_per_lead, outcomes.revenue_per_won) == (None, None, None)


@pytest.mark.django_db
def test_young_cohort_is_marked_too_early_to_judge_for_slow_stages(world, settings):
    settings.FUNNEL_MATURITY_DAYS = {"mql": 7, "sal": 7, "sql": 14, "opportunity": 30, "won": 90}
    steps = metrics.funnel(period(), now=WORLD_NOW).steps

    # On 20 November only I arrived less than 7 (or 14) days ago; all nine less than 30.
    assert [step.too_young for step in steps] == [False, False, False, False, True, True]
    assert steps[1].young_share == 1 / 9
    assert steps[4].young_share == 1.0 and steps[4].maturity_days == 30
    activity = metrics.funnel(period(mode=Mode.ACTIVITY), now=WORLD_NOW).steps
    assert not any(step.too_young for step in activity)


@pytest.mark.django_db
def test_follow_up_and_lead_time_distributions(world):
    result = metrics.funnel(period(), now=WORLD_NOW)

    # MQLs A, B, C, D, F, L; contacted A (1 h after MQL), B (1 h), C (4 h), L (10 min).
    follow_up = result.follow_up
    assert (follow_up.mqls, follow_up.contacted, follow_up.attempts) == (6, 4, 7)
    assert follow_up.contacted_share == 4 / 6
    assert follow_up.attempts_per_lead == 7 / 6
    assert follow_up.median_first_attempt_seconds == 1 * HOUR


@pytest.mark.django_db
def test_lead_time_distributions_put_each_lead_in_its_bucket(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        distributions = metrics.lead_time_distributions(period())
    first_attempt, mql_to_sql = distributions.first_attempt, distributions.mql_to_sql

    # L 10 minutes; A and B exactly 1 hour (the 1–4 h bucket starts at 1 hour); C 4 hours.
    assert [b.count for b in first_attempt] == [1, 0, 2, 1, 0, 0, 0, 0]
    assert len({b.label for b in first_attempt}) == 8
    # MQL → SQL: B and F no time (straight to SQL), L 2 hours, A 26 hours.
    assert [b.count for b in mql_to_sql] == [2, 0, 1, 0, 1, 0, 0, 0]


@pytest.mark.django_db
def test_activity_funnel_counts_what_reached_each_stage_in_the_period(world, django_assert_num_queries):
    with django_assert_num_queries(2):  # the activity rollup's sums and its histograms
        result = metrics.funnel(period(mode=Mode.ACTIVITY), now=WORLD_NOW)

    # G arrived before the period but became MQL in it; K was won in it after a summer-long
    # deal. Rates compare different leads, so won/opportunity can exceed 100 %.
    assert counts(result) == [9, 7, 5, 4, 2, 2]
    # Passed through in the period / at the previous stage in the period (issue 15: own stamps):
    # MQL A, C, D, F, L, G of 9 arrivals; SAL A, C, L of those 6; SQL A, L of 3; opportunity
    # A, L of the SQLs A, B, F, L; won A and K (whose opportunity was in October) of 2.
    assert [step.from_previous for step in result.steps] == [None, 6 / 9, 3 / 6, 2 / 3, 2 / 4, 2 / 2]
    times = {step.stage: step.lead_time for step in result.steps[1:]}
    # arrival → MQL adds G: 59.5 hours. Values 1, 1, 1, 1, 28 (F), 59.5 hours.
    assert times["mql"] == hours(1, 28 + 0.5 * 31.5)
    # opportunity → won: A 72 hours, K 26 days.
    assert times["won"] == hours(72 + 0.5 * (624 - 72), 72 + 0.9 * (624 - 72))


@pytest.mark.django_db
def test_weekly_mql_to_sql_by_arrival_week_lists_empty_weeks(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        weeks = metrics.weekly_mql_to_sql(period(), now=WORLD_NOW)

    # Amsterdam weeks from Monday 26 October (H arrived on Sunday 1 November, local time) to
    # Monday 9 November (I). A, B, C, D, F and L arrived in the week of 2 November; A, B, F
    # and L reached SQL. Weeks ending after 6 November (20 November − 14 days) still mature.
    assert [(w.starts_on, w.mqls, w.sqls, w.mql_to_sql, w.maturing) for w in weeks] == [
        (date(2026, 10, 26), 0, 0, None, False),
        (date(2026, 11, 2), 6, 4, 4 / 6, True),
        (date(2026, 11, 9), 0, 0, None, True),
    ]


@pytest.mark.django_db
def test_weekly_mql_to_sql_in_activity_mode_groups_by_the_week_of_becoming_mql(world):
    weeks = metrics.weekly_mql_to_sql(period(mode=Mode.ACTIVITY), now=WORLD_NOW)

    # G (MQL on 3 November) joins; F's MQL moment is its SQL (5 November).
    assert [(w.starts_on, w.mqls, w.sqls) for w in weeks] == [
        (date(2026, 10, 26), 0, 0),
        (date(2026, 11, 2), 7, 4),
        (date(2026, 11, 9), 0, 0),
    ]


@pytest.mark.django_db
def test_per_channel_table(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {row.key: row for row in metrics.per_source(period())}

    google = rows["google_ads"]
    assert (google.leads, google.mqls, google.sqls, google.won) == (2, 2, 2, 1)
    assert google.revenue == Decimal("10000.00")
    assert (google.sql_rate, google.close_rate) == (1.0, 0.5)
    assert (google.revenue_per_lead, google.revenue_per_sql) == (5000.0, 5000.0)
    meta = rows["meta"]
    assert (meta.leads, meta.mqls, meta.sqls, meta.won, meta.revenue) == (2, 2, 0, 0, 0)
    assert (meta.sql_rate, meta.close_rate, meta.revenue_per_sql) == (0.0, None, None)
    organic = rows["organic"]
    assert (organic.leads, organic.mqls, organic.sql_rate) == (1, 0, None)
    assert {key: row.leads for key, row in rows.items()} == {
        "google_ads": 2, "meta": 2, "linkedin": 1, "referral": 1, "organic": 1, "direct": 1, "event": 1,
    }
    assert list(rows)[:2] == ["google_ads", "meta"]  # busiest first


@pytest.mark.django_db
def test_per_channel_in_activity_mode_counts_deals_won_in_the_period(world):
    rows = {row.key: row for row in metrics.per_source(period(mode=Mode.ACTIVITY))}

    linkedin = rows["linkedin"]  # L arrived and went to SQL; K arrived in September, won now
    assert (linkedin.leads, linkedin.mqls, linkedin.sqls, linkedin.won) == (1, 1, 1, 1)
    assert linkedin.revenue == Decimal("5000.00")
    assert rows["email"].leads == 0 and rows["email"].mqls == 1  # G


@pytest.mark.django_db
def test_drilling_into_a_channel_lists_its_campaigns(world):
    rows = {row.key: row for row in metrics.per_source(period(channel="meta"))}

    assert {key: (row.leads, row.mqls) for key, row in rows.items()} == {"": (1, 1), "Lookalike": (1, 1)}
    assert rows[""].label == str(metrics.NO_CAMPAIGN)


@pytest.mark.django_db
def test_feedback_per_source(world, django_assert_num_queries):
    with django_assert_num_queries(1):  # from the rollups
        rows = {row.key: row for row in metrics.feedback_per_source(period())}

    # G's feedback belongs to a lead from before the cohort.
    assert set(rows) == {"google_ads", "meta"}
    google, meta = rows["google_ads"], rows["meta"]
    assert (google.total, google.dispositions["became_sql"], google.good, google.bad) == (2, 2, 2, 0)
    assert (google.rejected_share, google.bad_share) == (0.0, 0.0)
    assert meta.total == 3  # C was judged twice
    assert meta.dispositions == {
        "became_sql": 0, "not_reached": 1, "no_fit": 1, "no_urgency": 1, "wrong_contact": 0,
    }
    assert meta.no_fit_reasons["too_small"] == 1
    assert sum(meta.no_fit_reasons.values()) == 1
    # Rejected: sent back as no fit; not reached and no urgency are no verdict on the fit.
    assert (meta.good, meta.bad, meta.rejected, meta.bad_share) == (0, 1, 1, 1.0)
    assert meta.rejected_share == 1 / 3


@pytest.mark.django_db
def test_feedback_in_activity_mode_is_what_was_given_in_the_period(world):
    rows = {row.key: row for row in metrics.feedback_per_source(period(mode=Mode.ACTIVITY))}

    assert {key: row.total for key, row in rows.items()} == {"google_ads": 2, "meta": 3, "email": 1}
    assert rows["email"].dispositions["wrong_contact"] == 1
    assert rows["email"].bad_share is None  # no quality verdict given: "—"


@pytest.mark.django_db
def test_follow_up_per_team_and_per_owner(world, rep, django_assert_num_queries):
    with django_assert_num_queries(4):  # from the rollups: sums, lead times, teams, memberships
        teams = {row.label: row for row in metrics.follow_up_per_person_or_team(period())}

    assert {label: (r.mqls, r.contacted, r.attempts, r.median_first_attempt_seconds) for label, r in teams.items()} == {
        world.north.name: (3, 3, 4, 1 * HOUR),  # A 1 h, B 1 h, L 10 min
        "Zuid": (2, 1, 3, 4 * HOUR),  # C 4 h, D never
        gettext("No team yet"): (1, 0, 0, None),  # F
    }
    owners = {row.label: row for row in metrics.follow_up_per_person_or_team(period(team_id=world.north.pk))}
    assert {label: (r.mqls, r.contacted) for label, r in owners.items()} == {"Rep": (2, 2), "Otherrep": (1, 1)}


@pytest.mark.django_db
def test_follow_up_per_owner_names_the_mqls_nobody_owns_yet(world):
    make_lead(world_hours(0), [(S.MQL, world_hours(2))], channel="direct", team=world.north)

    owners = {row.label: row for row in metrics.follow_up_per_person_or_team(period(team_id=world.north.pk))}

    assert {label: (r.mqls, r.contacted) for label, r in owners.items()} == {
        "Rep": (2, 2), "Otherrep": (1, 1), gettext("No owner yet"): (1, 0),
    }


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"channel": "google_ads"}, [2, 2, 2, 2, 1, 1]),
        ({"campaign": "Brand"}, [1, 1, 1, 1, 0, 0]),
        ({"sector": "machinery"}, [1, 1, 1, 1, 1, 1]),
        ({"owner": "rep"}, [2, 2, 2, 2, 2, 1]),
        ({"team": "north"}, [3, 3, 3, 3, 2, 1]),
        ({"customer": Customer.EXISTING}, [1, 1, 1, 0, 0, 0]),
        ({"customer": Customer.NEW_BUSINESS}, [8, 5, 4, 4, 2, 1]),
    ],
)
@pytest.mark.django_db
def test_each_filter_narrows_the_funnel(world, rep, filters, expected):
    if "owner" in filters:
        filters = {"owner_id": rep.pk}
    if "team" in filters:
        filters = {"team_id": world.north.pk}
    assert counts(metrics.funnel(period(**filters), now=WORLD_NOW)) == expected


@pytest.mark.django_db
def test_an_empty_period_has_zero_counts_and_no_rates(world):
    empty = Filters(first_day=date(2025, 1, 1), last_day=date(2025, 1, 31))

    result = metrics.funnel(empty, now=WORLD_NOW)

    assert counts(result) == [0, 0, 0, 0, 0, 0]
    assert all(step.from_previous is None and step.from_top is None for step in result.steps)
    assert all(step.lead_time == metrics.LeadTime(None, None) for step in result.steps[1:])
    assert result.follow_up.contacted_share is None
    assert all(w.mqls == 0 and w.mql_to_sql is None for w in metrics.weekly_mql_to_sql(empty, now=WORLD_NOW))
    assert metrics.per_source(empty) == []
    assert metrics.feedback_per_source(empty) == []
    assert metrics.follow_up_per_person_or_team(empty) == []


@pytest.mark.django_db
def test_the_whole_dashboard_takes_a_fixed_number_of_queries(world, django_assert_num_queries):
    # Nine, one for speed to lead, one each for sourcing and the campaigns' costs, two after
    # the sale (rows, totals) and two for routing quality (rows, reasons); from the rollups the
    # funnel takes three instead of one, routing quality four (sums, the day judged by the
    # hour, the reassigned leads' rows, their reasons), after the sale two (sums, histograms), a breakdown two, the follow-up three per owner or four
    # per team, the two clocks four (histograms, teams, memberships, names) instead of three,
    # the campaigns' costs two (counts, campaigns) where their set holds the view (not a team's),
    # sales' feedback one instead of two (the feedback, the rejections at the accept step).
    add_sourcing_facts(world)
    with django_assert_num_queries(26):
        data = metrics.dashboard(period(channel="meta", team_id=world.north.pk), now=WORLD_NOW)
    assert data.funnel.steps[0].count == 0
    with django_assert_num_queries(27):
        data = metrics.dashboard(period(by=Dimension.TEAM), now=WORLD_NOW)
    assert data.breakdown.totals.leads == 9
    make_lead(world_hours(0), [(S.MQL, world_hours(1))], channel="meta", team=world.north)
    with django_assert_num_queries(26):  # whatever the data
        data = metrics.dashboard(period(channel="meta", team_id=world.north.pk), now=WORLD_NOW)
    assert data.funnel.steps[0].count == 1


# --- time zones: periods and weeks are Amsterdam days, also across DST -----------------------


def arrivals(*moments):
    for moment in moments:
        rollups.refresh(Lead.objects, [Lead.objects.create(created_at=moment, channel="direct").pk])


@pytest.mark.django_db
def test_a_period_is_counted_in_amsterdam_days_across_the_end_of_summer_time():
    # Sunday 25 October 2026 has 25 hours: 24 Oct 22:00 UTC (00:00 CEST) to 25 Oct 23:00
    # UTC (00:00 CET).
    utc = timezone.utc
    arrivals(
        datetime(2026, 10, 24, 21, 59, tzinfo=utc),  # Saturday 23:59 local: out
        datetime(2026, 10, 24, 22, 0, tzinfo=utc),  # Sunday 00:00 local: in
        datetime(2026, 10, 25, 22, 59, tzinfo=utc),  # Sunday 23:59 local: in
        datetime(2026, 10, 25, 23, 0, tzinfo=utc),  # Monday 00:00 local: out
    )
    sunday = Filters(first_day=date(2026, 10, 25), last_day=date(2026, 10, 25))
    assert metrics.funnel(sunday, now=WORLD_NOW).steps[0].count == 2


@pytest.mark.django_db
def test_weeks_start_on_monday_in_amsterdam_around_both_dst_changes():
    utc = timezone.utc
    for arrived in [
        datetime(2026, 3, 29, 21, 59, tzinfo=utc),  # Sunday 23:59 CEST: week of 23 March
        datetime(2026, 3, 29, 22, 0, tzinfo=utc),  # Monday 00:00 CEST: week of 30 March
        datetime(2026, 10, 25, 22, 59, tzinfo=utc),  # Sunday 23:59 CET: week of 19 October
        datetime(2026, 10, 25, 23, 0, tzinfo=utc),  # Monday 00:00 CET: week of 26 October
    ]:
        Lead.objects.create(created_at=arrived, channel="direct").move_to(S.MQL, rule="test", at=arrived)
    spring = metrics.weekly_mql_to_sql(
        Filters(first_day=date(2026, 3, 23), last_day=date(2026, 4, 5)), now=WORLD_NOW
    )
    autumn = metrics.weekly_mql_to_sql(
        Filters(first_day=date(2026, 10, 19), last_day=date(2026, 11, 1), mode=Mode.ACTIVITY),
        now=WORLD_NOW,
    )
    assert [(w.starts_on, w.mqls) for w in spring] == [(date(2026, 3, 23), 1), (date(2026, 3, 30), 1)]
    assert [(w.starts_on, w.mqls) for w in autumn] == [(date(2026, 10, 19), 1), (date(2026, 10, 26), 1)]


# --- the index the cohort queries read --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_funnel_index_stores_the_stage_moments_exactly_as_the_queries_write_them():
    """PostgreSQL only reads an index's expression instead of computing it when the query
    writes the very same expression: a change to reached() must change the index too."""
    from django.db import connection

    index = next(index for index in Lead._meta.indexes if index.name == "lead_funnel_reached")
    with connection.schema_editor(collect_sql=True) as editor:
        create_index = str(index.create_sql(Lead, editor))
    for stage in metrics.FUNNEL[:-1]:  # the last one (won) is a plain column
        query = Lead.objects.annotate(moment=metrics.reached(stage)).values("moment").query
        select, _params = query.get_compiler(connection=connection).as_sql()
        moment = select.removeprefix("SELECT ").split(' AS "moment"')[0].replace('"leads_lead".', "")
        assert moment.startswith("LEAST(")
        assert f"({moment})" in create_index, (moment, create_index)


# --- breakdowns ------------------------------------------------------------------------------


def figures(row):
    return (row.leads, row.mqls, row.sqls, row.opportunities, row.won, row.lost, row.revenue)


@pytest.mark.django_db
def test_breakdown_by_channel_has_every_figure_and_a_totals_row(world, django_assert_num_queries):
    with django_assert_num_queries(2):  # from the rollups: sums and lead times
        rows = {row.key: row for row in metrics.breakdown_rows(period())}

    google = rows["google_ads"]  # A won (€10,000), B lost
    assert figures(google) == (2, 2, 2, 1, 1, 1, Decimal("10000.00"))
    assert (google.win_rate, google.sql_rate) == (0.5, 1.0)
    assert (google.revenue_per_lead, google.revenue_per_mql, google.revenue_per_won) == (5000.0, 5000.0, 10000.0)
    assert google.median_mql_to_won_seconds == 122 * HOUR
    assert google.win_rate_small and google.sql_rate_small
    linkedin = rows["linkedin"]  # L lost
    assert (linkedin.won, linkedin.lost, linkedin.win_rate, linkedin.revenue_per_won) == (0, 1, 0.0, None)
    assert rows["meta"].win_rate is None  # nothing won or lost yet: "—"

    with django_assert_num_queries(5):  # the funnel's three and the rows' two
        result = metrics.breakdown(period(), now=WORLD_NOW)
    totals = result.totals
    assert figures(totals) == (9, 6, 4, 2, 1, 2, Decimal("10000.00"))
    assert totals.win_rate == 1 / 3
    assert totals.median_mql_to_won_seconds == 122 * HOUR
    for field in ("leads", "mqls", "sqls", "opportunities", "won", "lost", "revenue"):
        assert sum(getattr(row, field) for row in result.rows) == getattr(totals, field), field


@pytest.mark.django_db
def test_breakdown_by_owner_and_by_team_where_a_lead_without_team_counts_for_its_owners(world, rep):
    # Imported history: an owner, no team. Rep is a member of North.
    make_lead(world_hours(1), [(S.MQL, world_hours(2))], channel="direct", owner=rep)

    owners = {row.label: figures(row)[:2] for row in metrics.breakdown_rows(period(), "owner")}
    assert owners == {
        "Rep": (3, 3), "Otherrep": (1, 1), "Manager": (2, 2), gettext("No owner yet"): (4, 1),
    }
    teams = {row.label: row for row in metrics.breakdown_rows(period(), "team")}
    assert {label: row.leads for label, row in teams.items()} == {
        world.north.name: 4, "Zuid": 2, gettext("No team yet"): 4,
    }
    assert teams[world.north.name].key == str(world.north.pk)
    # The team filter agrees with the row, and so does the follow-up per team.
    assert metrics.funnel(period(team_id=world.north.pk), now=WORLD_NOW).steps[0].count == 4
    follow_up = {row.label: row.mqls for row in metrics.follow_up_per_person_or_team(period())}
    assert follow_up[world.north.name] == 4


@pytest.mark.django_db
def test_a_lead_without_team_counts_for_one_team_of_an_owner_in_two(world, rep):
    later_team = Team.objects.create(name="Later", kind=Team.Kind.NEW_BUSINESS)
    later_team.members.add(rep)
    make_lead(world_hours(1), channel="direct", owner=rep)

    teams = {row.label: row.leads for row in metrics.breakdown_rows(period(), "team")}

    assert teams[world.north.name] == 4 and "Later" not in teams  # the lowest id: North
    assert metrics.funnel(period(team_id=later_team.pk), now=WORLD_NOW).steps[0].count == 0


@pytest.mark.django_db
def test_breakdown_by_sector_campaign_and_product(world):
    make_lead(world_hours(1), channel="direct", product_interest="Vision systems")

    sectors = {row.key: row.leads for row in metrics.breakdown_rows(period(), "sector")}
    assert sectors == {"": 8, "machinery": 1, "food": 1}
    campaigns = {row.key: row.leads for row in metrics.breakdown_rows(period(), "campaign")}
    assert campaigns == {"": 7, "Search": 1, "Brand": 1, "Lookalike": 1}
    products = {row.key: (row.label, row.leads) for row in metrics.breakdown_rows(period(), "product")}
    assert products == {"": (gettext("(not given)"), 9), "Vision systems": ("Vision systems", 1)}


@pytest.mark.django_db
def test_breakdown_by_company_size_band_in_band_order(world):
    for employees in (5, 9, 10, 250, 1200):
        company = Company.objects.create(name=f"{employees}", employees=employees)
        make_lead(world_hours(1), channel="direct", company=company)

    rows = metrics.breakdown_rows(period(), "size")

    assert [(row.key, row.leads) for row in rows] == [
        ("1-9", 2), ("10-49", 1), ("250-999", 1), ("1000+", 1), ("", 9),
    ]


@pytest.mark.django_db
def test_breakdown_by_temperature_from_hot_to_cold(world):
    for temperature in ("cold", "hot", "warm", "hot"):
        make_lead(world_hours(1), channel="direct", temperature=temperature)

    rows = metrics.breakdown_rows(period(), "temperature")

    assert [(row.key, row.label, row.leads) for row in rows] == [
        ("hot", gettext("Hot"), 2), ("warm", gettext("Warm"), 1), ("cold", gettext("Cold"), 1),
        ("", gettext("(not scored yet)"), 9),
    ]


@pytest.mark.django_db
def test_breakdown_by_month_and_week_of_arrival_in_amsterdam_time(world):
    months = metrics.breakdown_rows(Filters(first_day=date(2026, 10, 1), last_day=LAST_DAY_OF_WORLD), "month")
    # G arrived 31 October 22:30 UTC, 23:30 in Amsterdam: October. H 23:30 UTC: November.
    assert [(row.key, row.leads) for row in months] == [("2026-10", 1), ("2026-11", 9)]
    weeks = metrics.breakdown_rows(period(), "week")
    assert [(row.key, row.leads, row.mqls) for row in weeks] == [
        ("2026-10-26", 1, 0), ("2026-11-02", 7, 6), ("2026-11-09", 1, 0),
    ]


@pytest.mark.django_db
def test_breakdown_in_activity_mode_counts_deals_closed_in_the_period(world):
    rows = {row.key: row for row in metrics.breakdown_rows(period(mode=Mode.ACTIVITY))}

    linkedin = rows["linkedin"]  # L lost; K arrived in September, won in the period
    assert (linkedin.leads, linkedin.won, linkedin.lost, linkedin.revenue) == (1, 1, 1, Decimal("5000.00"))
    assert linkedin.win_rate == 0.5


@pytest.mark.parametrize("dimension", list(Dimension.values))
@pytest.mark.django_db
def test_every_breakdown_takes_a_fixed_number_of_queries_and_adds_up_to_the_leads(world, dimension, django_assert_num_queries):
    # Two from the rollups (sums, lead times); one where it reads the leads.
    with django_assert_num_queries(2 if dimension in metrics.rolled_up.BREAKDOWN_DIMENSIONS else 1):
        rows = metrics.breakdown_rows(period(), dimension)
    assert sum(row.leads for row in rows) == 9
    assert all(row.label for row in rows)
