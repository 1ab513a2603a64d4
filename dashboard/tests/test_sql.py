"""The portable SQL pieces give PostgreSQL's numbers on SQLite too."""

import random
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection
from django.db.models import F, Q, Value

from dashboard.sql import (
    EarliestOf,
    Percentiles,
    SecondsBetween,
    WidthBucket,
    percentile_cont,
    seconds_between,
    width_bucket,
)
from leads.models import Lead


def test_percentile_cont_interpolates_between_neighbours():
    assert percentile_cont([10.0], 0.9) == 10.0
    assert percentile_cont([0.0, 10.0], 0.5) == 5.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.9) == 3.7
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.0) == 1.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0


def test_seconds_between_splits_off_whole_days_like_postgresql():
    assert seconds_between("2026-11-02 10:00:00", "2026-11-01 09:00:00") == 90000.0
    assert seconds_between("2026-11-01 09:00:00", "2026-11-02 10:00:00") == -90000.0
    assert seconds_between("2026-11-01 09:00:00.250000", "2026-11-01 09:00:00") == 0.25
    assert seconds_between(None, "2026-11-01 09:00:00") is None


def test_width_bucket_counts_an_edge_in_the_bucket_it_starts():
    assert [width_bucket(v, "10.0,20.0") for v in (-1, 9.99, 10, 19.9, 20, 1e9)] == [0, 0, 1, 1, 2, 2]
    assert width_bucket(None, "10.0") is None


@pytest.mark.django_db
def test_the_sql_pieces_agree_with_the_python_definitions_on_this_database():
    """On SQLite this runs our registered functions, on PostgreSQL its own: same numbers."""
    rng = random.Random(4)
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    created = []
    for _ in range(60):
        arrived = start + timedelta(microseconds=rng.randrange(10**13))
        mql = arrived + timedelta(microseconds=rng.randrange(10**12)) if rng.random() < 0.7 else None
        sql = arrived + timedelta(microseconds=rng.randrange(10**12)) if rng.random() < 0.5 else None
        created.append(Lead.objects.create(created_at=arrived, mql_at=mql, sql_at=sql))

    earliest = EarliestOf(F("mql_at"), F("sql_at"))
    rows = Lead.objects.annotate(
        earliest=earliest,
        seconds=SecondsBetween(earliest, F("created_at")),
        bucket=WidthBucket(SecondsBetween(earliest, F("created_at")), (3600.0, 86400.0 * 30)),
    ).order_by("pk")
    expected_seconds = []
    for lead, row in zip(created, rows):
        moments = [m for m in (lead.mql_at, lead.sql_at) if m is not None]
        assert row.earliest == (min(moments) if moments else None)
        if moments:
            # What PostgreSQL computes: the difference in microseconds, whole days split off.
            micro = (min(moments) - lead.created_at) // timedelta(microseconds=1)
            days = abs(micro) // 86_400_000_000 * (1 if micro >= 0 else -1)
            expected = (micro - days * 86_400_000_000) / 1000000.0 + 86400.0 * days
            assert row.seconds == expected
            assert row.bucket == (0 if expected < 3600 else 1 if expected < 86400 * 30 else 2)
            expected_seconds.append(expected)
        else:
            assert row.seconds is None and row.bucket is None

    values = sorted(expected_seconds)
    result = Lead.objects.aggregate(
        p=Percentiles(SecondsBetween(earliest, F("created_at")), (0.5, 0.9, 0.25)),
        none=Percentiles(Value(1.0), (0.5,), filter=Q(pk__lt=0)),
    )
    assert result["p"] == [percentile_cont(values, f) for f in (0.5, 0.9, 0.25)]
    assert result["none"] is None


def test_percentiles_refuse_fractions_outside_zero_to_one():
    with pytest.raises(ValueError):
        Percentiles(F("pk"), (1.5,))


@pytest.mark.postgres
@pytest.mark.django_db
def test_our_sqlite_functions_repeat_postgresql_bit_for_bit():
    rng = random.Random(7)
    with connection.cursor() as cursor:
        for _ in range(200):
            earlier = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=rng.randrange(10**13))
            later = earlier + timedelta(microseconds=rng.randrange(-(10**12), 10**13))
            cursor.execute("SELECT date_part('epoch', %s::timestamptz - %s::timestamptz)", [later, earlier])
            stored = "%Y-%m-%d %H:%M:%S.%f"
            assert cursor.fetchone()[0] == seconds_between(later.strftime(stored), earlier.strftime(stored))
        values = [rng.uniform(-1e6, 1e7) for _ in range(101)]
        cursor.execute(
            "SELECT percentile_cont(ARRAY[0.5, 0.9, 0.33]::float8[]) WITHIN GROUP (ORDER BY v) FROM unnest(%s::float8[]) v",
            [values],
        )
        assert cursor.fetchone()[0] == [percentile_cont(sorted(values), f) for f in (0.5, 0.9, 0.33)]
