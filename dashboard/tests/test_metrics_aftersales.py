from decimal import Decimal

import pytest

from dashboard.filters import Dimension, Mode
from dashboard.metrics.aftersales import after_sale
from dashboard.tests.world import add_account_events, period

DAY = 86400


@pytest.fixture
def accounts(world):
    add_account_events(world)
    return world


def test_after_sale_per_channel_of_the_cohort(accounts, in_english, django_assert_num_queries):
    with django_assert_num_queries(2):
        figures = after_sale(period())
    # The cohort's only win is A (Google Ads, €10,000).
    [row] = figures.rows
    assert (row.key, row.label, row.customers, row.churned, row.renewals, row.with_first_value) == (
        "google_ads", "Google Ads", 1, 0, 1, 1,
    )
    assert (row.won_revenue, row.expansion_revenue, row.lifetime_value) == (
        Decimal("10000.00"), Decimal("2500.00"), Decimal("12500.00"),
    )
    assert (row.retention, row.churn_rate) == (1.0, 0.0)
    assert row.median_time_to_first_value_seconds == pytest.approx(2 * DAY)
    assert figures.total.lifetime_value == Decimal("12500.00")
    assert figures.has_events


def test_after_sale_in_activity_mode_ranks_by_lifetime_value(accounts, in_english):
    figures = after_sale(period(mode=Mode.ACTIVITY))
    # Won in the period: A (7 November) and K (5 November, LinkedIn, €5,000, churned).
    assert [(r.key, r.lifetime_value, r.retention) for r in figures.rows] == [
        ("google_ads", Decimal("12500.00"), 1.0),
        ("linkedin", Decimal("5000.00"), 0.0),
    ]
    total = figures.total
    assert (total.customers, total.churned, total.retention, total.churn_rate) == (2, 1, 0.5, 0.5)
    assert total.expansion_revenue == Decimal("2500.00")
    assert total.lifetime_value_per_customer == pytest.approx(8750)  # (10,000 + 5,000 + 2,500) / 2
    # Medians of 2 and 10 days.
    assert total.median_time_to_first_value_seconds == pytest.approx(6 * DAY)


def test_after_sale_over_any_breakdown_dimension(accounts, in_english):
    figures = after_sale(period(mode=Mode.ACTIVITY), Dimension.TEAM)
    assert [(r.label, r.customers, r.churned) for r in figures.rows] == [("Nieuwe klanten", 1, 0), ("No team yet", 1, 1)]
    by_month = after_sale(period(mode=Mode.ACTIVITY, by=Dimension.MONTH))
    assert by_month.dimension == Dimension.MONTH
    assert {(r.key, r.customers) for r in by_month.rows} == {("2026-11", 1), ("2026-09", 1)}


def test_after_sale_without_events(world):
    figures = after_sale(period())
    assert figures.total.customers == 1
    assert (figures.total.expansion_revenue, figures.total.median_time_to_first_value_seconds) == (Decimal("0.00"), None)
    assert not figures.has_events
    assert after_sale(period(channel="meta")).rows == []
