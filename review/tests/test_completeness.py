from django.urls import reverse

from handoff.models import Agreement
from review.completeness import judged_shares, week_completeness
from review.targets import Status
from review.tests.world import WEEK


def test_the_weeks_mqls_per_channel_against_the_agreed_target(week_world, django_assert_num_queries):
    with django_assert_num_queries(1):
        figures = week_completeness(week=WEEK, team_id=None)
    # C (Meta) has no job title; the other five have all five parts.
    assert [(r.key, r.leads, r.complete) for r in figures.rows] == [("meta", 1, 0), ("linkedin", 4, 4), ("google_ads", 1, 1)]
    assert figures.rows[0].missing["title"] == 1
    judged = judged_shares(figures, Agreement(version=0, complete_percent=80))
    assert [(row.key, verdict.status) for row, verdict in judged.rows] == [
        ("meta", Status.BAD), ("linkedin", Status.GOOD), ("google_ads", Status.GOOD),
    ]
    total, verdict = judged.total
    assert (total.leads, total.complete, verdict.status, verdict.target) == (6, 5, Status.GOOD, 0.8)
    assert judged.parts == ["name", "company", "job title", "phone", "context"]


def test_a_team_counts_only_its_own(week_world):
    figures = week_completeness(week=WEEK, team_id=week_world.south.pk)
    assert [(r.key, r.leads) for r in figures.rows] == [("google_ads", 1)]


def test_the_review_shows_completeness_per_channel(client, marketer, week_world):
    client.force_login(marketer)
    page = client.get(reverse("review:weekly"), {"week": str(WEEK), "team": ""}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="completeness-table"' in page
    assert "Complete data per channel" in page
