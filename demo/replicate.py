"""Grow a demo data set inside PostgreSQL: k copies of every row that hangs off a lead or a
company, written with INSERT … SELECT, for benchmarks at a million leads.

`seeddemo` tells each lead's story in Python (about 36 s for 20,000 leads); a million that way
takes well over an hour. Replicating a modest base keeps every invariant `seeddemo` keeps
(stage stamps, assignments, clocks, attempts, feedback, notifications, account events,
scores) because each copy is the base moved as a whole: its primary keys and the foreign keys
between its rows shifted by n × (highest id + 1) of the table they point to, its moments moved
back in whole weeks, its unique texts marked with the copy. Rows that belong to no lead or
company (people, teams, routing, campaigns, policies) stay shared.

Which tables and columns are copied, and how, is read from the models: a model is copied when
it has a foreign key to a copied model (starting from Lead and Company), and each of its
columns must have a rule below — a column none of them covers (an integer that names another
row without a foreign key, an expression-only unique constraint) stops the build before it
writes anything. The rollups are not copied: `leads.rollups.rebuild` computes them afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.db import connection, connections, models

from common.bulk import reset_sequences
from leads.models import (
    ActivityLeadTimeRollup,
    ActivityRollup,
    ActivitySpeedRollup,
    CohortRollup,
    Company,
    Lead,
    LeadTimeRollup,
    RolledUpLead,
    SpeedRollup,
)

ROOTS = (Lead, Company)
# Computed from the leads by leads.rollups.rebuild, which the caller runs afterwards.
DERIVED = (
    CohortRollup, LeadTimeRollup, ActivityRollup, ActivityLeadTimeRollup, RolledUpLead, SpeedRollup, ActivitySpeedRollup,
)
# The copies take turns over the years before the base's (52 weeks apart, so weekdays stay),
# and within a year over a few whole weeks, so that the rollups see more than one date per
# story.
YEARS = 3
WEEKS_WITHIN_A_YEAR = 4


class UnplannedColumn(Exception):
    """A copied model has a column no replication rule covers."""


def copy_shift(n: int) -> timedelta:
    """How far back copy n's moments move (copy 0 is the base itself)."""
    return timedelta(weeks=52 * (n % YEARS) + (n // YEARS) % WEEKS_WITHIN_A_YEAR)


def copied_models() -> list[type[models.Model]]:
    """Lead, Company and every model with a foreign key to a copied model, transitively."""
    copied = list(ROOTS)
    found = True
    while found:
        found = False
        for model in apps.get_models(include_auto_created=True):
            if model in copied or model._meta.proxy or not model._meta.managed:
                continue
            if any(f.is_relation and f.related_model in copied for f in model._meta.concrete_fields):
                copied.append(model)
                found = True
    return copied


def _unique_sets(model) -> list[tuple[str, ...]]:
    meta = model._meta
    sets = [(f.name,) for f in meta.concrete_fields if f.unique and not f.primary_key]
    sets += [tuple(names) for names in meta.unique_together]
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            if constraint.expressions:
                raise UnplannedColumn(
                    f"{meta.label}: unique constraint {constraint.name} is on expressions; "
                    "say in demo/replicate.py how copies keep it"
                )
            sets.append(tuple(constraint.fields))
    return sets


def _is_text(f) -> bool:
    return isinstance(f, (models.CharField, models.TextField)) and not f.is_relation


def marked_columns(model, copied) -> set[str]:
    """The text columns that must differ per copy: per unique constraint that no copied key
    already makes unique, its last text column (`external_id` after `source_system`)."""
    marked = set()
    for names in _unique_sets(model):
        fields = [model._meta.get_field(name) for name in names]
        if any(f.primary_key or (f.is_relation and f.related_model in copied) for f in fields):
            continue
        texts = [f for f in fields if _is_text(f)]
        if not texts:
            raise UnplannedColumn(
                f"{model._meta.label}: unique on {names} has neither a copied key nor a text to mark"
            )
        marked.add(texts[-1].column)
    return marked


@dataclass
class Plan:
    """One copied table: its columns and, for each, the SQL that writes copy n's value."""

    model: type[models.Model]
    columns: list[str] = field(default_factory=list)
    expressions: list[str] = field(default_factory=list)

    @property
    def table(self) -> str:
        return self.model._meta.db_table


def plan_for(model, copied) -> Plan:
    """How each column of `model` is written in a copy, or UnplannedColumn."""
    plan = Plan(model)
    marked = marked_columns(model, copied)
    q = connection.ops.quote_name
    for f in model._meta.concrete_fields:
        column = q(f.column)
        if isinstance(f, models.GeneratedField):
            continue  # PostgreSQL computes it
        if f.is_relation:
            if f.related_model not in copied:
                expression = column  # shared rows: a user, a team, a campaign
            elif not f.target_field.primary_key:
                raise UnplannedColumn(f"{model._meta.label}.{f.name} points at a column other than an id")
            else:
                expression = f"{column} + %(n)s * %(offset_{f.related_model._meta.db_table})s"
        elif f.primary_key:
            if not isinstance(f, (models.AutoField, models.BigAutoField, models.SmallAutoField)):
                raise UnplannedColumn(f"{model._meta.label}.{f.name}: a primary key that is no id")
            expression = f"{column} + %(n)s * %(offset_{model._meta.db_table})s"
        elif isinstance(f, models.DateTimeField):
            expression = f"{column} - %(shift)s"
        elif isinstance(f, models.DateField):
            expression = f"{column} - %(shift_days)s"
        elif isinstance(f, models.EmailField):
            expression = f"regexp_replace({column}, '@', %(email_mark)s || '@')"
        elif f.column in marked:
            expression = f"CASE WHEN {column} = '' THEN {column} ELSE %(text_mark)s || {column} END"
        elif isinstance(f, models.IntegerField) and f.column.endswith("_id"):
            raise UnplannedColumn(
                f"{model._meta.label}.{f.name} looks like a row's id without a foreign key; "
                "say in demo/replicate.py how copies shift it"
            )
        else:
            expression = column
        plan.columns.append(column)
        plan.expressions.append(expression)
    return plan


def plans() -> list[Plan]:
    """Every copied table's plan, checked before anything is written; also refuses a model
    outside the copied ones that keeps lead or company ids without a foreign key."""
    copied = copied_models()
    for model in apps.get_models(include_auto_created=True):
        if model in copied or model in DERIVED:
            continue
        for f in model._meta.concrete_fields:
            if not f.is_relation and f.column in ("lead_id", "company_id"):
                raise UnplannedColumn(f"{model._meta.label}.{f.name} names a lead or company without a foreign key")
    return [plan_for(model, copied) for model in copied]


@dataclass
class Schema:
    """What is dropped for the load and put back after it, as PostgreSQL prints it."""

    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, definition
    unique_constraints: list[tuple[str, str, str]] = field(default_factory=list)
    indexes: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, CREATE INDEX …


def _secondary_schema(cursor, tables: list[str]) -> Schema:
    schema = Schema()
    cursor.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
           FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
           ORDER BY 1, 2""",
        [tables],
    )
    for table, name, definition, kind in cursor.fetchall():
        (schema.foreign_keys if kind == "f" else schema.unique_constraints).append((table, name, definition))
    # Indexes of their own: not those of the primary key or of a unique constraint.
    cursor.execute(
        """SELECT i.indrelid::regclass::text, x.relname, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
           WHERE i.indrelid = ANY(%s::regclass[])
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
           ORDER BY 1, 2""",
        [tables],
    )
    schema.indexes = list(cursor.fetchall())
    return schema


def _highest_ids(cursor, plans_: list[Plan]) -> dict[str, int]:
    highest = {}
    for plan in plans_:
        pk = connection.ops.quote_name(plan.model._meta.pk.column)
        cursor.execute(f"SELECT coalesce(max({pk}), 0) FROM {connection.ops.quote_name(plan.table)}")
        highest[plan.table] = cursor.fetchone()[0]
    return highest


def _run(statements: list[tuple[str, str, dict | None]], *, workers: int, report: Callable[[str], None]) -> None:
    """Each (label, sql, params) on one of `workers` connections, largest first as given."""

    def execute(item):
        label, sql, params = item
        started = time.perf_counter()
        with connections["default"].cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(sql, params)
        return label, time.perf_counter() - started

    if workers <= 1:
        for item in statements:
            report("    {} {:.1f}s".format(*execute(item)))
        return

    def in_thread(item):
        try:
            return execute(item)
        finally:
            connections["default"].close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for label, seconds in pool.map(in_thread, statements):
            report(f"    {label} {seconds:.1f}s")


@dataclass
class Replicated:
    copies: int
    rows: dict[str, int]  # table → rows after
    seconds: dict[str, float]  # phase → seconds


def replicate(copies: int, *, workers: int = 2, report: Callable[[str], None] = lambda line: None) -> Replicated:
    """Make the database hold `copies` times each copied table's rows (the base counts as one):
    checks every plan, drops the copied tables' secondary indexes and foreign keys, writes copies
    1 … copies-1, builds the indexes and keys again (validating every key) and resets the id
    sequences. PostgreSQL only; run on a database no one else writes to."""
    if connection.vendor != "postgresql":
        raise RuntimeError("Replication runs inside PostgreSQL (INSERT … SELECT); this database is " + connection.vendor)
    if copies < 1:
        raise ValueError("copies must be at least 1")
    all_plans = plans()  # raises before anything is written
    tables = [plan.table for plan in all_plans]
    seconds: dict[str, float] = {}
    q = connection.ops.quote_name

    def phase(name, started):
        seconds[name] = time.perf_counter() - started
        report(f"  {name}: {seconds[name]:.1f}s")

    with connection.cursor() as cursor:
        highest = _highest_ids(cursor, all_plans)
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [tables])
        estimated = dict(cursor.fetchall())
        schema = _secondary_schema(cursor, tables)
        started = time.perf_counter()
        for table, name, _ in schema.foreign_keys + schema.unique_constraints:
            cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
        for _table, name, _ in schema.indexes:
            cursor.execute(f"DROP INDEX {q(name)}")
    phase(f"dropped {len(schema.indexes)} indexes, {len(schema.unique_constraints)} unique constraints, "
          f"{len(schema.foreign_keys)} foreign keys", started)

    offsets = {f"offset_{table}": highest_id + 1 for table, highest_id in highest.items()}
    inserts = []
    # Largest tables first, so that the workers finish together.
    for plan in sorted(all_plans, key=lambda p: -max(estimated.get(p.table, 0), highest[p.table])):
        pk = q(plan.model._meta.pk.column)
        sql = (
            f"INSERT INTO {q(plan.table)} ({', '.join(plan.columns)}) "
            f"SELECT {', '.join(plan.expressions)} FROM {q(plan.table)} WHERE {pk} <= %(base_highest)s"
        )
        for n in range(1, copies):
            shift = copy_shift(n)
            params = {
                **offsets,
                "n": n,
                "shift": shift,
                "shift_days": shift.days,
                "email_mark": f"+c{n}",
                "text_mark": f"c{n}.",
                "base_highest": highest[plan.table],
            }
            inserts.append((f"{plan.table} copy {n}", sql, params))
    try:
        _load(all_plans, schema, inserts, copies=copies, order={p.table: -highest[p.table] for p in all_plans},
              workers=workers, phase=phase, report=report)
    except Exception as error:
        raise RuntimeError(
            "Replication stopped half-way: the copied tables may lack rows, indexes or foreign keys. "
            "Drop the database and build it again."
        ) from error

    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {q(table)}")
            rows[table] = cursor.fetchone()[0]
    return Replicated(copies=copies, rows=rows, seconds=seconds)


def _load(all_plans, schema, inserts, *, copies, order, workers, phase, report) -> None:
    """Write the copies, then build the indexes and validate the keys again."""
    q = connection.ops.quote_name
    started = time.perf_counter()
    _run(inserts, workers=workers, report=lambda line: None)
    phase(f"inserted {copies - 1} copies of {len(all_plans)} tables", started)

    started = time.perf_counter()
    # Largest table's indexes first (`order`: reltuples is stale, so by the base's size).
    builds = [(f"index {name}", definition, None) for table, name, definition in sorted(schema.indexes, key=lambda i: order.get(i[0], 0))]
    builds += [
        (f"unique {name}", f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}", None)
        for table, name, definition in schema.unique_constraints
    ]
    _run(builds, workers=workers, report=report)
    phase(f"built {len(builds)} indexes", started)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table, name, definition in schema.foreign_keys:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition} NOT VALID")
    checks = [
        (f"validate {name}", f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {q(name)}", None)
        for table, name, _ in sorted(schema.foreign_keys, key=lambda k: order.get(k[0], 0))
    ]
    _run(checks, workers=workers, report=lambda line: None)
    reset_sequences(*[plan.model for plan in all_plans])
    phase(f"validated {len(checks)} foreign keys, reset the id sequences", started)


def vacuum_analyze(*, of=None, workers: int = 2, report: Callable[[str], None] = lambda line: None) -> None:
    """VACUUM (ANALYZE) these models' tables (default: every copied one): planner statistics,
    and the visibility map that index-only scans need."""
    q = connection.ops.quote_name
    tables = [model._meta.db_table for model in (of or copied_models())]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s) ORDER BY relpages DESC", [tables])
        ordered = [name for (name,) in cursor.fetchall()]
    _run([(f"vacuum {t}", f"VACUUM (ANALYZE) {q(t)}", None) for t in ordered], workers=workers, report=lambda line: None)
