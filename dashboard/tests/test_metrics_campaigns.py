from decimal import Decimal

import pytest

from dashboard.filters import Mode
from dashboard.metrics.campaigns import campaign_costs
from dashboard.tests.world import add_sourcing_facts, period


@pytest.fixture
def campaigns(world):
    return add_sourcing_facts(world)


def test_cost_per_result_and_return_on_spend_of_the_campaigns_with_a_budget(campaigns, django_assert_num_queries):
    with django_assert_num_queries(2):  # from the rollups: the counts, the campaigns with a budget
        rows = campaign_costs(period())
    # Lookalike has no budget: not listed.
    assert [row.name for row in rows] == ["Brand", "Search"]
    brand, search = rows
    # Search: A (MQL, SQL, won €10,000) and H (nothing more); budget €2,000.
    assert (search.key, search.budget, search.leads, search.mqls, search.sqls, search.won) == (
        str(campaigns["Search"].pk), Decimal("2000.00"), 2, 1, 1, 1,
    )
    assert search.revenue == Decimal("10000.00")
    assert (search.cost_per_lead, search.cost_per_mql, search.cost_per_sql, search.cost_per_won) == (
        1000.0, 2000.0, 2000.0, 2000.0,
    )
    assert search.return_on_spend == 5.0
    # Brand: B went straight to SQL (so reached MQL too) and was lost; budget €500.
    assert (brand.leads, brand.mqls, brand.sqls, brand.won, brand.revenue) == (1, 1, 1, 0, Decimal("0.00"))
    assert (brand.cost_per_lead, brand.cost_per_sql, brand.cost_per_won, brand.return_on_spend) == (500.0, 500.0, None, 0.0)


def test_the_filters_narrow_the_campaigns_leads(campaigns):
    rows = campaign_costs(period(channel="google_ads"))
    search = next(row for row in rows if row.name == "Search")
    assert (search.leads, search.cost_per_lead) == (1, 2000.0)  # H is a direct lead
    assert campaign_costs(period(channel="meta")) == []


def test_in_activity_mode_a_campaign_counts_what_its_leads_did_in_the_period(campaigns):
    rows = {row.name: row for row in campaign_costs(period(mode=Mode.ACTIVITY))}
    assert (rows["Search"].leads, rows["Search"].won, rows["Search"].revenue) == (2, 1, Decimal("10000.00"))


def test_a_zero_budget_has_no_return_on_spend(campaigns):
    campaigns["Brand"].budget = Decimal("0")
    campaigns["Brand"].save()
    brand = next(row for row in campaign_costs(period()) if row.name == "Brand")
    assert (brand.cost_per_lead, brand.return_on_spend) == (0.0, None)
