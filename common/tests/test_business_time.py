from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.business_time import (
    BusinessCalendar,
    NoWorkingTimeError,
    WorkingHours,
    parse_closed_days,
    parse_intervals,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OFFICE_HOURS = WorkingHours.weekdays(time(8, 30), time(17, 0))
LUNCH_BREAK_HOURS = WorkingHours(
    days=(((time(8, 30), time(12, 0)), (time(12, 30), time(17, 0))),) * 5 + ((), ())
)
COMPANY_SHUTDOWN_DAY = date(2026, 1, 16)  # a Friday

OFFICE = BusinessCalendar.build(hours=OFFICE_HOURS)
OFFICE_WITH_SHUTDOWN = BusinessCalendar.build(hours=OFFICE_HOURS, closed_days=[COMPANY_SHUTDOWN_DAY])
OFFICE_WITH_LUNCH = BusinessCalendar.build(hours=LUNCH_BREAK_HOURS)


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def hours(n):
    return timedelta(hours=n)


# (calendar, arrival in Amsterdam, SLA, expected deadline in Amsterdam)
DEADLINE_CASES = [
    pytest.param(
        OFFICE, local(2026, 1, 16, 16, 50), hours(4), local(2026, 1, 19, 12, 20),
        id="friday-16:50-plus-4h-is-monday-12:20",
    ),
    pytest.param(
        OFFICE, local(2026, 4, 27, 10, 0), hours(4), local(2026, 4, 28, 12, 30),
        id="arrival-on-koningsdag-counts-from-next-morning",
    ),
    pytest.param(
        OFFICE, local(2025, 12, 24, 15, 0), hours(4), local(2025, 12, 29, 10, 30),
        id="christmas-eve-skips-both-christmas-days-and-weekend",
    ),
    pytest.param(
        OFFICE, local(2026, 1, 13, 7, 0), hours(4), local(2026, 1, 13, 12, 30),
        id="before-opening-counts-from-08:30",
    ),
    pytest.param(
        OFFICE, local(2026, 1, 13, 19, 0), hours(4), local(2026, 1, 14, 12, 30),
        id="after-closing-counts-from-next-morning",
    ),
    pytest.param(
        OFFICE, local(2026, 1, 17, 11, 0), hours(4), local(2026, 1, 19, 12, 30),
        id="saturday-counts-from-monday-morning",
    ),
    pytest.param(
        OFFICE, local(2026, 1, 13, 16, 50), timedelta(minutes=15), local(2026, 1, 14, 8, 35),
        id="15-minutes-before-closing-spills-into-next-morning",
    ),
    pytest.param(
        OFFICE, local(2026, 1, 12, 8, 30), hours(24), local(2026, 1, 14, 15, 30),
        id="24-business-hours-from-monday-opening-is-wednesday-15:30",
    ),
    pytest.param(
        OFFICE, local(2026, 1, 12, 8, 30), timedelta(hours=8, minutes=30), local(2026, 1, 12, 17, 0),
        id="sla-filling-the-whole-day-is-due-at-closing-not-next-morning",
    ),
    pytest.param(
        OFFICE, local(2026, 3, 27, 15, 0), hours(4), local(2026, 3, 30, 10, 30),
        id="friday-to-monday-across-spring-dst-change",
    ),
    pytest.param(
        OFFICE, local(2026, 10, 23, 15, 0), hours(4), local(2026, 10, 26, 10, 30),
        id="friday-to-monday-across-autumn-dst-change",
    ),
    pytest.param(
        OFFICE_WITH_SHUTDOWN, local(2026, 1, 15, 15, 0), hours(4), local(2026, 1, 19, 10, 30),
        id="company-shutdown-day-is-skipped",
    ),
    pytest.param(
        OFFICE_WITH_LUNCH, local(2026, 1, 13, 10, 0), hours(4), local(2026, 1, 13, 14, 30),
        id="lunch-break-is-not-counted",
    ),
    pytest.param(
        OFFICE_WITH_LUNCH, local(2026, 1, 13, 12, 10), hours(1), local(2026, 1, 13, 13, 30),
        id="arrival-during-lunch-counts-from-12:30",
    ),
]


@pytest.mark.parametrize(("calendar", "arrival", "sla", "expected"), DEADLINE_CASES)
def test_deadline_only_counts_working_hours(calendar, arrival, sla, expected):
    due = calendar.add_business_time(arrival, sla)

    assert due == expected
    assert due.astimezone(AMSTERDAM).replace(tzinfo=None) == expected.replace(tzinfo=None)


def test_four_hour_sla_from_friday_evening_is_due_monday_noon():
    due = OFFICE.add_business_time(local(2026, 1, 16, 16, 50), hours(4))

    assert due == datetime(2026, 1, 19, 11, 20, tzinfo=UTC)


def test_deadlines_are_returned_in_utc():
    due = OFFICE.add_business_time(local(2026, 6, 2, 9, 0), hours(1))

    assert due.tzinfo is UTC
    assert due == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


def test_start_may_be_given_in_any_time_zone():
    in_new_york = datetime(2026, 1, 16, 10, 50, tzinfo=ZoneInfo("America/New_York"))  # 16:50 Amsterdam

    assert OFFICE.add_business_time(in_new_york, hours(4)) == local(2026, 1, 19, 12, 20)


@pytest.mark.parametrize(
    ("arrival", "expected_due", "expected_offsets"),
    [
        pytest.param(
            local(2026, 3, 27, 15, 0), datetime(2026, 3, 30, 8, 30, tzinfo=UTC), (hours(1), hours(2)),
            id="spring",
        ),
        pytest.param(
            local(2026, 10, 23, 15, 0), datetime(2026, 10, 26, 9, 30, tzinfo=UTC), (hours(2), hours(1)),
            id="autumn",
        ),
    ],
)
def test_weekend_dst_change_keeps_monday_deadline_on_the_wall_clock(arrival, expected_due, expected_offsets):
    due = OFFICE.add_business_time(arrival, hours(4))

    assert due == expected_due
    assert due.astimezone(AMSTERDAM).time() == time(10, 30)
    assert (arrival.utcoffset(), due.astimezone(AMSTERDAM).utcoffset()) == expected_offsets
    assert OFFICE.business_time_between(arrival, due) == hours(4)


def test_zero_duration_from_an_open_moment_is_that_moment():
    arrival = local(2026, 1, 13, 10, 0)

    assert OFFICE.add_business_time(arrival, timedelta(0)) == arrival


def test_zero_duration_from_a_closed_moment_is_the_next_opening():
    assert OFFICE.add_business_time(local(2026, 1, 16, 17, 0), timedelta(0)) == local(2026, 1, 19, 8, 30)


def test_negative_duration_is_rejected():
    with pytest.raises(ValueError, match="must not be negative"):
        OFFICE.add_business_time(local(2026, 1, 13, 10, 0), hours(-1))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(local(2026, 1, 13, 10, 0), local(2026, 1, 13, 10, 0), id="open-now-is-now"),
        pytest.param(local(2026, 1, 13, 8, 30), local(2026, 1, 13, 8, 30), id="exactly-at-opening"),
        pytest.param(local(2026, 1, 13, 17, 0), local(2026, 1, 14, 8, 30), id="exactly-at-closing"),
        pytest.param(local(2026, 1, 16, 17, 30), local(2026, 1, 19, 8, 30), id="friday-evening"),
        pytest.param(local(2026, 4, 24, 18, 0), local(2026, 4, 28, 8, 30), id="weekend-then-koningsdag"),
    ],
)
def test_next_opening(at, expected):
    assert OFFICE.next_opening(at) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(local(2026, 1, 13, 8, 29), False, id="one-minute-before-opening"),
        pytest.param(local(2026, 1, 13, 8, 30), True, id="at-opening"),
        pytest.param(datetime(2026, 1, 13, 16, 59, 59, tzinfo=AMSTERDAM), True, id="last-second"),
        pytest.param(local(2026, 1, 13, 17, 0), False, id="at-closing"),
        pytest.param(local(2026, 1, 17, 10, 0), False, id="saturday"),
        pytest.param(local(2026, 4, 27, 10, 0), False, id="koningsdag"),
    ],
)
def test_is_open(at, expected):
    assert OFFICE.is_open(at) is expected


