from decimal import Decimal

import pytest

from dashboard import metrics
from dashboard.filters import Mode
from dashboard.metrics.sourcing import sourcing
from dashboard.tests.world import add_sourcing_facts, period


@pytest.fixture
def sourced(world):
    add_sourcing_facts(world)
    return world


def figures(rows):
    return {row.key: (row.leads, row.pipeline_value, row.won_revenue) for row in rows}


def test_each_source_owners_leads_pipeline_and_revenue_in_the_cohort(sourced, in_english, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = sourcing(period())
    # The cohort: A, C, D, E, H, I marketing's; B sales'; L a partner's; F a referral.
    # Pipeline: the deal value of A (€10,000), B (€2,500, lost) and L (€4,000), all reached SQL.
    assert figures(rows) == {
        "marketing": (6, Decimal("10000.00"), Decimal("10000.00")),
        "sales": (1, Decimal("2500.00"), Decimal("0.00")),
        "partner": (1, Decimal("4000.00"), Decimal("0.00")),
        "referral": (1, Decimal("0.00"), Decimal("0.00")),
    }
    assert [row.label for row in rows] == ["Marketing", "Sales (own prospecting)", "Partner", "Customer referral"]
    marketing = rows[0]
    assert (marketing.share_of_leads, marketing.share_of_revenue) == (6 / 9, 1.0)
    assert marketing.share_of_pipeline == pytest.approx(10000 / 16500)
    assert rows[1].share_of_pipeline == pytest.approx(2500 / 16500)
    assert rows[3].share_of_revenue == 0.0


def test_in_activity_mode_revenue_is_what_each_won_in_the_period(sourced):
    rows = {row.key: row for row in sourcing(period(mode=Mode.ACTIVITY))}
    # K, a referral that arrived in September, was won on 5 November for €5,000.
    assert rows["referral"].won_revenue == Decimal("5000.00")
    assert rows["referral"].leads == 1  # F arrived in the period; K did not
    assert rows["marketing"].share_of_revenue == pytest.approx(10000 / 15000)
    assert rows["referral"].share_of_revenue == pytest.approx(5000 / 15000)


def test_the_source_owner_filter_narrows_the_view(sourced):
    rows = figures(sourcing(period(source_owner="sales")))
    assert rows["sales"] == (1, Decimal("2500.00"), Decimal("0.00"))
    assert rows["marketing"] == (0, Decimal("0.00"), Decimal("0.00"))


def test_a_view_without_leads_has_every_row_and_no_shares(db):
    rows = sourcing(period())
    assert [row.key for row in rows] == ["marketing", "sales", "partner", "referral"]
    assert all(row.leads == 0 and row.share_of_leads is None and row.share_of_revenue is None for row in rows)


def test_leads_without_a_given_source_owner_are_marketings(world):
    rows = figures(sourcing(period()))
    assert rows["marketing"] == (9, Decimal("12500.00"), Decimal("10000.00"))


def test_the_breakdown_by_source_owner_in_source_owner_order(sourced, in_english):
    rows = metrics.breakdown_rows(period(), "source_owner")
    assert [(row.key, row.label, row.leads, row.sqls, row.won) for row in rows] == [
        ("marketing", "Marketing", 6, 1, 1),
        ("sales", "Sales (own prospecting)", 1, 1, 0),
        ("partner", "Partner", 1, 1, 0),
        ("referral", "Customer referral", 1, 1, 0),
    ]


@pytest.mark.parametrize("mode", Mode.values)
def test_each_source_owner_row_links_to_the_leads_it_counts(sourced, mode):
    filters = period(mode=mode, by="source_owner")
    for row in sourcing(filters):
        assert metrics.counted_leads(filters, stage="leads", key=row.key).count() == row.leads, row.key
    by_pk = {lead.pk: name for name, lead in sourced.leads.items()}
    won = metrics.counted_leads(filters, stage="won", key="referral").values_list("pk", flat=True)
    assert sorted(by_pk[pk] for pk in won) == ([] if filters.is_cohort else ["K"])
