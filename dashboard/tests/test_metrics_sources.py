"""Sales' feedback per source: what counts as rejected, and reps' comments for marketing, on the
hand-computed world (dashboard/tests/world.py)."""

from datetime import datetime, timezone

import pytest

from dashboard import metrics
from dashboard.filters import Mode
from dashboard.tests.world import hours, period
from leads.models import Feedback
from sales import actions

D = Feedback.Disposition


@pytest.fixture
def rejected_at_accept(world, manager):
    """D (meta, an MQL) sent back with the reject button on 4 November; G (email, MQL) told
    "no urgency" with the feedback form, which also returns it to nurture."""
    actions.reject(world.leads["D"], by=manager, reason="Not sales-ready yet", at=hours(55))
    actions.give_feedback(
        world.leads["G"], Feedback(disposition=D.NO_URGENCY), by=manager,
        at=datetime(2026, 11, 4, 12, 0, tzinfo=timezone.utc),
    )
    return world


@pytest.mark.django_db
def test_rejected_means_no_fit_or_sent_back_at_the_accept_step(rejected_at_accept, django_assert_num_queries):
    with django_assert_num_queries(1):  # from the rollups
        rows = {row.key: row for row in metrics.feedback_per_source(period())}
    meta = rows["meta"]
    # C no fit, C no urgency, D not reached: three feedback forms; D's rejection is a fourth verdict.
    assert (meta.total, meta.rejected_at_accept, meta.judged, meta.rejected) == (3, 1, 4, 2)
    assert meta.rejected_share == 0.5
    assert (meta.dispositions["not_reached"], meta.dispositions["no_urgency"]) == (1, 1)
    assert rows["google_ads"].rejected_share == 0.0


@pytest.mark.django_db
def test_feedback_that_returns_a_lead_to_nurture_is_no_rejection(rejected_at_accept):
    rows = {row.key: row for row in metrics.feedback_per_source(period(mode=Mode.ACTIVITY))}
    email = rows["email"]  # G: wrong contact, then no urgency, both in the period
    assert (email.total, email.rejected_at_accept, email.rejected) == (2, 0, 0)
    assert rows["meta"].rejected_at_accept == 1  # given in the period


@pytest.mark.django_db
def test_a_source_with_only_rejections_at_the_accept_step_has_its_row(world, rep):
    lead = world.leads["L"]
    lead.move_to("nurture", rule="test")
    lead.move_to("mql", rule="test", at=hours(300))
    actions.reject(lead, by=rep, reason="Duplicate", at=hours(301))
    row = {row.key: row for row in metrics.feedback_per_source(period())}["linkedin"]
    assert (row.total, row.rejected_at_accept, row.rejected_share) == (0, 1, 1.0)
    assert row.dispositions["no_fit"] == 0


@pytest.mark.django_db
def test_comments_for_marketing_newest_first_per_source(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        groups = metrics.feedback_comments(period())
    assert [(g.key, [c.comment for c in g.comments]) for g in groups] == [
        ("meta", ["Drie man personeel"]),  # at 30 hours: the newest comment
        ("google_ads", ["Prima lead", "Offerte binnen een dag"]),  # at 27 and at 2
    ]
    assert groups[1].comments[0].feedback.lead == world.leads["A"]


@pytest.mark.django_db
def test_comments_follow_the_filters_and_the_limit(world):
    groups = metrics.feedback_comments(period(channel="google_ads"))
    assert [(g.key, g.label) for g in groups] == [("Search", "Search"), ("Brand", "Brand")]
    assert [c.comment for g in metrics.feedback_comments(period(), limit=1) for c in g.comments] == ["Drie man personeel"]