def test_is_open_respects_lunch_break():
    assert not OFFICE_WITH_LUNCH.is_open(local(2026, 1, 13, 12, 15))
    assert OFFICE_WITH_LUNCH.is_open(local(2026, 1, 13, 12, 30))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 1, 13), True, id="ordinary-tuesday"),
        pytest.param(date(2026, 1, 17), False, id="saturday"),
        pytest.param(date(2026, 4, 27), False, id="koningsdag"),
        pytest.param(date(2026, 4, 3), False, id="good-friday-is-a-holiday-in-the-holidays-package"),
        pytest.param(date(2026, 5, 5), True, id="liberation-day-2026-is-not-a-day-off"),
        pytest.param(date(2025, 5, 5), False, id="liberation-day-in-lustrum-year-2025-is-a-day-off"),
        pytest.param(date(2025, 4, 26), False, id="koningsdag-moves-to-saturday-when-27-april-is-sunday"),
    ],
)
def test_is_working_day_with_nl_holidays(day, expected):
    assert OFFICE.is_working_day(day) is expected


def test_calendar_without_holiday_country_works_on_koningsdag():
    calendar = BusinessCalendar.build(hours=OFFICE_HOURS, holiday_country=None)

    assert calendar.is_working_day(date(2026, 4, 27))


