from datetime import UTC, date, datetime

import pytest

from review.weeks import IsoWeek


def test_a_week_is_read_as_the_week_picker_writes_it():
    assert IsoWeek.parse("2026-W46") == IsoWeek(2026, 46)
    assert str(IsoWeek(2026, 5)) == "2026-W05"


@pytest.mark.parametrize("text", ["2026-46", "2026-W54", "2025-W53", "2026-W00", "week 4", ""])
def test_a_week_that_does_not_exist_is_refused(text):
    with pytest.raises(ValueError):
        IsoWeek.parse(text)


def test_week_53_exists_in_a_long_year():
    assert IsoWeek.parse("2026-W53").monday == date(2026, 12, 28)


def test_last_complete_week_is_counted_in_the_business_time_zone():
    # Sunday 23:30 UTC is already Monday 00:30 in Amsterdam: the week just ended is complete.
    assert IsoWeek.last_complete(datetime(2026, 11, 15, 23, 30, tzinfo=UTC)) == IsoWeek(2026, 46)
    assert IsoWeek.last_complete(datetime(2026, 11, 15, 22, 30, tzinfo=UTC)) == IsoWeek(2026, 45)


def test_a_week_with_a_dst_change_is_one_hour_short():
    week = IsoWeek(2027, 12)  # Sunday 28 March 2027: 02:00 → 03:00
    assert week.start_at == datetime(2027, 3, 21, 23, 0, tzinfo=UTC)
    assert week.end_at == datetime(2027, 3, 28, 22, 0, tzinfo=UTC)
    assert (week.end_at - week.start_at).total_seconds() == 7 * 86400 - 3600


def test_shifting_crosses_the_year():
    assert IsoWeek(2027, 1).shifted(-1) == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).shifted(1) == IsoWeek(2027, 1)
