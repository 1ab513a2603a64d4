"""Lateness in grades: in time, due soon, overdue, badly overdue — row by row and counted in
the database, the same answer both ways."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.business_time import BusinessCalendar, WorkingHours
from handoff.lateness import Lateness, LatenessScale, count_by_lateness
from handoff.models import SlaClock
from leads.models import Lead

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OFFICE = BusinessCalendar.build(hours=WorkingHours.weekdays(time(8, 30), time(17, 0)))
L = Lateness


def local(*args):
    return datetime(*args, tzinfo=AMSTERDAM)


WEDNESDAY_10AM = local(2026, 1, 21, 10, 0)
SCALE = LatenessScale.at(WEDNESDAY_10AM, OFFICE)


@pytest.mark.parametrize(
    ("due_by", "expected"),
    [
        pytest.param(None, None, id="no-deadline"),
        pytest.param(local(2026, 1, 23, 12, 0), L.IN_TIME, id="friday"),
        pytest.param(local(2026, 1, 21, 11, 0), L.IN_TIME, id="an-hour-left-exactly"),
        pytest.param(local(2026, 1, 21, 10, 59), L.DUE_SOON, id="59-minutes-left"),
        pytest.param(local(2026, 1, 21, 10, 0), L.DUE_SOON, id="due-this-minute"),
        pytest.param(local(2026, 1, 21, 9, 59), L.OVERDUE, id="a-minute-late"),
        pytest.param(local(2026, 1, 20, 10, 1), L.OVERDUE, id="a-working-day-less-a-minute-late"),
        pytest.param(local(2026, 1, 20, 10, 0), L.BADLY_OVERDUE, id="a-working-day-late"),
        pytest.param(local(2026, 1, 12, 17, 0), L.BADLY_OVERDUE, id="last-week"),
    ],
)
def test_a_deadline_is_graded_by_how_late_it_is_in_business_time(due_by, expected):
    assert SCALE.grade(due_by) == expected


def test_an_hour_left_counts_working_time_only():
    # Friday 16:30: 30 minutes today, then the weekend; Monday 08:45 is 45 working minutes away.
    scale = LatenessScale.at(local(2026, 1, 23, 16, 30), OFFICE)
    assert scale.grade(local(2026, 1, 26, 8, 45)) == L.DUE_SOON
    assert scale.grade(local(2026, 1, 26, 9, 0)) == L.IN_TIME


def test_the_night_and_the_weekend_do_not_make_a_deadline_badly_overdue():
    # Due Friday 16:00; on Monday at 09:00 it is 1.5 working hours late, not three days.
    scale = LatenessScale.at(local(2026, 1, 26, 9, 0), OFFICE)
    assert scale.grade(local(2026, 1, 23, 16, 0)) == L.OVERDUE
    assert scale.grade(local(2026, 1, 22, 16, 0)) == L.BADLY_OVERDUE


def test_inside_the_policys_warning_window_a_deadline_is_due_soon():
    friday = local(2026, 1, 23, 12, 0)
    assert SCALE.grade(friday, warn_from=local(2026, 1, 21, 9, 0)) == L.DUE_SOON
    assert SCALE.grade(friday, warn_from=local(2026, 1, 22, 9, 0)) == L.IN_TIME
    # A window does not make a late lead any less late.
    assert SCALE.grade(local(2026, 1, 21, 9, 0), warn_from=local(2026, 1, 20, 9, 0)) == L.OVERDUE


def test_badly_overdue_can_be_set_to_another_length():
    scale = LatenessScale.at(WEDNESDAY_10AM, OFFICE, badly_after=timedelta(hours=2))
    # Wednesday 08:30-10:00 and Tuesday from 16:30: two working hours.
    assert scale.grade(local(2026, 1, 20, 16, 30)) == L.BADLY_OVERDUE
    assert scale.grade(local(2026, 1, 21, 8, 0)) == L.OVERDUE


@pytest.fixture
def graded_leads(company, rep):
    """One lead per case, some with a clock and its warning window, one without a deadline."""
    cases = [
        (None, None),
        (local(2026, 1, 23, 12, 0), None),
        (local(2026, 1, 23, 12, 0), local(2026, 1, 21, 9, 0)),  # in its warning window
        (local(2026, 1, 23, 12, 0), local(2026, 1, 22, 9, 0)),
        (local(2026, 1, 21, 10, 30), None),
        (local(2026, 1, 21, 9, 0), local(2026, 1, 20, 9, 0)),
        (local(2026, 1, 20, 12, 0), None),
        (local(2026, 1, 19, 12, 0), None),
        (local(2026, 1, 12, 12, 0), local(2026, 1, 9, 12, 0)),
    ]
    leads = []
    for n, (due_by, warn_from) in enumerate(cases):
        lead = Lead.objects.create(first_name=f"L{n}", company=company, owner=rep, stage=Lead.Stage.SAL, respond_by=due_by)
        if warn_from is not None:
            SlaClock.objects.create(
                lead=lead, kind=SlaClock.Kind.NEXT_ATTEMPT, policy_name="p", handed_over_at=due_by - timedelta(days=3),
                started_at=due_by - timedelta(days=2), due_by=due_by, warn_from=warn_from,
            )
        leads.append(lead)
    return leads


def test_counts_in_the_database_agree_with_each_rows_grade(graded_leads, django_assert_num_queries):
    rows = [SCALE.of_lead(lead) for lead in Lead.objects.select_related("sla_clock").order_by("pk")]
    assert rows == [None, L.IN_TIME, L.DUE_SOON, L.IN_TIME, L.DUE_SOON, L.OVERDUE, L.OVERDUE, L.BADLY_OVERDUE, L.BADLY_OVERDUE]

    with django_assert_num_queries(1):
        counts = count_by_lateness(Lead.objects.all(), SCALE)

    assert counts == [(L.BADLY_OVERDUE, 2), (L.OVERDUE, 2), (L.DUE_SOON, 2), (L.IN_TIME, 2)]
    assert dict(counts) == {grade: rows.count(grade) for grade in Lateness}
