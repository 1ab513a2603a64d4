"""Month rows (leads.month_rows): a period reads its whole months from them and its ragged
edges from day rows, and each day row is added to its month's row."""

from datetime import date

from django.db.models import Q

from leads import month_rows
from leads.models import CohortRollup
from leads.models.rollup import GROUPING_SETS


def test_a_period_reads_its_whole_months_from_month_rows_and_the_ragged_edges_from_day_rows():
    d = date

    def read(first, last, **kwargs):
        return month_rows.period_q("team", first, last, **kwargs)

    # Mid-month to mid-month: the days of the edges, the months between.
    assert read(d(2026, 1, 15), d(2026, 4, 10)) == (
        Q(grouping="m:team", day__in=[d(2026, 2, 1), d(2026, 3, 1)])
        | Q(grouping="team", day__gte=d(2026, 1, 15), day__lte=d(2026, 1, 31))
        | Q(grouping="team", day__gte=d(2026, 4, 1), day__lte=d(2026, 4, 10))
    )
    # Whole months only (December into January, February of a leap year), one whole month.
    assert read(d(2023, 12, 1), d(2024, 2, 29)) == Q(grouping="m:team", day__in=[d(2023, 12, 1), d(2024, 1, 1), d(2024, 2, 1)])
    assert read(d(2026, 10, 1), d(2026, 10, 31)) == Q(grouping="m:team", day__in=[d(2026, 10, 1)])
    # Within one month, or with the month rows turned off: days only.
    assert read(d(2026, 10, 2), d(2026, 10, 31)) == Q(grouping="team", day__gte=d(2026, 10, 2), day__lte=d(2026, 10, 31))
    assert read(d(2026, 10, 1), d(2026, 10, 31), months=False) == Q(grouping="team", day__gte=d(2026, 10, 1), day__lte=d(2026, 10, 31))
    # A cut inside a month reads that month as days; one on its last day splits nothing.
    assert read(d(2026, 9, 1), d(2026, 11, 30), cuts=[d(2026, 10, 21), d(2026, 11, 30)]) == (
        Q(grouping="m:team", day__in=[d(2026, 9, 1), d(2026, 11, 1)])
        | Q(grouping="team", day__gte=d(2026, 10, 1), day__lte=d(2026, 10, 31))
    )
    # An empty period matches nothing.
    assert read(d(2026, 10, 2), d(2026, 10, 1)) == Q(grouping="team", day__gte=d(2026, 10, 2), day__lte=d(2026, 10, 1))


def test_each_day_row_is_added_to_its_months_row_too():
    rows = [("all", date(2026, 10, 31), "x", 1, 2), ("all", date(2026, 10, 1), "x", 3, -2), ("all", date(2026, 11, 1), "x", 1, 0)]
    assert month_rows.with_month_rows(rows, 3) == [
        *sorted(rows, key=month_rows.key_order),
        ("m:all", date(2026, 10, 1), "x", 4, 0),
        ("m:all", date(2026, 11, 1), "x", 1, 0),
    ]
    # Differences that cancel out within a month write no month row.
    assert month_rows.with_month_rows([("all", date(2026, 10, 3), 1), ("all", date(2026, 10, 9), -1)], 2) == [
        ("all", date(2026, 10, 3), 1), ("all", date(2026, 10, 9), -1)
    ]


def test_every_grouping_sets_month_name_fits_its_column():
    length = CohortRollup._meta.get_field("grouping").max_length
    assert all(len(month_rows.MONTH + name) <= length for name in GROUPING_SETS)
