"""The figures read from the rollups equal the figures read from the leads: counts exactly,
lead times within the stated error; and which views read which."""

import importlib
import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from dashboard import metrics
from dashboard.filters import Dimension, Filters, Mode
from dashboard.metrics import breakdowns, rolled_up
from leads.models import Company, Lead

S = Lead.Stage
UTC = timezone.utc
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# The module, not the function dashboard.metrics exports under the same name.
funnel_module = importlib.import_module("dashboard.metrics.funnel")
VIEW = Filters(first_day=date(2026, 10, 1), last_day=date(2026, 11, 15))
ACTIVITY = Filters(first_day=VIEW.first_day, last_day=VIEW.last_day, mode=Mode.ACTIVITY)


def test_each_view_reads_the_smallest_grouping_set_that_holds_it():
    assert rolled_up.grouping_for(VIEW) == "all"
    assert rolled_up.grouping_for(VIEW, also={"channel"}) == "channel"
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, channel="meta", team_id=3)) == "team"
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, sector="food", customer="new")) == "company"
    # Activity mode reads the same sets' rows per event day; sector and team are in no set together.
    assert rolled_up.grouping_for(ACTIVITY) == "all"
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, mode=Mode.ACTIVITY, channel="meta")) == "channel"
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, sector="food", team_id=3)) is None
    # Every filter the dashboard offers narrows a rolled-up view or sends it to the leads.
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, source_owner="sales")) == "source_owner"
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, source_owner="sales", channel="meta")) is None
    # The lost reasons' set holds no lead times: only the lost reasons read it.
    assert rolled_up.grouping_for(VIEW, also={"lost_reason"}) == "lost_reason"
    assert all(rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, **f)) != "lost_reason"
               for f in ({}, {"channel": "meta"}, {"source_owner": "partner"}))


def test_the_dashboards_bucket_edges_are_edges_of_the_fine_buckets():
    from leads.lead_times import EDGES

    assert set(metrics.BUCKET_EDGES) <= set(EDGES)


def random_leads(rng, count, team, rep, other_rep):
    stages = [S.MQL, S.SAL, S.SQL, S.OPPORTUNITY, S.WON]
    companies = [None, Company.objects.create(name="A", sector="food"), Company.objects.create(name="B", sector="machinery")]
    for n in range(count):
        arrived = datetime(2026, 9, 20, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        lead = Lead.objects.create(
            created_at=arrived, channel=rng.choice(["meta", "linkedin", "event"]),
            campaign=rng.choice(["", "Spring"]), team=rng.choice([None, team]), owner=rng.choice([None, rep, other_rep]),
            company=rng.choice(companies), product_interest=rng.choice(["", "Lasers"]),
            source=rng.choice(["", "google / cpc"]), deal_value=Decimal(rng.randint(1, 9999)),
        )
        at = arrived
        for stage in stages[rng.randint(0, 2):rng.randint(0, 5)]:  # some skip ahead, some stop
            at += timedelta(seconds=rng.lognormvariate(9, 2))
            lead.move_to(stage, at=at)
        if at > arrived and rng.random() < 0.7:  # contacted, some before their MQL moment
            first = arrived + timedelta(seconds=rng.lognormvariate(8, 2))
            Lead.objects.filter(pk=lead.pk).update(first_attempt_at=first, attempt_count=rng.randint(1, 6))
        if rng.random() < 0.3 and lead.stage in (S.SQL, S.OPPORTUNITY):
            lead.move_to(S.LOST, at=at + timedelta(days=2))
    from leads import rollups

    rollups.rebuild(Lead.objects)  # the creates above went past the write functions


def close(rolled, exact):
    if exact is None or rolled is None:
        return rolled == exact
    return abs(rolled - exact) <= max(1.0, rolled_up.STATED_ERROR * abs(exact))


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [3, 4])
def test_the_rolled_up_funnel_equals_the_one_from_the_leads(seed, team, rep, other_rep):
    random_leads(random.Random(seed), 150, team, rep, other_rep)
    views = [VIEW, Filters(VIEW.first_day, VIEW.last_day, channel="meta", team_id=team.pk)]
    views += [ACTIVITY, Filters(VIEW.first_day, VIEW.last_day, mode=Mode.ACTIVITY, channel="meta", team_id=team.pk)]
    for filters in views:
        rolled = rolled_up.funnel_row(filters, now=NOW, percentiles=metrics.PERCENTILES)
        exact = funnel_module._aggregated(filters, now=NOW)

        assert rolled["leads"] == exact["leads"] > 0
        for key, value in exact.items():
            if key.startswith("time_") or key == "first_attempt_time":
                assert all(close(r, e) for r, e in zip(rolled[key] or [None], value or [None])), key
            else:  # an empty sum is None from the leads, 0 from the rollups: both show 0
                assert (rolled[key] or 0) == (value or 0), key