def test_closed_day_is_not_a_working_day():
    assert not OFFICE_WITH_SHUTDOWN.is_working_day(COMPANY_SHUTDOWN_DAY)
    assert OFFICE.is_working_day(COMPANY_SHUTDOWN_DAY)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(local(2026, 1, 13, 9, 0), local(2026, 1, 13, 11, 15), timedelta(hours=2, minutes=15),
                     id="within-one-day"),
        pytest.param(local(2026, 1, 16, 16, 0), local(2026, 1, 19, 9, 30), hours(2), id="over-a-weekend"),
        pytest.param(local(2026, 4, 24, 16, 0), local(2026, 4, 28, 9, 0), timedelta(hours=1, minutes=30),
                     id="over-weekend-and-koningsdag"),
        pytest.param(local(2026, 1, 13, 18, 0), local(2026, 1, 14, 7, 0), timedelta(0), id="overnight-is-zero"),
        pytest.param(local(2026, 1, 17, 9, 0), local(2026, 1, 18, 17, 0), timedelta(0), id="weekend-is-zero"),
        pytest.param(local(2026, 1, 13, 11, 0), local(2026, 1, 13, 9, 0), timedelta(0), id="inverted-is-zero"),
        pytest.param(local(2026, 1, 13, 11, 0), local(2026, 1, 13, 11, 0), timedelta(0), id="same-instant-is-zero"),
        pytest.param(local(2026, 3, 27, 16, 0), local(2026, 3, 30, 9, 30), hours(2), id="over-spring-dst-change"),
        pytest.param(local(2026, 10, 23, 16, 0), local(2026, 10, 26, 9, 30), hours(2), id="over-autumn-dst-change"),
        pytest.param(local(2026, 1, 12, 0, 0), local(2026, 1, 19, 0, 0), timedelta(hours=42, minutes=30),
                     id="a-full-week-is-five-days-of-8.5h"),
    ],
)
def test_business_time_between(start, end, expected):
    assert OFFICE.business_time_between(start, end) == expected


def test_business_time_between_skips_lunch():
    elapsed = OFFICE_WITH_LUNCH.business_time_between(local(2026, 1, 13, 11, 0), local(2026, 1, 13, 14, 0))

    assert elapsed == timedelta(hours=2, minutes=30)


def _sample_starts():
    # Deterministic spread over 2026: a step of 7h13m hits every hour of the
    # day and every weekday, open and closed, including both DST changes.
    moment = local(2026, 1, 1, 0, 0)
    while moment < local(2027, 1, 1):
        yield moment
        moment += timedelta(hours=7, minutes=13)


SAMPLE_DURATIONS = [timedelta(0), timedelta(minutes=1), timedelta(minutes=15), hours(4),
                    timedelta(hours=8, minutes=30), hours(24), hours(40)]


