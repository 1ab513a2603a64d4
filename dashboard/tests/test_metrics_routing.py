import pytest

from dashboard.metrics.routing import PASSED_ON, routing_quality
from dashboard.tests.world import NOW, add_assignments, period


@pytest.fixture
def routed(world, rep, other_rep, manager):
    add_assignments(world, rep=rep, other_rep=other_rep, manager=manager)
    return world


def figures(row):
    return (row.leads, row.with_owner, row.judged, row.kept, row.reassigned)


def test_routing_quality_per_first_rule(routed, in_english, django_assert_num_queries):
    with django_assert_num_queries(4):  # the rollups' sums, the day judged by the hour, the reassigned leads, their reasons
        quality = routing_quality(period(), now=NOW)
    rows = {row.key: row for row in quality.rows}
    # Noord: A kept; B and L reassigned within the week; I too recent to judge.
    assert figures(rows["rule:Noord"]) == (4, 4, 3, 1, 2)
    assert rows["rule:Noord"].kept_share == pytest.approx(1 / 3)
    assert rows["rule:Noord"].reassignment_rate == 0.5
    assert rows["rule:Noord"].reasons == [("Spreekt Duits", 2)]
    # Zuid: C was passed on after eight days, so it was still with its first owner after seven.
    assert figures(rows["rule:Zuid"]) == (1, 1, 1, 1, 1)
    assert rows["rule:Zuid"].reasons == [(str(PASSED_ON), 1)]
    assert figures(rows["fallback"]) == (1, 1, 1, 1, 0)
    # F waited unassigned: no first owner to keep.
    assert figures(rows["unassigned"]) == (1, 0, 0, 0, 1)
    assert rows["unassigned"].kept_share is None
    assert [row.label for row in quality.rows] == ["Noord", "Fallback owner", "Zuid", "Unassigned: nobody present"]
    assert figures(quality.total) == (7, 6, 5, 3, 4)
    assert dict(quality.total.reasons) == {"Spreekt Duits": 2, str(PASSED_ON): 1, "Uit de wachtrij": 1}


def test_routing_quality_judges_only_leads_routed_a_week_ago(routed):
    # On 9 November at 12:00 only A (2 November 10:00) and B (11:00) were routed a week before.
    from datetime import datetime, timezone

    quality = routing_quality(period(), now=datetime(2026, 11, 9, 12, 0, tzinfo=timezone.utc))
    rows = {row.key: row for row in quality.rows}
    assert rows["rule:Noord"].judged == 2  # A and B
    assert rows["rule:Zuid"].judged == 0  # routed 3 November 10:00


def test_routing_quality_follows_the_filters(routed):
    quality = routing_quality(period(channel="meta"), now=NOW)
    assert {row.key: figures(row) for row in quality.rows} == {"rule:Zuid": (1, 1, 1, 1, 1), "fallback": (1, 1, 1, 1, 0)}


def test_routing_quality_without_assignments(world):
    quality = routing_quality(period(), now=NOW)
    assert quality.rows == [] and quality.total.leads == 0 and quality.total.kept_share is None


def test_activity_mode_counts_the_leads_first_routed_in_the_period(routed, rep, django_assert_num_queries):
    # G arrived before the period and is first routed in it; I arrived in it and is first
    # routed after it (16 November 01:00 in Amsterdam).
    from dashboard.filters import Mode
    from dashboard.tests.world import hours
    from handoff.models import Assignment
    from leads import rollups
    from leads.models import Lead

    g = routed.leads["G"]
    Assignment.objects.create(lead=g, kind=Assignment.Kind.RULE, owner=rep, rule_name="Zuid", assigned_at=hours(5))
    rollups.refresh(Lead.objects, [g.pk])
    with django_assert_num_queries(4):  # from the activity rollup, as in cohort mode
        activity = routing_quality(period(mode=Mode.ACTIVITY), now=NOW)
    cohort = routing_quality(period(), now=NOW)

    rows = {row.key: figures(row) for row in activity.rows}
    assert rows == {
        "rule:Noord": (3, 3, 3, 1, 2), "rule:Zuid": (2, 2, 2, 2, 1), "fallback": (1, 1, 1, 1, 0),
        "unassigned": (1, 0, 0, 0, 1),
    }
    assert {row.key: figures(row) for row in cohort.rows}["rule:Zuid"] == (1, 1, 1, 1, 1)
    assert figures(cohort.rows[0]) == (4, 4, 3, 1, 2)  # Noord with I, routed after the period
    assert dict(activity.total.reasons) == {"Spreekt Duits": 2, str(PASSED_ON): 1, "Uit de wachtrij": 1}