@pytest.mark.django_db
@pytest.mark.parametrize("view", [VIEW, ACTIVITY], ids=["cohort", "activity"])
def test_rolled_up_breakdowns_equal_the_ones_from_the_leads(view, team, rep, other_rep):
    random_leads(random.Random(5), 120, team, rep, other_rep)
    figures = ["n_leads", "n_mqls", "n_sqls", "n_opportunities", "n_won", "n_lost", "revenue"]
    for dimension in rolled_up.BREAKDOWN_DIMENSIONS:
        if not view.is_cohort and dimension in (Dimension.MONTH, Dimension.WEEK):
            assert rolled_up.breakdown_rows(view, dimension) is None  # of arrival: read from the leads
            continue
        group, carried = breakdowns._grouping(dimension)
        from_leads = funnel_module.base_leads(view).values(**group).annotate(**carried, **breakdowns._figures(view))
        # (Activity mode: a row whose leads only moved between stages not shown is left out.)
        exact = {breakdowns._key_and_label(dimension, row)[0]: row for row in from_leads if any(row[f] for f in figures)}
        rolled = {
            breakdowns._key_and_label(dimension, row)[0]: row
            for row in rolled_up.breakdown_rows(view, dimension)
            if any(row[f] for f in figures)
        }

        assert rolled.keys() == exact.keys() and len(rolled) > 1, dimension
        for key, row in rolled.items():
            assert [row[f] or 0 for f in figures] == [exact[key][f] or 0 for f in figures], (dimension, key)
            assert close((row["mql_to_won"] or [None])[0], (exact[key]["mql_to_won"] or [None])[0])


@pytest.mark.django_db
def test_the_page_states_the_error_of_rolled_up_lead_times(client, marketer, team):
    client.force_login(marketer)
    client.cookies["django_language"] = "en"
    cohort = client.get("/dashboard/?start=2026-10-01&end=2026-11-15").content.decode()
    activity = client.get("/dashboard/?start=2026-10-01&end=2026-11-15&mode=activity").content.decode()
    # Sector and team are in no grouping set together: that view reads the leads, exactly.
    exact = client.get(f"/dashboard/?start=2026-10-01&end=2026-11-15&sector=food&team={team.pk}").content.decode()
    client.cookies["django_language"] = "nl"
    dutch = client.get("/dashboard/?start=2026-10-01&end=2026-11-15").content.decode()

    assert "within 3 % of the exact one" in cohort
    assert "within 3 % of the exact one" in activity
    assert "within 3 % of the exact one" not in exact
    assert "binnen 3 % van de exacte waarde" in dutch


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [Mode.COHORT, Mode.ACTIVITY])
@pytest.mark.parametrize("by_owner", [False, True])
def test_rolled_up_follow_up_equals_the_one_from_the_leads(by_owner, mode, team, rep, other_rep):
    from leads.models import Team

    second = Team.objects.create(name="Zuid", kind=Team.Kind.NEW_BUSINESS)
    second.members.add(other_rep)  # other_rep is in two teams: the lowest id counts
    random_leads(random.Random(6), 120, team, rep, other_rep)
    view = Filters(VIEW.first_day, VIEW.last_day, mode=mode, team_id=team.pk if by_owner else None)
    rolled = {row.key: row for row in metrics.follow_up_per_person_or_team(view)}
    sources = importlib.import_module("dashboard.metrics.sources")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rolled_up, "follow_up_rows", lambda *args, **kwargs: None)
        exact = {row.key: row for row in sources.follow_up_per_person_or_team(view)}

    assert rolled.keys() == exact.keys() and len(rolled) > 1
    for key, row in rolled.items():
        assert (row.label, row.mqls, row.contacted, row.attempts) == (
            exact[key].label, exact[key].mqls, exact[key].contacted, exact[key].attempts
        )
        assert close(row.median_first_attempt_seconds, exact[key].median_first_attempt_seconds)


