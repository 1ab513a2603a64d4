from datetime import datetime, timedelta, timezone

import pytest

from dashboard import metrics
from leads.models import Lead

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
S = Lead.Stage


def lead_arrived(days_ago, company=None):
    return Lead.objects.create(company=company, created_at=NOW - timedelta(days=days_ago))


@pytest.mark.django_db
def test_overview_counts_last_weeks_arrivals_and_todays_open_stages(django_assert_num_queries):
    recent = lead_arrived(2)
    recent.move_to(S.MQL, rule="policy", at=NOW - timedelta(days=2))
    recent.move_to(S.SAL, rule="test", at=NOW - timedelta(days=1))
    old = lead_arrived(30)
    old.move_to(S.MQL, rule="policy", at=NOW - timedelta(days=20))
    old.move_to(S.SQL, rule="test", at=NOW - timedelta(days=3))  # skipped SAL
    old.move_to(S.OPPORTUNITY, rule="test", at=NOW - timedelta(days=2))
    old.move_to(S.WON, rule="test", at=NOW - timedelta(days=1))
    lead_arrived(6)  # new, still open
    gone = lead_arrived(8)
    gone.move_to(S.DISQUALIFIED, rule="policy", at=NOW - timedelta(days=8))
    lead_arrived(-1)  # in the future of NOW: not counted

    with django_assert_num_queries(2):
        overview = metrics.overview(now=NOW)

    assert overview.arrived_last_7_days == 2
    assert overview.mql_last_7_days == 1
    assert overview.sql_last_7_days == 1
    assert overview.won_last_7_days == 1
    assert {row.stage: row.count for row in overview.open_by_stage} == {
        "new": 2, "nurture": 0, "mql": 0, "sal": 1, "sql": 0, "opportunity": 0,
    }


@pytest.mark.django_db
def test_overview_of_an_empty_database_is_all_zeros():
    overview = metrics.overview(now=NOW)
    assert overview.arrived_last_7_days == 0
    assert all(row.count == 0 for row in overview.open_by_stage)


@pytest.mark.django_db
def test_recent_stage_changes_are_newest_first_in_one_query(django_assert_num_queries, company):
    lead = lead_arrived(3, company)
    lead.move_to(S.MQL, rule="policy", at=NOW - timedelta(days=2))
    lead.move_to(S.SAL, rule="test", at=NOW - timedelta(days=1))

    with django_assert_num_queries(1):
        changes = metrics.recent_stage_changes(limit=5)
        companies = [change.lead.company.name for change in changes]

    assert [c.to_stage for c in changes] == [S.SAL, S.MQL]
    assert companies == [company.name] * 2