@pytest.mark.parametrize("calendar", [OFFICE, OFFICE_WITH_LUNCH], ids=["office", "lunch-break"])
def test_business_time_between_undoes_add_business_time(calendar):
    starts = [s for s in _sample_starts() if calendar.is_open(s)]
    assert len(starts) > 200  # guard against the sample silently shrinking

    for i, start in enumerate(starts):
        duration = SAMPLE_DURATIONS[i % len(SAMPLE_DURATIONS)]
        due = calendar.add_business_time(start, duration)
        assert calendar.business_time_between(start, due) == duration, (start, duration)


def test_weekend_hours_on_spring_dst_day_count_real_time():
    # 01:00-04:00 on the night the clock jumps 02:00 -> 03:00 lasts two real hours.
    calendar = BusinessCalendar.build(
        hours=WorkingHours(days=((),) * 6 + (((time(1, 0), time(4, 0)),),)), holiday_country=None
    )
    sunday = date(2026, 3, 29)

    assert calendar.business_time_between(local(2026, 3, 29), local(2026, 3, 30)) == hours(2)
    assert calendar.add_business_time(local(2026, 3, 29), hours(2)) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    assert calendar.is_working_day(sunday)


def test_weekend_hours_on_autumn_dst_day_count_the_repeated_hour():
    # 01:00-04:00 on the night the clock falls back 03:00 -> 02:00 lasts four real hours.
    calendar = BusinessCalendar.build(
        hours=WorkingHours(days=((),) * 6 + (((time(1, 0), time(4, 0)),),)), holiday_country=None
    )

    assert calendar.business_time_between(local(2026, 10, 25), local(2026, 10, 26)) == hours(4)


def test_interval_boundary_inside_the_spring_gap_is_not_double_counted():
    # 02:30 does not exist on 29 March; fold=0 resolves it to 03:30 CEST, past
    # the 03:00 start of the next interval. Real open time is 01:00-02:00 CET
    # plus 03:00-04:00 CEST = 2 hours, not 2.5.
    sunday_hours = ((time(1, 0), time(2, 30)), (time(3, 0), time(4, 0)))
    calendar = BusinessCalendar.build(hours=WorkingHours(days=((),) * 6 + (sunday_hours,)), holiday_country=None)

    assert calendar.business_time_between(local(2026, 3, 29), local(2026, 3, 30)) == hours(2)


def test_calendar_without_working_time_in_three_years_raises_instead_of_looping():
    mondays_only = WorkingHours(days=(((time(9, 0), time(17, 0)),),) + ((),) * 6)
    every_monday_closed = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(52 * 4)]
    calendar = BusinessCalendar.build(hours=mondays_only, holiday_country=None, closed_days=every_monday_closed)

    with pytest.raises(NoWorkingTimeError, match="No working time within"):
        calendar.next_opening(local(2026, 1, 1))
    with pytest.raises(NoWorkingTimeError, match="Not enough working time"):
        calendar.add_business_time(local(2026, 1, 1), hours(1))


def test_overlapping_intervals_are_rejected():
    tuesday = ((time(8, 0), time(12, 0)), (time(11, 0), time(17, 0)))
    with pytest.raises(ValueError, match="Tuesday: overlapping intervals at 11:00"):
        WorkingHours(days=((), tuesday, (), (), (), (), ()))


def test_touching_intervals_are_allowed():
    monday = ((time(8, 0), time(12, 0)), (time(12, 0), time(17, 0)))
    WorkingHours(days=(monday,) + ((),) * 6)


def test_week_without_working_time_is_rejected():
    with pytest.raises(ValueError, match="no working time at all"):
        WorkingHours(days=((),) * 7)


@pytest.mark.parametrize("end", [time(8, 0), time(8, 30)], ids=["end-before-start", "end-equals-start"])
def test_interval_must_end_after_it_starts(end):
    with pytest.raises(ValueError, match="Monday: interval 08:30-.* must end after it starts"):
        WorkingHours.weekdays(time(8, 30), end)


def test_working_hours_need_seven_days():
    with pytest.raises(ValueError, match="needs 7 days"):
        WorkingHours(days=(((time(9, 0), time(17, 0)),),) * 5)