@pytest.mark.django_db
def test_rolled_up_sourcing_and_lost_reasons_equal_the_ones_from_the_leads(team, rep, other_rep):
    from leads import rollups
    from leads.models import LostReason, SourceOwner

    rng = random.Random(7)
    random_leads(rng, 150, team, rep, other_rep)
    for lead in Lead.objects.all():
        Lead.objects.filter(pk=lead.pk).update(
            source_owner=rng.choice(SourceOwner.values),
            lost_reason=rng.choice(["", *LostReason.values]) if lead.lost_at else "",
        )
    rollups.rebuild(Lead.objects)
    sourcing_module = importlib.import_module("dashboard.metrics.sourcing")
    outcomes_module = importlib.import_module("dashboard.metrics.outcomes")
    partner = Filters(VIEW.first_day, VIEW.last_day, source_owner=SourceOwner.PARTNER)
    for view in [VIEW, partner, ACTIVITY, replace(partner, mode=Mode.ACTIVITY)]:
        rolled = (sourcing_module.sourcing(view), outcomes_module.lost_reasons(view))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(rolled_up, "sourcing_rows", lambda *args, **kwargs: None)
            patch.setattr(rolled_up, "lost_reason_rows", lambda *args, **kwargs: None)
            exact = (sourcing_module.sourcing(view), outcomes_module.lost_reasons(view))

        assert rolled == exact
        assert sum(row.leads for row in rolled[0]) > 0 and sum(row.count for row in rolled[1]) > 0
        assert sum(row.pipeline_value for row in rolled[0]) > 0 and len(rolled[1]) > 1


@pytest.mark.django_db
def test_rolled_up_campaign_costs_equal_the_ones_from_the_leads(team, rep, other_rep):
    from leads import rollups
    from leads.models import Campaign

    rng = random.Random(11)
    random_leads(rng, 150, team, rep, other_rep)
    spring = Campaign.objects.create(name="Spring", starts_on=date(2026, 9, 1), budget=Decimal("1200.50"))
    Campaign.objects.create(name="Unspent", starts_on=date(2026, 9, 1), budget=Decimal("300"))
    no_budget = Campaign.objects.create(name="Free", starts_on=date(2026, 9, 1))
    for lead in Lead.objects.all():
        Lead.objects.filter(pk=lead.pk).update(linked_campaign=rng.choice([None, spring, spring, no_budget]))
    rollups.rebuild(Lead.objects)
    campaigns_module = importlib.import_module("dashboard.metrics.campaigns")
    meta = Filters(VIEW.first_day, VIEW.last_day, channel="meta")
    for view in [VIEW, meta, ACTIVITY, replace(meta, mode=Mode.ACTIVITY)]:
        assert rolled_up.grouping_for(view, also={"linked_campaign"}) == "linked_campaign"
        rolled = campaigns_module.campaign_costs(view)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(rolled_up, "campaign_cost_rows", lambda *args, **kwargs: None)
            exact = campaigns_module.campaign_costs(view)

        assert rolled == exact
        assert [row.name for row in rolled] == ["Spring"]  # Free has no budget, Unspent no leads
        assert rolled[0].leads > rolled[0].mqls > 0 and rolled[0].revenue > 0
    # The campaigns' set holds no lead times: no funnel reads it.
    assert all(rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, **f)) != "linked_campaign"
               for f in ({}, {"channel": "meta"}, {"campaign": "Spring"}))


