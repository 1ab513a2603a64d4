"""Lost reasons, on the hand-computed world (dashboard/tests/world.py)."""

from decimal import Decimal

import pytest
from django.utils import translation

from dashboard import metrics
from dashboard.filters import Mode
from dashboard.tests.world import NOW, period


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_lost_reasons_count_the_lost_leads_with_their_value(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = metrics.lost_reasons(period())
    # B lost on price (€2,500); L lost without a reason and without a value.
    assert [(r.key, r.label, r.count, r.value) for r in rows] == [
        ("price", "Price", 1, Decimal("2500.00")),
        ("", "(no reason given)", 1, Decimal("0.00")),
    ]
    assert sum(r.count for r in rows) == metrics.funnel(period(), now=NOW).outcomes.lost


@pytest.mark.django_db
def test_a_lead_lost_and_later_won_has_no_lost_reason_row(world):
    lead = world.leads["B"]
    lead.move_to("nurture", rule="test")
    lead.move_to("won", rule="test")
    assert [r.key for r in metrics.lost_reasons(period())] == [""]


@pytest.mark.django_db
def test_lost_reasons_in_activity_mode_are_the_deals_lost_in_the_period(world):
    # B lost on 3 November, L on 10 November: both in the period; a channel narrows it.
    rows = metrics.lost_reasons(period(mode=Mode.ACTIVITY, channel="linkedin"))
    assert [(r.key, r.count) for r in rows] == [("", 1)]