@pytest.mark.parametrize("name", ["Europe/Amsterdm", "", "../etc/passwd"])
def test_unknown_time_zone_is_rejected(name):
    with pytest.raises(ValueError, match="Unknown time zone"):
        BusinessCalendar.build(hours=OFFICE_HOURS, time_zone=name)


def test_time_zone_must_be_a_zoneinfo():
    with pytest.raises(ValueError, match="time_zone must be a ZoneInfo"):
        BusinessCalendar(time_zone="Europe/Amsterdam", hours=OFFICE_HOURS)


@pytest.mark.parametrize(("country", "subdivision"), [("XX", None), ("NL", "Atlantis")])
def test_unknown_holiday_calendar_is_rejected(country, subdivision):
    with pytest.raises(ValueError, match="Unknown holiday calendar"):
        BusinessCalendar.build(hours=OFFICE_HOURS, holiday_country=country, holiday_subdivision=subdivision)


NAIVE = datetime(2026, 1, 13, 10, 0)
AWARE = local(2026, 1, 13, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: OFFICE.is_open(NAIVE), id="is_open"),
        pytest.param(lambda: OFFICE.next_opening(NAIVE), id="next_opening"),
        pytest.param(lambda: OFFICE.add_business_time(NAIVE, hours(1)), id="add_business_time"),
        pytest.param(lambda: OFFICE.business_time_between(NAIVE, AWARE), id="between-naive-start"),
        pytest.param(lambda: OFFICE.business_time_between(AWARE, NAIVE), id="between-naive-end"),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="must be a timezone-aware datetime"):
        call()


def test_interval_nested_one_level_wrong_gets_a_clear_error():
    with pytest.raises(TypeError, match=r"must be a \(start, end\) pair of datetime.time"):
        WorkingHours(days=((time(9, 0), time(17, 0)),) * 7)


# -- Configurable holidays: the business decides which public holidays are days off ---------

GOOD_FRIDAY_2026 = date(2026, 4, 3)


def test_a_worked_public_holiday_is_a_working_day():
    calendar = BusinessCalendar.build(hours=OFFICE_HOURS, worked_holidays=["Goede vrijdag"])

    assert calendar.is_working_day(GOOD_FRIDAY_2026)
    assert not calendar.is_working_day(date(2026, 4, 6))  # Easter Monday stays a day off
    assert calendar.add_business_time(local(2026, 4, 2, 16, 0), hours(2)) == local(2026, 4, 3, 9, 30)


def test_closed_every_year_closes_liberation_day_outside_lustrum_years():
    calendar = BusinessCalendar.build(hours=OFFICE_HOURS, closed_every_year=[(5, 5)])

    assert not calendar.is_working_day(date(2026, 5, 5))
    assert not calendar.is_working_day(date(2027, 5, 5))
    assert calendar.add_business_time(local(2026, 5, 4, 16, 0), hours(2)) == local(2026, 5, 6, 9, 30)


def test_29_february_closed_every_year_only_applies_in_leap_years():
    calendar = BusinessCalendar.build(hours=OFFICE_HOURS, closed_every_year=[(2, 29)])

    assert not calendar.is_working_day(date(2028, 2, 29))
    assert calendar.is_working_day(date(2027, 3, 1))


@pytest.mark.parametrize(("month", "day"), [(2, 30), (13, 1), (0, 5)])
def test_impossible_yearly_closed_date_is_rejected(month, day):
    with pytest.raises(ValueError, match="is not a date"):
        BusinessCalendar.build(hours=OFFICE_HOURS, closed_every_year=[(month, day)])


def test_unknown_worked_holiday_is_rejected_with_the_known_names():
    with pytest.raises(ValueError, match="Unknown public holiday Good Friday for NL; known: .*Goede vrijdag"):
        BusinessCalendar.build(hours=OFFICE_HOURS, worked_holidays=["Good Friday"])


def test_worked_holidays_without_a_holiday_country_are_rejected():
    with pytest.raises(ValueError, match="need a holiday country"):
        BusinessCalendar.build(hours=OFFICE_HOURS, holiday_country=None, worked_holidays=["Koningsdag"])