@pytest.mark.django_db
def test_activity_modes_weeks_distributions_and_clocks_from_the_rollups_equal_the_ones_from_the_leads(team, rep, other_rep):
    from handoff.models import Notification
    from leads import rollups

    rng = random.Random(13)
    random_leads(rng, 150, team, rep, other_rep)
    for lead in Lead.objects.exclude(mql_at=None).exclude(owner=None):  # the owners told, some after their first try
        Notification.objects.create(
            lead=lead, recipient=lead.owner, kind=Notification.Kind.ASSIGNED, status=Notification.Status.SENT,
            sent_at=lead.mql_at + timedelta(seconds=rng.lognormvariate(6, 2)),
        )
    rollups.rebuild(Lead.objects)
    speed = importlib.import_module("dashboard.metrics.speed")
    for view in [ACTIVITY, Filters(VIEW.first_day, VIEW.last_day, mode=Mode.ACTIVITY, channel="meta")]:
        rolled = (
            metrics.weekly_mql_to_sql(view, now=NOW), metrics.lead_time_distributions(view), speed.response_clocks(view)
        )
        with pytest.MonkeyPatch.context() as patch:
            for name in ("weekly", "distributions", "clock_rows"):
                patch.setattr(rolled_up, name, lambda *args, **kwargs: None)
            exact = (
                metrics.weekly_mql_to_sql(view, now=NOW), metrics.lead_time_distributions(view), speed.response_clocks(view)
            )

        assert rolled[0] == exact[0] and sum(week.sqls for week in rolled[0]) > 0
        assert rolled[1] == exact[1] and sum(bucket.count for bucket in rolled[1].mql_to_sql) > 0
        assert [(line.key, line.label) for line in rolled[2].teams] == [(line.key, line.label) for line in exact[2].teams]
        lines = [(rolled[2].total, exact[2].total), *zip(rolled[2].reps, exact[2].reps)]
        assert len(lines) > 2 and rolled[2].total.system.count > 0
        for got, wanted in lines:
            assert (got.key, got.system.count, got.rep.count) == (wanted.key, wanted.system.count, wanted.rep.count)
            assert close(got.system.median_seconds, wanted.system.median_seconds)
            assert close(got.rep.p90_seconds, wanted.rep.p90_seconds)


def random_account_events(rng):
    """First value, expansions, renewals and churn for most won leads, stored as the API
    stores them (so the rollups follow)."""
    from integrations.aftersales import record_account_events
    from leads.models import AccountEvent

    Kind = AccountEvent.Kind
    items, index = {}, 0
    for lead in Lead.objects.filter(won_at__isnull=False):
        if rng.random() < 0.2:
            continue
        kinds = [Kind.FIRST_VALUE] * (rng.random() < 0.8) + [Kind.CHURN] * (rng.random() < 0.3)
        kinds += [Kind.EXPANSION] * rng.randint(0, 2) + [Kind.RENEWAL] * rng.randint(0, 2)
        for kind in kinds:
            items[index] = {
                "lead_id": lead.pk, "kind": kind, "occurred_at": lead.won_at + timedelta(hours=rng.lognormvariate(4, 2)),
                "value": Decimal(rng.randint(1, 5000)) if kind == Kind.EXPANSION else None,
                "churn_reason": "price" if kind == Kind.CHURN else "",
            }
            index += 1
    record_account_events(items, source_system="test", now=NOW + timedelta(days=3650))


@pytest.mark.django_db
def test_rolled_up_after_sale_equals_the_one_from_the_leads(team, rep, other_rep):
    rng = random.Random(12)
    random_leads(rng, 200, team, rep, other_rep)
    random_account_events(rng)
    aftersales = importlib.import_module("dashboard.metrics.aftersales")
    by_team = Filters(VIEW.first_day, VIEW.last_day, team_id=team.pk)
    cases = [(VIEW, "channel"), (VIEW, "month"), (by_team, "campaign")]
    # Activity mode: the wins of the period (whenever they arrived), ragged months and whole ones.
    cases += [(ACTIVITY, "channel"), (replace(by_team, mode=Mode.ACTIVITY), "campaign"),
              (Filters(date(2026, 9, 25), date(2026, 11, 30), mode=Mode.ACTIVITY), "source")]
    for view, dimension in cases:
        rolled = aftersales.after_sale(view, dimension)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(rolled_up, "after_sale_rows", lambda *args, **kwargs: None)
            exact = aftersales.after_sale(view, dimension)

        assert [row.key for row in rolled.rows] == [row.key for row in exact.rows] and len(rolled.rows) > 1
        for r, e in [*zip(rolled.rows, exact.rows), (rolled.total, exact.total)]:
            assert (r.label, r.customers, r.churned, r.renewals, r.with_first_value, r.won_revenue, r.expansion_revenue) == (
                e.label, e.customers, e.churned, e.renewals, e.with_first_value, e.won_revenue, e.expansion_revenue
            )
            assert close(r.median_time_to_first_value_seconds, e.median_time_to_first_value_seconds)
        assert rolled.total.churned > 0 and rolled.total.renewals > 0 and rolled.total.expansion_revenue > 0
    # By month of arrival activity mode reads the leads (its rows are per day of the win).
    assert rolled_up.after_sale_rows(ACTIVITY, "month") is None
    october = Filters(date(2026, 10, 1), date(2026, 10, 31))
    assert aftersales.after_sale(replace(october, mode=Mode.ACTIVITY), "channel") != aftersales.after_sale(october, "channel")


