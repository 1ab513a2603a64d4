"""What one lead adds to the rollups (leads.contributions): its arrival day, its counts, its
lead times, sales' verdicts, speed to lead, and in activity mode each figure on its event's day."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from leads import contributions, rollup_facts, rollups
from leads.models import Feedback, Lead
from leads.models.rollup import (
    DISPOSITIONS,
    FUNNEL,
    NEVER,
    NO_BUSINESS_TIME,
    NO_FIT_REASONS,
    QUALITIES,
)

S = Lead.Stage
T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def facts(**fields):
    base = dict.fromkeys(rollup_facts.FACTS)
    base.update(lead_id=1, created_at=T, channel="meta", campaign="", source="", product_interest="",
                stage=S.NEW, attempt_count=0, has_feedback=False, not_reached=False, returned=False,
                rejected=False, is_complete=False, intent_tier="", verdicts="", rejected_at_accept=0,
                rejected_at_accept_on="")
    base.update(fields)
    return base


def test_the_verdict_codes_are_the_feedback_choices():
    assert (DISPOSITIONS, NO_FIT_REASONS, QUALITIES) == (
        tuple(Feedback.Disposition.values), tuple(Feedback.NoFitReason.values), tuple(Feedback.Quality.values)
    )


def test_each_verdict_counts_once_by_disposition_reason_and_quality():
    lead = facts(verdicts="no_fit/too_small/bad no_urgency// no_urgency//good", rejected_at_accept=2)
    _day, counts, _times = contributions.contribution(lead, zone=AMSTERDAM)

    assert (counts["feedback"], counts["feedback_no_fit"], counts["feedback_no_urgency"]) == (3, 1, 2)
    assert (counts["no_fit_too_small"], counts["no_fit_other"], counts["feedback_good"], counts["feedback_bad"]) == (1, 0, 1, 1)
    assert counts["rejected_at_accept"] == 2


def test_activity_mode_counts_each_verdict_on_the_day_it_was_given():
    lead = facts(
        verdicts="no_fit/too_small/bad/2026-11-02 no_urgency///2026-11-04 no_urgency//good/2026-11-02",
        rejected_at_accept=2, rejected_at_accept_on="2026-11-01 2026-11-04",
    )
    per_day = {day: {name: n for name, n in counts.items() if n} for day, counts in contributions.verdict_counts_per_day(lead).items()}

    assert per_day == {
        date(2026, 11, 1): {"rejected_at_accept": 1},
        date(2026, 11, 2): {"feedback": 2, "feedback_no_fit": 1, "no_fit_too_small": 1, "feedback_bad": 1,
                            "feedback_no_urgency": 1, "feedback_good": 1},
        date(2026, 11, 4): {"feedback": 1, "feedback_no_urgency": 1, "rejected_at_accept": 1},
    }
    # By arrival day the days do not matter.
    assert contributions.verdict_counts(lead)["feedback"] == 3


def test_speed_to_lead_buckets_each_mql_by_both_clocks_from_its_handoff():
    mql = T + timedelta(hours=1)
    # Tried 4 min after the MQL (a business time of 6 min stored), reached SQL by skipping SAL.
    tried = facts(mql_at=mql, sql_at=mql + timedelta(days=1), first_attempt_at=mql + timedelta(minutes=4),
                  first_contact_business_seconds=360, intent_tier="high")
    assert contributions.speed_contribution(tried) == ("high", 0, 1, (1, 1, 1, 0))
    # An attempt before the handoff is the first bucket; no business time stored; exactly a day is "> 24 h".
    assert contributions.speed_contribution(facts(mql_at=mql, first_attempt_at=T))[1:3] == (0, NO_BUSINESS_TIME)
    assert contributions.speed_contribution(facts(mql_at=mql, first_attempt_at=mql + timedelta(days=1)))[1] == 4
    assert contributions.speed_contribution(facts(mql_at=mql))[1:3] == (NEVER, NEVER)
    assert contributions.speed_contribution(facts(first_attempt_at=T)) is None  # never an MQL


def test_a_lead_that_skipped_to_sql_reached_mql_but_did_not_pass_it():
    day, counts, times = contributions.contribution(
        facts(sql_at=T + timedelta(hours=2), stage=S.SQL, first_attempt_at=T + timedelta(hours=3), attempt_count=2),
        zone=AMSTERDAM,
    )

    assert day == T.astimezone(AMSTERDAM).date()
    assert [counts[f"reached_{s}"] for s in FUNNEL] == [1, 1, 1, 0, 0]
    assert [counts[f"own_{s}"] for s in FUNNEL] == [0, 0, 1, 0, 0]
    assert (counts["contacted"], counts["attempts"], counts["open"]) == (1, 2, 1)
    assert counts["passed_leads_sql"] == 1 and counts["passed_mql_sql"] == 0
    assert dict(times) == {"leads_sql": 2 * 3600 * 10**6, "first_attempt": 3600 * 10**6, "reached_mql_sql": 0}


def test_the_two_clocks_run_from_the_handoff_to_the_owner_told_to_the_first_attempt():
    told = T + timedelta(minutes=10)
    _day, _counts, times = contributions.contribution(
        facts(mql_at=T, stage=S.MQL, owner_told_at=told, first_attempt_at=T + timedelta(hours=1), attempt_count=1),
        zone=AMSTERDAM,
    )
    assert dict(times)["system_clock"] == 600 * 10**6
    assert dict(times)["rep_clock"] == 50 * 60 * 10**6

    # Tried before the owner was told: the system's clock counts, the rep's does not.
    _day, _counts, times = contributions.contribution(
        facts(mql_at=T, stage=S.MQL, owner_told_at=told, first_attempt_at=T + timedelta(minutes=5), attempt_count=1),
        zone=AMSTERDAM,
    )
    assert "system_clock" in dict(times) and "rep_clock" not in dict(times)
    # Never told (or never an MQL): neither clock.
    _day, _counts, times = contributions.contribution(facts(mql_at=T, stage=S.MQL), zone=AMSTERDAM)
    assert not {"system_clock", "rep_clock"} & set(dict(times))


def test_activity_mode_counts_each_figure_on_the_day_its_event_happened():
    day = timedelta(days=1)
    lead = facts(
        created_at=T, sal_at=T + 2 * day, sql_at=T + 9 * day, lost_at=T + 12 * day, stage=S.LOST,
        first_attempt_at=T + 3 * day, attempt_count=4, deal_value=Decimal("250.00"),
    )
    sums = rollups.Sums(AMSTERDAM)
    sums.add(lead)
    columns = [*rollups.KEY, *rollups.ACTIVITY_COUNTS]
    on_day = {
        row[1]: {name: value for name, value in zip(columns, row) if name in rollups.ACTIVITY_COUNTS and value}
        for row in sums.activity_rows() if row[0] == "all"
    }
    times = {(row[1], row[len(rollups.KEY)]) for row in sums.activity_time_rows() if row[0] == "all"}

    arrived, sal, sql, lost = (T.date() + timedelta(days=n) for n in (0, 2, 9, 12))
    assert on_day == {
        arrived: {"leads": 1},
        # Straight to SAL: it reached MQL then, without its own MQL stamp (skipped), and was followed up as an MQL.
        sal: {"reached_mql": 1, "skipped_mql": 1, "reached_sal": 1, "own_sal": 1, "contacted": 1, "attempts": 4,
              "mql_reached_sql": 1},
        sql: {"reached_sql": 1, "own_sql": 1, "passed_sal_sql": 1, "passed_leads_sql": 1, "pipeline_cents": 25_000},
        lost: {"lost": 1, "lost_value_cents": 25_000},
    }
    assert times == {(sal, "first_attempt"), (sql, "sal_sql"), (sql, "leads_sql"), (sql, "reached_mql_sql")}
    # Taken back out (the lead changed), every day's row is empty again.
    sums.add(lead, -1)
    assert sums.activity_rows() == [] and sums.activity_time_rows() == []


def test_lost_and_won_later_counts_as_won_with_its_revenue():
    lead = facts(sql_at=T, lost_at=T + timedelta(days=1), won_at=T + timedelta(days=9), stage=S.WON,
                 deal_value=Decimal("1234.56"))
    _day, counts, _times = contributions.contribution(lead, zone=AMSTERDAM)

    assert (counts["lost"], counts["reached_won"], counts["revenue_cents"], counts["open"]) == (0, 1, 123456, 0)


def test_an_arrival_just_after_midnight_in_amsterdam_is_that_days_lead():
    late = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 November in Amsterdam
    assert contributions.contribution(facts(created_at=late), zone=AMSTERDAM)[0].isoformat() == "2026-11-01"
