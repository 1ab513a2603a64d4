from datetime import date

import pytest
from django.http import QueryDict

from dashboard.filters import Preset, form_for_query, preset_period

TODAY = date(2026, 11, 18)  # a Wednesday in the fourth quarter


@pytest.mark.parametrize(
    "preset, expected",
    [
        (Preset.THIS_WEEK, (date(2026, 11, 16), TODAY)),
        (Preset.LAST_WEEK, (date(2026, 11, 9), date(2026, 11, 15))),
        (Preset.THIS_MONTH, (date(2026, 11, 1), TODAY)),
        (Preset.LAST_MONTH, (date(2026, 10, 1), date(2026, 10, 31))),
        (Preset.THIS_QUARTER, (date(2026, 10, 1), TODAY)),
        (Preset.LAST_QUARTER, (date(2026, 7, 1), date(2026, 9, 30))),
        (Preset.THIS_YEAR, (date(2026, 1, 1), TODAY)),
        (Preset.LAST_YEAR, (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_each_preset_is_a_period_of_business_days(preset, expected):
    assert preset_period(preset, today=TODAY) == expected


def test_last_quarter_and_last_month_in_january_are_in_the_year_before():
    assert preset_period(Preset.LAST_QUARTER, today=date(2027, 1, 5)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert preset_period(Preset.LAST_MONTH, today=date(2027, 1, 5)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert preset_period(Preset.LAST_WEEK, today=date(2027, 1, 4)) == (date(2026, 12, 28), date(2027, 1, 3))


@pytest.mark.django_db
def test_a_preset_replaces_the_dates_even_bad_ones():
    form = form_for_query(QueryDict("period=last_month&start=nonsense&by=owner"), today=TODAY)

    assert form.is_valid(), form.errors
    filters = form.filters()
    assert (filters.first_day, filters.last_day, filters.by) == (date(2026, 10, 1), date(2026, 10, 31), "owner")
    assert filters.as_query()["start"] == "2026-10-01" and "period" not in filters.as_query()


@pytest.mark.django_db
def test_an_unknown_dimension_is_refused():
    assert "by" in form_for_query(QueryDict("by=horoscope"), today=TODAY).errors
