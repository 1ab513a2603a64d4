import pytest

from dashboard.filters import Mode
from dashboard.metrics import rolled_up
from dashboard.metrics.speed import BUSINESS, CLOCK, NEVER, response_clocks, speed_to_lead
from dashboard.tests.world import add_speed_facts, period


@pytest.fixture
def speedy(world, rep, other_rep, manager):
    add_speed_facts(world, rep=rep, other_rep=other_rep, manager=manager)
    return world


def figures(rows):
    """(leads, sals, sqls, won) per bucket, the empty buckets left out."""
    return {row.bucket: (row.leads, row.sals, row.sqls, row.won) for row in rows if row.leads}


def test_speed_to_lead_in_clock_time(speedy, in_english, django_assert_num_queries):
    with django_assert_num_queries(1):
        speed = speed_to_lead(period())
    # The cohort's MQLs: A, B (skipped to SQL), C, D, F (skipped to SQL), L.
    assert speed.leads == 6
    assert figures(speed.clock) == {
        1: (1, 1, 1, 0),  # L: 10 minutes
        2: (2, 2, 2, 1),  # A and B: an hour; A won
        3: (1, 1, 0, 0),  # C: 4 hours exactly, the next bucket's edge
        NEVER: (2, 1, 1, 0),  # D and F never tried; F reached SQL anyway
    }
    assert [row.label for row in speed.clock] == ["< 5 min", "5–30 min", "30 min–4 h", "4–24 h", "> 24 h", "never"]
    fast = speed.clock[2]
    assert (fast.sql_rate, fast.won_rate, fast.small_sample) == (1.0, 0.5, True)
    assert speed.clock[0].sql_rate is None


def test_speed_to_lead_in_business_time_leaves_out_leads_without_one(speedy):
    speed = speed_to_lead(period())
    assert figures(speed.business) == {
        0: (1, 1, 1, 1),  # A: 4 business minutes
        1: (1, 1, 1, 0),  # L: 10
        2: (1, 1, 0, 0),  # C: 2 business hours
        NEVER: (2, 1, 1, 0),
    }  # B was tried, with no business time stored


def test_speed_to_lead_per_channel_and_intent_tier(speedy, in_english):
    speed = speed_to_lead(period())
    channels = {g.key: (g.label, figures(g.clock), figures(g.business)) for g in speed.per_channel}
    assert [g.key for g in speed.per_channel] == ["google_ads", "meta", "linkedin", "referral"]
    assert channels["google_ads"] == ("Google Ads", {2: (2, 2, 2, 1)}, {0: (1, 1, 1, 1)})
    assert channels["meta"] == ("Meta", {3: (1, 1, 0, 0), NEVER: (1, 0, 0, 0)}, {2: (1, 1, 0, 0), NEVER: (1, 0, 0, 0)})
    tiers = {g.key: figures(g.clock) for g in speed.per_intent_tier}
    assert tiers == {"high": {2: (2, 2, 2, 1)}, "": {3: (1, 1, 0, 0), NEVER: (2, 1, 1, 0)}, "mid": {1: (1, 1, 1, 0)}}
    assert all(row.clock in (CLOCK, BUSINESS) for row in speed.rows)
    assert len(speed.rows) == 6 * 2 * (1 + 4 + 3)


def test_speed_to_lead_follows_the_filters(speedy):
    speed = speed_to_lead(period(channel="meta"))
    assert figures(speed.clock) == {3: (1, 1, 0, 0), NEVER: (1, 0, 0, 0)}
    # Activity mode: the leads that became MQL in the period, G included.
    assert speed_to_lead(period(mode=Mode.ACTIVITY)).leads == 7


@pytest.fixture(params=["rolled up", "from the leads"])
def read(request, monkeypatch):
    """Both ways of reading the clocks give the hand-computed figures: the rollups' histograms
    (a cohort view a grouping set holds) and the leads themselves (every other view). Yields
    how many queries that way takes."""
    if request.param == "from the leads":
        monkeypatch.setattr(rolled_up, "clock_rows", lambda *args, **kwargs: None)
        return 3
    return 4


def test_the_two_clocks_from_the_owners_messages(speedy, read, django_assert_num_queries):
    with django_assert_num_queries(read):
        clocks = response_clocks(period())
    # System: A 2 min, B 10 min, L 20 min, C 1 h. Rep: A 58 min, B 50 min, C 3 h (L tried first).
    assert clocks.system.count == 4
    assert clocks.system.median_seconds == pytest.approx(900)
    assert clocks.system.p90_seconds == pytest.approx(2880)
    assert clocks.rep.count == 3
    assert clocks.rep.median_seconds == pytest.approx(3480)
    assert clocks.rep.p90_seconds == pytest.approx(9336)


def test_the_two_clocks_per_team_and_rep(speedy, read, rep, other_rep, manager):
    clocks = response_clocks(period())
    teams = {line.key: line for line in clocks.teams}
    north, south = teams[str(speedy.north.pk)], teams[str(speedy.south.pk)]
    assert (north.system.count, north.system.median_seconds, north.system.p90_seconds) == (3, 600, pytest.approx(1080))
    assert (north.rep.count, north.rep.median_seconds, north.rep.p90_seconds) == (2, 3240, pytest.approx(3432))
    assert (south.system.median_seconds, south.rep.median_seconds) == (3600, 10800)
    reps = {line.key: line for line in clocks.reps}
    assert set(reps) == {str(rep.pk), str(other_rep.pk), str(manager.pk)}
    mine = reps[str(rep.pk)]
    assert (mine.system.count, mine.system.median_seconds, mine.system.p90_seconds) == (2, 660, pytest.approx(1092))
    assert (mine.rep.count, mine.rep.median_seconds) == (1, 3480)
    assert reps[str(other_rep.pk)].rep.median_seconds == 3000


def test_the_two_clocks_are_empty_without_messages(world, read):
    clocks = response_clocks(period())
    assert (clocks.system.count, clocks.system.median_seconds, clocks.rep.count) == (0, None, 0)
    assert clocks.teams == [] and clocks.reps == []