def random_assignments(rng, rep, other_rep, manager):
    """A first assignment (by one of two rules, the fallback or the queue) for most leads, and
    for some a manager's or the SLA policy's reassignment within days."""
    from handoff.models import Assignment

    K = Assignment.Kind
    for lead in Lead.objects.all():
        if rng.random() < 0.15:
            continue
        at = lead.created_at + timedelta(minutes=rng.randint(0, 3000))
        kind = rng.choice([K.RULE, K.RULE, K.FALLBACK, K.UNASSIGNED])
        Assignment.objects.create(
            lead=lead, kind=kind, owner=None if kind == K.UNASSIGNED else rng.choice([rep, other_rep]),
            rule_name=rng.choice(["Noord", "Zuid", ""]) if kind == K.RULE else "", assigned_at=at,
        )
        for _ in range(rng.choice([0, 0, 1, 2])):
            at += timedelta(hours=rng.randint(1, 300))
            by = rng.choice([manager, None])
            Assignment.objects.create(
                lead=lead, kind=K.REASSIGNED, owner=rng.choice([rep, other_rep]), assigned_at=at, assigned_by=by,
                reason=rng.choice(["Spreekt Duits", " Spreekt Duits", "Te druk", "deadline missed"]),
            )


@pytest.mark.django_db
def test_rolled_up_routing_quality_equals_the_one_from_the_leads(team, rep, other_rep, manager):
    from leads import rollups

    rng = random.Random(13)
    random_leads(rng, 150, team, rep, other_rep)
    random_assignments(rng, rep, other_rep, manager)
    rollups.rebuild(Lead.objects)
    routing = importlib.import_module("dashboard.metrics.routing")
    views = [VIEW, Filters(VIEW.first_day, VIEW.last_day, channel="meta", team_id=team.pk),
             Filters(VIEW.first_day, VIEW.last_day, customer="new")]
    views += [replace(view, mode=Mode.ACTIVITY) for view in views]  # the leads first routed in the period
    # Judged on days inside the period (a week after its middle, to the hour) and long after.
    moments = [datetime(2026, 10, 30, 14, 17, tzinfo=UTC), datetime(2026, 11, 8, 6, 0, tzinfo=UTC), NOW]
    for view in views:
        for now in moments:
            assert rolled_up.grouping_for(view, also=rolled_up.ROUTING_DIMENSIONS).startswith("routed")
            rolled = routing.routing_quality(view, now=now)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(rolled_up, "routing_rows", lambda *args, **kwargs: None)
                exact = routing.routing_quality(view, now=now)

            assert rolled == exact
            assert len(rolled.rows) > 2 and rolled.total.reassigned > 0 and rolled.total.reasons
    assert routing.routing_quality(VIEW, now=moments[0]).total.judged < routing.routing_quality(VIEW, now=NOW).total.judged
    # Activity mode: other leads than the cohort's (first routed in the period, some arrived before it).
    assert routing.routing_quality(ACTIVITY, now=NOW) != routing.routing_quality(VIEW, now=NOW)
    # A funnel never reads the routing sets: they hold the routed leads only.
    assert all(not (rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, **f)) or "").startswith("routed")
               for f in ({}, {"channel": "meta"}, {"source_owner": "partner"}, {"sector": "food", "team_id": 3}))
# The leads arrive 2026-09-20 … 2026-11-19; summer time ends 2026-10-25; the funnel's maturity
# limits fall on 2026-11-13, 11-06, 10-21 and 08-22.
PERIODS = [
    (date(2026, 9, 20), date(2026, 11, 19)),  # ragged at both ends, October whole (a limit in it)
    (date(2026, 9, 1), date(2026, 11, 30)),  # whole months only
    (date(2026, 10, 1), date(2026, 10, 31)),  # one whole month, with the change of clocks
    (date(2026, 10, 10), date(2026, 10, 27)),  # within one month
    (date(2026, 9, 25), date(2026, 11, 3)),  # mid-month to mid-month
]


