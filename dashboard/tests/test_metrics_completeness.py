import pytest

from dashboard.filters import Dimension
from dashboard.metrics.completeness import completeness
from leads.models import Company, Lead


@pytest.fixture
def delivered(db):
    """Google Ads: one complete lead, one without phone and title; Meta: one with only an
    e-mail address (all five missing); LinkedIn: two complete."""
    company = Company.objects.create(name="Staal", sector="metal")
    full = dict(first_name="Eva", last_name="Bos", company=company, job_title="Inkoper", phone="010", conversion_action="demo_request")
    Lead.objects.create(channel="google_ads", **full)
    Lead.objects.create(channel="google_ads", **(full | {"phone": "", "job_title": ""}))
    Lead.objects.create(channel="meta", email="x@example.com")
    Lead.objects.create(channel="linkedin", **full)
    Lead.objects.create(channel="linkedin", **full)


def test_completeness_per_channel_worst_first(delivered, in_english, django_assert_num_queries):
    with django_assert_num_queries(1):
        figures = completeness(Lead.objects.all())
    assert [(r.key, r.leads, r.complete, r.complete_share) for r in figures.rows] == [
        ("meta", 1, 0, 0.0), ("google_ads", 2, 1, 0.5), ("linkedin", 2, 2, 1.0),
    ]
    google = figures.rows[1]
    assert google.missing == {"name": 0, "company": 0, "title": 1, "phone": 1, "context": 0}
    assert google.missing_parts[2] == ("job title", 1, 0.5)
    assert figures.rows[0].missing == dict.fromkeys(["name", "company", "title", "phone", "context"], 1)
    total = figures.total
    assert (total.leads, total.complete, total.complete_share) == (5, 3, 0.6)
    assert total.missing == {"name": 1, "company": 1, "title": 2, "phone": 2, "context": 1}


def test_completeness_over_another_dimension(delivered, in_english):
    figures = completeness(Lead.objects.all(), Dimension.SECTOR)
    assert [(r.label, r.leads, r.complete) for r in figures.rows] == [("(not given)", 1, 0), ("Metal & metalworking", 4, 3)]
