"""The figures read from the rollups equal the figures read from the leads: counts exactly,
lead times within the stated error; and which views read which."""

import importlib
import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from dashboard import metrics
from dashboard.filters import Filters, Mode
from dashboard.metrics import breakdowns, rolled_up
from leads.models import Company, Lead

S = Lead.Stage
UTC = timezone.utc
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# The module, not the function dashboard.metrics exports under the same name.
funnel_module = importlib.import_module("dashboard.metrics.funnel")
VIEW = Filters(first_day=date(2026, 10, 1), last_day=date(2026, 11, 15))


def test_each_view_reads_the_smallest_grouping_set_that_holds_it():
    assert rolled_up.grouping_for(VIEW) == "all"
    assert rolled_up.grouping_for(VIEW, also={"channel"}) == "channel"
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, channel="meta", team_id=3)) == "team"
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, sector="food", customer="new")) == "company"
    # Activity mode counts by the day a stage was reached; sector and team are in no set together.
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, mode=Mode.ACTIVITY)) is None
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, sector="food", team_id=3)) is None
    # Every filter the dashboard offers narrows a rolled-up view or sends it to the leads.
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, source_owner="sales")) == "source_owner"
    assert rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, source_owner="sales", channel="meta")) is None
    # The lost reasons' set holds no lead times: only the lost reasons read it.
    assert rolled_up.grouping_for(VIEW, also={"lost_reason"}) == "lost_reason"
    assert all(rolled_up.grouping_for(Filters(VIEW.first_day, VIEW.last_day, **f)) != "lost_reason"
               for f in ({}, {"channel": "meta"}, {"source_owner": "partner"}))


def test_the_dashboards_bucket_edges_are_edges_of_the_fine_buckets():
    from leads.rollups import EDGES

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
    for filters in [VIEW, Filters(VIEW.first_day, VIEW.last_day, channel="meta", team_id=team.pk)]:
        rolled = rolled_up.funnel_row(filters, now=NOW, percentiles=metrics.PERCENTILES)
        exact = funnel_module._aggregated(filters, now=NOW)

        assert rolled["leads"] == exact["leads"] > 0
        for key, value in exact.items():
            if key.startswith("time_") or key == "first_attempt_time":
                assert all(close(r, e) for r, e in zip(rolled[key] or [None], value or [None])), key
            else:  # an empty sum is None from the leads, 0 from the rollups: both show 0
                assert (rolled[key] or 0) == (value or 0), key


@pytest.mark.django_db
def test_rolled_up_breakdowns_equal_the_ones_from_the_leads(team, rep, other_rep):
    random_leads(random.Random(5), 120, team, rep, other_rep)
    figures = ["n_leads", "n_mqls", "n_sqls", "n_opportunities", "n_won", "n_lost", "revenue"]
    for dimension in rolled_up.BREAKDOWN_DIMENSIONS:
        group, carried = breakdowns._grouping(dimension)
        from_leads = funnel_module.base_leads(VIEW).values(**group).annotate(**carried, **breakdowns._figures(VIEW))
        exact = {breakdowns._key_and_label(dimension, row)[0]: row for row in from_leads}
        rolled = {breakdowns._key_and_label(dimension, row)[0]: row for row in rolled_up.breakdown_rows(VIEW, dimension)}

        assert rolled.keys() == exact.keys() and len(rolled) > 1, dimension
        for key, row in rolled.items():
            assert [row[f] or 0 for f in figures] == [exact[key][f] or 0 for f in figures], (dimension, key)
            assert close((row["mql_to_won"] or [None])[0], (exact[key]["mql_to_won"] or [None])[0])


@pytest.mark.django_db
def test_the_page_states_the_error_of_rolled_up_lead_times(client, marketer):
    client.force_login(marketer)
    client.cookies["django_language"] = "en"
    cohort = client.get("/dashboard/?start=2026-10-01&end=2026-11-15").content.decode()
    activity = client.get("/dashboard/?start=2026-10-01&end=2026-11-15&mode=activity").content.decode()
    client.cookies["django_language"] = "nl"
    dutch = client.get("/dashboard/?start=2026-10-01&end=2026-11-15").content.decode()

    assert "within 3 % of the exact one" in cohort
    assert "within 3 % of the exact one" not in activity
    assert "binnen 3 % van de exacte waarde" in dutch


@pytest.mark.django_db
@pytest.mark.parametrize("by_owner", [False, True])
def test_rolled_up_follow_up_equals_the_one_from_the_leads(by_owner, team, rep, other_rep):
    from leads.models import Team

    second = Team.objects.create(name="Zuid", kind=Team.Kind.NEW_BUSINESS)
    second.members.add(other_rep)  # other_rep is in two teams: the lowest id counts
    random_leads(random.Random(6), 120, team, rep, other_rep)
    view = Filters(VIEW.first_day, VIEW.last_day, team_id=team.pk) if by_owner else VIEW
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
    for view in [VIEW, Filters(VIEW.first_day, VIEW.last_day, source_owner=SourceOwner.PARTNER)]:
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
    for view in [VIEW, Filters(VIEW.first_day, VIEW.last_day, channel="meta")]:
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
def test_rolled_up_feedback_and_speed_to_lead_equal_the_ones_from_the_leads(team, rep, other_rep):
    from leads import rollups
    from leads.models import Feedback, IntentTier, StageChange

    rng = random.Random(13)
    random_leads(rng, 150, team, rep, other_rep)
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



def test_a_long_period_reads_its_whole_months_from_the_month_rows():
    from django.db.models import Q

    # 20 September … 30 November: the 20th to the 30th by day, October and November by month.
    assert rolled_up.days_and_months(date(2026, 9, 20), date(2026, 11, 30), "channel") == (
        Q(grouping="channel/month", day__gte=date(2026, 10, 1), day__lt=date(2026, 12, 1))
        | Q(grouping="channel", day__gte=date(2026, 9, 20), day__lt=date(2026, 10, 1))
        | Q(grouping="channel", day__gte=date(2026, 12, 1), day__lte=date(2026, 11, 30))  # (no days after)
    )
    # 1 October … 15 November: October by month, the 1st to the 15th of November by day.
    assert rolled_up.days_and_months(date(2026, 10, 1), date(2026, 11, 15), "team") == (
        Q(grouping="team/month", day__gte=date(2026, 10, 1), day__lt=date(2026, 11, 1))
        | Q(grouping="team", day__gte=date(2026, 10, 1), day__lt=date(2026, 10, 1))
        | Q(grouping="team", day__gte=date(2026, 11, 1), day__lte=date(2026, 11, 15))
    )
    # Within one month, or a month cut at both ends: every day by day.
    assert rolled_up.days_and_months(date(2026, 10, 2), date(2026, 10, 30), "channel") == Q(
        grouping="channel", day__gte=date(2026, 10, 2), day__lte=date(2026, 10, 30)
    )