@pytest.mark.django_db
@pytest.mark.parametrize("first_day, last_day", PERIODS)
def test_rolled_up_figures_read_from_month_and_day_rows_equal_the_ones_from_the_leads(first_day, last_day, team, rep, other_rep):
    random_leads(random.Random(8), 150, team, rep, other_rep)
    view = Filters(first_day, last_day)
    rolled = rolled_up.funnel_row(view, now=NOW, percentiles=metrics.PERCENTILES)
    exact = funnel_module._aggregated(view, now=NOW)
    assert rolled["leads"] == exact["leads"] > 0
    for key, value in exact.items():
        if key.startswith("time_") or key == "first_attempt_time":
            assert all(close(r, e) for r, e in zip(rolled[key] or [None], value or [None])), key
        else:
            assert (rolled[key] or 0) == (value or 0), key

    figures = ["n_leads", "n_mqls", "n_sqls", "n_won", "n_lost", "revenue"]
    for dimension in ("month", "week", "channel"):
        group, carried = breakdowns._grouping(dimension)
        from_leads = funnel_module.base_leads(view).values(**group).annotate(**carried, **breakdowns._figures(view))
        exact_rows = {breakdowns._key_and_label(dimension, row)[0]: row for row in from_leads}
        rolled_rows = {breakdowns._key_and_label(dimension, row)[0]: row for row in rolled_up.breakdown_rows(view, dimension)}
        assert rolled_rows.keys() == exact_rows.keys(), dimension
        for key, row in rolled_rows.items():
            assert [row[f] or 0 for f in figures] == [exact_rows[key][f] or 0 for f in figures], (dimension, key)

    sources = importlib.import_module("dashboard.metrics.sources")
    rolled_teams = {row.key: (row.mqls, row.contacted, row.attempts) for row in metrics.follow_up_per_person_or_team(view)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rolled_up, "follow_up_rows", lambda *args, **kwargs: None)
        exact_teams = {row.key: (row.mqls, row.contacted, row.attempts) for row in sources.follow_up_per_person_or_team(view)}
    assert rolled_teams == exact_teams and rolled_teams


@pytest.mark.django_db
def test_a_whole_month_is_read_from_its_month_row(team, rep, other_rep):
    from leads.models import CohortRollup

    random_leads(random.Random(9), 60, team, rep, other_rep)
    october = Filters(date(2026, 10, 1), date(2026, 10, 31))
    before = rolled_up.breakdown_rows(october, "channel")
    # Without October's day rows the month rows alone still give October's figures …
    CohortRollup.objects.filter(grouping__in=["all", "channel"], day__month=10).delete()
    assert rolled_up.breakdown_rows(october, "channel") == before and before
    # … and a breakdown per week, which cannot use them, finds none.
    assert rolled_up.breakdown_rows(october, "week") == []


def random_verdicts_and_tiers(rng, rep):
    """Intent tiers, business times, sales' feedback and rejections at the accept step for the
    leads random_leads() made, rolled up."""
    from leads import rollups
    from leads.models import Feedback, IntentTier, StageChange

    D, R = Feedback.Disposition, Feedback.NoFitReason
    for lead in Lead.objects.all():
        Lead.objects.filter(pk=lead.pk).update(
            intent_tier=rng.choice(["", *IntentTier.values]),
            first_contact_business_seconds=rng.choice([None, rng.randint(0, 3 * 86400)]) if lead.first_attempt_at else None,
        )
        for _n in range(rng.choice([0, 0, 1, 2])):  # judged twice counts twice
            disposition = rng.choice(D.values)
            Feedback.objects.create(
                lead=lead, given_at=lead.created_at + timedelta(days=1), disposition=disposition,
                no_fit_reason=rng.choice(R.values) if disposition == D.NO_FIT else "",
                quality=rng.choice(["", "good", "bad"]),
            )
        if lead.mql_at and rng.random() < 0.3:  # sent back at the accept step (a moment without feedback, or with)
            at = lead.mql_at + timedelta(hours=rng.choice([1, 24]))
            StageChange.objects.create(lead=lead, from_stage=S.MQL, to_stage=S.NURTURE, changed_by=rep, changed_at=at)
    rollups.rebuild(Lead.objects)


