"""SQL building blocks that give the same numbers on PostgreSQL and SQLite.

PostgreSQL has what the funnel needs built in (`LEAST` skipping NULLs, `date_part('epoch')`,
`percentile_cont`); SQLite gets the same functions registered on each new connection, written
to repeat PostgreSQL's floating-point arithmetic step by step so both databases agree to the
last bit. `test_sql.py` checks that claim against a real PostgreSQL.
"""

from __future__ import annotations

import bisect
import json
import math
from datetime import datetime, timedelta, timezone

from django.db import models
from django.db.backends.signals import connection_created
from django.db.models import Aggregate, Func

# Stands in for NULL in SQLite's MIN(): later than any stored timestamp, and text-comparable
# with the way Django stores them there ("YYYY-MM-DD HH:MM:SS[.ffffff]").
_SQLITE_NEVER = "9999-12-31 23:59:59"
_EPOCH = datetime(1970, 1, 1)
_USECS_PER_DAY = 86_400_000_000
_ONE_MICROSECOND = timedelta(microseconds=1)


def _listed(numbers: tuple[float, ...]) -> str:
    """Floats written into the SQL itself (they come from our code, never from a request)."""
    return ",".join(repr(float(n)) for n in numbers)


class EarliestOf(Func):
    """The earliest of several timestamps, ignoring the empty ones (NULL when all are)."""

    function = "LEAST"
    output_field = models.DateTimeField()

    def __init__(self, *expressions):
        if len(expressions) < 2:
            raise ValueError("EarliestOf needs at least two expressions; use F() for one.")
        super().__init__(*expressions)

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's scalar MIN() is NULL as soon as one argument is NULL: a far-future stand-in
        # takes NULL's place, and becomes NULL again afterwards.
        wrapped = self.copy()
        wrapped.set_source_expressions(
            [
                Func(e, models.Value(_SQLITE_NEVER), function="COALESCE", output_field=self.output_field)
                for e in self.get_source_expressions()
            ]
        )
        return Func.as_sql(
            wrapped,
            compiler,
            connection,
            template=f"NULLIF(MIN(%(expressions)s), '{_SQLITE_NEVER}')",
            **extra_context,
        )


class SecondsBetween(Func):
    """`later - earlier` in seconds, as a float (PostgreSQL's `date_part('epoch', interval)`)."""

    output_field = models.FloatField()

    def __init__(self, later, earlier):
        super().__init__(later, earlier)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="date_part('epoch', %(expressions)s)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, function="handoff_seconds_between", **extra_context
        )


class FloatListField(models.Field):
    """A list of floats: a float8[] from PostgreSQL, JSON text from our SQLite aggregate."""

    def get_internal_type(self):
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return json.loads(value)
        return value


class Percentiles(Aggregate):
    """Continuous percentiles (`percentile_cont`) of an expression, one sort for all of them.

    Returns a list with one value per fraction, or None when there are no rows."""

    name = "Percentiles"
    output_field = FloatListField()

    def __init__(self, expression, fractions: tuple[float, ...], **extra):
        if not fractions or not all(0 <= f <= 1 for f in fractions):
            raise ValueError("Percentile fractions lie between 0 and 1.")
        self.fractions = tuple(float(f) for f in fractions)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=(
                f"percentile_cont(ARRAY[{_listed(self.fractions)}]::float8[]) "
                "WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
            ),
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"handoff_percentiles(%(expressions)s, '{_listed(self.fractions)}')%(filter)s",
            **extra_context,
        )

    def _get_repr_options(self):
        return {**super()._get_repr_options(), "fractions": self.fractions}


class WidthBucket(Func):
    """Which of the buckets starting at `edges` holds the value: 0 below the first edge, 1 from
    the first edge up to the second, …, len(edges) from the last edge on (PostgreSQL's
    `width_bucket` with an array of thresholds). NULL for NULL."""

    output_field = models.IntegerField()

    def __init__(self, expression, edges: tuple[float, ...]):
        if list(edges) != sorted(edges):
            raise ValueError("Bucket edges go from low to high.")
        self.edges = tuple(float(e) for e in edges)
        super().__init__(expression)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"width_bucket(%(expressions)s, ARRAY[{_listed(self.edges)}]::float8[])",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"handoff_width_bucket(%(expressions)s, '{_listed(self.edges)}')",
            **extra_context,
        )


# --- PostgreSQL's arithmetic, repeated for SQLite -------------------------------------------


def _microseconds_since_epoch(stored: str) -> int:
    moment = datetime.fromisoformat(stored)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return (moment - _EPOCH) // _ONE_MICROSECOND


def seconds_between(later: str | None, earlier: str | None) -> float | None:
    """What PostgreSQL's `date_part('epoch', later - earlier)` returns for two timestamptz.

    The subtraction gives an interval whose whole days are split off (`interval_justify_hours`,
    truncating towards zero); the epoch of that interval is `time / 1e6 + 86400.0 * days`."""
    if later is None or earlier is None:
        return None
    difference = _microseconds_since_epoch(later) - _microseconds_since_epoch(earlier)
    days = abs(difference) // _USECS_PER_DAY * (1 if difference >= 0 else -1)
    time = difference - days * _USECS_PER_DAY
    return time / 1000000.0 + 86400.0 * days


def percentile_cont(values: list[float], fraction: float) -> float:
    """PostgreSQL's `percentile_cont` over sorted `values`, with its interpolation steps."""
    row = fraction * (len(values) - 1)
    first_row, second_row = math.floor(row), math.ceil(row)
    first = values[first_row]
    if first_row == second_row:
        return first
    second = values[second_row]
    return first + (row - first_row) * (second - first)


def width_bucket(value: float | None, edges: str) -> int | None:
    if value is None:
        return None
    return bisect.bisect_right([float(e) for e in edges.split(",")], value)


class _SQLitePercentiles:
    def __init__(self):
        self.values: list[float] = []
        self.fractions: list[float] = []

    def step(self, value, fractions):
        if not self.fractions:
            self.fractions = [float(f) for f in fractions.split(",")]
        if value is not None:
            self.values.append(float(value))

    def finalize(self):
        if not self.values:
            return None
        self.values.sort()
        return json.dumps([percentile_cont(self.values, f) for f in self.fractions])


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "handoff_seconds_between", 2, seconds_between, deterministic=True
    )
    connection.connection.create_function(
        "handoff_width_bucket", 2, width_bucket, deterministic=True
    )
    connection.connection.create_aggregate("handoff_percentiles", 2, _SQLitePercentiles)


def connect_signals() -> None:
    connection_created.connect(register_sqlite_functions, dispatch_uid="handoff_sqlite_sql")
