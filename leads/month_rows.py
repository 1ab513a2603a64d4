"""Month rows: beside each day row of a rollup table keyed by RollupKey, its month's (the same
sums over the business day's calendar month, grouping MONTH + the set's name, day the month's
first). A period reads its whole months from month rows, its ragged edges from day rows
(`period_q`). A refresh adds each difference to both (`with_month_rows`); a rebuild sums the
day rows it wrote (`add_month_rows`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection
from django.db.models import Q

MONTH = "m:"  # a grouping name and this must fit RollupKey.grouping (20 characters)


def with_month_rows(rows: list[tuple], key_length: int) -> list[tuple]:
    """Day rows (grouping, day, the rest of the key…, sums…) and their month rows, added up,
    in key order. `key_length` counts the key's columns, grouping and day included."""
    months: dict[tuple, list] = {}
    for row in rows:
        key = (MONTH + row[0], row[1].replace(day=1), *row[2:key_length])
        if (total := months.get(key)) is None:
            months[key] = list(row[key_length:])
        else:
            for i, value in enumerate(row[key_length:]):
                total[i] += value
    added = [(*key, *values) for key, values in months.items() if any(values)]
    return sorted([*rows, *added], key=key_order)


def add_month_rows(model, key: Iterable[str], sums: Iterable[str]) -> int:
    """Write the month rows of a table that holds only day rows (just rebuilt): one INSERT …
    SELECT summing its day rows per month. Returns how many it wrote."""
    q = connection.ops.quote_name
    columns = {name: model._meta.get_field(name).column for name in [*key, *sums]}
    rest = [q(columns[name]) for name in key if name not in ("grouping", "day")]
    month = (
        f"CAST(date_trunc('month', {q('day')}) AS date)" if connection.vendor == "postgresql"
        else f"date({q('day')}, 'start of month')"
    )
    table = q(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({q('grouping')}, {q('day')}, {', '.join(rest)}, "
        f"{', '.join(q(columns[name]) for name in sums)}) "
        f"SELECT %s || {q('grouping')}, {month}, {', '.join(rest)}, "
        f"{', '.join(f'SUM({q(columns[name])})' for name in sums)} FROM {table} "
        f"WHERE {q('grouping')} NOT LIKE %s GROUP BY {q('grouping')}, {month}, {', '.join(rest)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [MONTH, MONTH + "%"])
        return cursor.rowcount


def period_q(grouping: str, first_day: date, last_day: date, *, months: bool = True, cuts: Iterable[date] = ()) -> Q:
    """The rollup rows of `grouping` that sum the days first_day … last_day (inclusive): the
    month rows of the whole months in it, the day rows of the rest. `months=False` reads day
    rows only (for a figure that groups by day or week). A month holding a day of `cuts` is
    read as days too, so that a later filter on `day > cut` stays exact."""
    q = Q()
    for span in period_spans(grouping, first_day, last_day, months=months, cuts=cuts):
        q |= span
    return q


def period_spans(grouping: str, first_day: date, last_day: date, *, months: bool = True, cuts: Iterable[date] = ()) -> list[Q]:
    """`period_q` as the rows of one range each (the month rows first): read them with one
    query each, or a UNION ALL, for an index range scan per range instead of a bitmap of all."""
    whole = _whole_months(first_day, last_day, cuts) if months else []
    spans = [Q(grouping=MONTH + grouping, day__in=whole)] if whole else []
    start = first_day
    for month in [*whole, None]:
        end = last_day if month is None else month - timedelta(days=1)
        if start <= end:
            spans.append(Q(grouping=grouping, day__gte=start, day__lte=end))
        if month is not None:
            start = _next_month(month)
    return spans or [Q(grouping=grouping, day__gte=first_day, day__lte=last_day)]  # (matches nothing)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _whole_months(first_day: date, last_day: date, cuts: Iterable[date]) -> list[date]:
    """The first days of the months wholly in first_day … last_day that no cut falls inside
    (a cut on a month's last day splits nothing)."""
    cuts = list(cuts)
    month, found = first_day if first_day.day == 1 else _next_month(first_day), []
    while (end := _next_month(month) - timedelta(days=1)) <= last_day:
        if not any(month <= cut < end for cut in cuts):
            found.append(month)
        month = _next_month(month)
    return found


def key_order(row: tuple):
    """The order rows are written in, so that concurrent writers lock shared rows in the same
    order and never wait for each other crosswise."""
    return tuple(str(v) for v in row)