@pytest.mark.django_db
def test_rolled_up_feedback_and_speed_to_lead_equal_the_ones_from_the_leads(team, rep, other_rep):
    rng = random.Random(13)
    random_leads(rng, 150, team, rep, other_rep)
    random_verdicts_and_tiers(rng, rep)
    sources = importlib.import_module("dashboard.metrics.sources")
    speed = importlib.import_module("dashboard.metrics.speed")
    views = [
        VIEW, Filters(VIEW.first_day, VIEW.last_day, channel="meta"),
        Filters(VIEW.first_day, VIEW.last_day, team_id=team.pk), Filters(VIEW.first_day, VIEW.last_day, sector="food"),
        Filters(date(2026, 9, 20), date(2026, 11, 30)), Filters(date(2026, 10, 2), date(2026, 10, 30)),
    ]
    for view in views:
        assert rolled_up.verdict_rows(view) is not None and rolled_up.speed_rows(view) is not None
        rolled = (sources.feedback_per_source(view), speed.speed_to_lead(view))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(rolled_up, "verdict_rows", lambda *args, **kwargs: None)
            patch.setattr(rolled_up, "speed_rows", lambda *args, **kwargs: None)
            exact = (sources.feedback_per_source(view), speed.speed_to_lead(view))

        assert rolled == exact
        assert sum(row.total for row in rolled[0]) > 0 and sum(row.rejected_at_accept for row in rolled[0]) > 0
        assert rolled[1].leads > 0 and len(rolled[1].per_intent_tier) > 1
    everyone = rolled_up.speed_rows(VIEW)
    assert {row["business"] for row in everyone} > {None}  # tried with and without a business time


@pytest.mark.django_db
def test_activity_modes_speed_to_lead_and_feedback_from_the_rollups_equal_the_ones_from_the_leads(team, rep, other_rep):
    rng = random.Random(14)
    random_leads(rng, 150, team, rep, other_rep)
    random_verdicts_and_tiers(rng, rep)
    speed = importlib.import_module("dashboard.metrics.speed")
    sources = importlib.import_module("dashboard.metrics.sources")
    views = [
        ACTIVITY, Filters(VIEW.first_day, VIEW.last_day, mode=Mode.ACTIVITY, channel="meta"),
        Filters(VIEW.first_day, VIEW.last_day, mode=Mode.ACTIVITY, team_id=team.pk),
        Filters(date(2026, 9, 20), date(2026, 11, 30), mode=Mode.ACTIVITY),  # whole months and ragged edges
        Filters(date(2026, 10, 2), date(2026, 10, 30), mode=Mode.ACTIVITY),
    ]
    for view in views:
        assert rolled_up.speed_rows(view) is not None and rolled_up.verdict_rows(view) is not None
        rolled = (speed.speed_to_lead(view), sources.feedback_per_source(view))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(rolled_up, "speed_rows", lambda *args, **kwargs: None)
            patch.setattr(rolled_up, "verdict_rows", lambda *args, **kwargs: None)
            exact = (speed.speed_to_lead(view), sources.feedback_per_source(view))

        assert rolled == exact and rolled[0].leads > 0 and len(rolled[0].per_intent_tier) > 1
        assert sum(row.total for row in rolled[1]) > 0 and sum(row.rejected_at_accept for row in rolled[1]) > 0
    # The MQLs of the period, not the arrivals': one that arrived in September and reached MQL in October.
    october = Filters(date(2026, 10, 1), date(2026, 10, 31))
    before = (speed.speed_to_lead(october).leads, speed.speed_to_lead(replace(october, mode=Mode.ACTIVITY)).leads)
    late = Lead.objects.create(created_at=datetime(2026, 9, 28, 9, 0, tzinfo=UTC), channel="meta")
    late.move_to(S.MQL, at=datetime(2026, 10, 3, 9, 0, tzinfo=UTC))  # (rolled up on write)
    after = (speed.speed_to_lead(october).leads, speed.speed_to_lead(replace(october, mode=Mode.ACTIVITY)).leads)
    assert after == (before[0], before[1] + 1)
    # The verdicts given in the period: one given in October on a lead that arrived in September.
    from leads.models import Feedback
    from sales import actions

    judged = (sum(r.total for r in sources.feedback_per_source(october)),
              sum(r.total for r in sources.feedback_per_source(replace(october, mode=Mode.ACTIVITY))))
    late.move_to(S.SAL, by=rep, at=datetime(2026, 10, 4, 9, 0, tzinfo=UTC))
    actions.give_feedback(late, Feedback(disposition=Feedback.Disposition.NO_URGENCY), by=rep,
                          at=datetime(2026, 10, 5, 9, 0, tzinfo=UTC))  # (rolled up on write)
    assert (sum(r.total for r in sources.feedback_per_source(october)),
            sum(r.total for r in sources.feedback_per_source(replace(october, mode=Mode.ACTIVITY)))) == (judged[0], judged[1] + 1)