@pytest.mark.parametrize(
    ("start", "working_days", "expected"),
    [
        pytest.param(local(2026, 1, 12, 10, 0), 2, local(2026, 1, 14, 17, 0), id="monday-call-due-wednesday"),
        pytest.param(local(2026, 1, 15, 10, 0), 2, local(2026, 1, 19, 17, 0), id="thursday-call-skips-weekend"),
        pytest.param(local(2026, 4, 24, 19, 0), 1, local(2026, 4, 28, 17, 0), id="skips-koningsdag"),
    ],
)
def test_end_of_working_day_after(start, working_days, expected):
    assert OFFICE.end_of_working_day_after(start, working_days) == expected


def test_intervals_are_read_from_text():
    assert parse_intervals(" 08:30-12:00, 12:30 - 17:00 ") == ((time(8, 30), time(12, 0)), (time(12, 30), time(17, 0)))
    assert parse_intervals("") == ()


@pytest.mark.parametrize("text", ["08:30", "8.30-17", "08:30-25:00"])
def test_unreadable_intervals_are_rejected(text):
    with pytest.raises(ValueError, match="is not a time range like 08:30-17:00"):
        parse_intervals(text)


def test_closed_days_are_read_from_text():
    once, every_year = parse_closed_days("2026-12-24\n\n05-05\n")

    assert once == {date(2026, 12, 24)}
    assert every_year == {(5, 5)}


@pytest.mark.parametrize("text", ["24-12-2026", "02-30", "christmas", "2026-02-30"])
def test_unreadable_closed_days_are_rejected(text):
    with pytest.raises(ValueError, match="is not a date like 2026-12-24"):
        parse_closed_days(text)


# --- subtract_business_time: the mirror of add_business_time --------------------------------


@pytest.mark.parametrize(
    ("end", "duration", "expected"),
    [
        pytest.param(local(2026, 1, 21, 12, 0), hours(2), local(2026, 1, 21, 10, 0), id="same-day"),
        pytest.param(local(2026, 1, 19, 10, 0), hours(4), local(2026, 1, 16, 14, 30), id="monday-back-over-the-weekend"),
        pytest.param(local(2026, 1, 18, 12, 0), hours(1), local(2026, 1, 16, 16, 0), id="from-a-sunday"),
        pytest.param(local(2026, 1, 21, 8, 30), timedelta(hours=8, minutes=30), local(2026, 1, 20, 8, 30), id="a-working-day-exactly"),
    ],
)
def test_subtract_business_time_walks_back_over_closed_time(end, duration, expected):
    assert OFFICE.subtract_business_time(end, duration) == expected.astimezone(UTC)


def test_subtract_business_time_skips_lunch_and_shutdown_days():
    # Monday 19 January 09:00 minus 3 hours: Friday 16 January is the shutdown day.
    assert OFFICE_WITH_SHUTDOWN.subtract_business_time(local(2026, 1, 19, 9, 0), hours(3)) == local(
        2026, 1, 15, 14, 30
    ).astimezone(UTC)
    assert OFFICE_WITH_LUNCH.subtract_business_time(local(2026, 1, 21, 13, 0), hours(1)) == local(
        2026, 1, 21, 11, 30
    ).astimezone(UTC)


@pytest.mark.parametrize("duration", [hours(0.5), hours(4), hours(8.5), hours(30)])
def test_subtract_business_time_is_undone_by_business_time_between(duration):
    end = local(2026, 3, 30, 10, 15)  # the Monday after the spring DST change
    start = OFFICE_WITH_LUNCH.subtract_business_time(end, duration)
    assert OFFICE_WITH_LUNCH.business_time_between(start, end) == duration
    # The latest such moment: a minute later, less working time lies before the end.
    assert OFFICE_WITH_LUNCH.business_time_between(start + timedelta(minutes=1), end) < duration


def test_subtract_business_time_refuses_naive_and_negative_input():
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.subtract_business_time(datetime(2026, 1, 21, 12, 0), hours(1))
    with pytest.raises(ValueError, match="negative"):
        OFFICE.subtract_business_time(local(2026, 1, 21, 12, 0), hours(-1))
