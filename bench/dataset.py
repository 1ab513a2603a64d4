"""Build the benchmark database: a million demo leads (about ten million activities) in minutes.

    .venv/bin/python bench/dataset.py --leads 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/handoff_bench

The database is created when missing and must hold no leads. Phases, each timed with the
load average beside it: migrate; `seeddemo --leads BASE --until DAY` (the real demo, 20,000
leads by default); `demo.replicate.replicate` copies that base inside PostgreSQL until there
are --leads leads (ids and keys shifted per copy, moments moved back over three years in whole
weeks, unique texts marked; secondary indexes and foreign keys dropped during the load and
built and validated after it); VACUUM (ANALYZE); `leads.rollups.rebuild` (what
`manage.py rebuildrollups` runs) and VACUUM (ANALYZE) of the rollups. Last, it checks that every copied table holds copies × its
base rows and that the rollups count every lead.

`bench/dashboard.py --build` and `bench/rescore.py` (on an empty database) build through it.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_LEADS = 20_000


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:4.1f}/{five:4.1f}"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgres://user@host:port/name")
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads in the end (default 1,000,000)")
    parser.add_argument("--base", type=int, default=BASE_LEADS, help=f"leads seeddemo writes, to be copied (default {BASE_LEADS:,})")
    parser.add_argument("--until", type=date.fromisoformat, default=date(2026, 11, 20), help="the base's last day (default 2026-11-20)")
    parser.add_argument("--workers", type=int, default=2, help="database connections loading at once (default 2)")
    return parser.parse_args(argv)


def create_database_if_missing(database_url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            server.execute(f'CREATE DATABASE "{name}"')
            print(f"Created the database {name}.")


def copies_for(leads: int, base: int) -> int:
    if base < 1 or leads < base or leads % base:
        raise SystemExit(f"--leads ({leads:,}) must be a whole multiple of --base ({base:,})")
    return leads // base


def build(*, leads: int, base: int, until: date, workers: int = 2) -> None:
    """Migrate, seed the base, replicate, vacuum and roll up the configured database, printing
    each phase's time. Django must be set up on an empty PostgreSQL database."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from demo.replicate import DERIVED, copied_models, replicate, vacuum_analyze
    from leads.models import ActivityRollup, CohortRollup, Lead
    from leads.rollups import rebuild

    copies = copies_for(leads, base)
    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark database is PostgreSQL: pass --database-url postgres://…")
    began = time.perf_counter()

    def timed(name, function):
        started = time.perf_counter()
        result = function()
        print(f"{name}: {time.perf_counter() - started:.1f}s  ({load()})", flush=True)
        return result

    timed("migrate", lambda: call_command("migrate", verbosity=0))
    if Lead.objects.exists():
        raise SystemExit(f"{connection.settings_dict['NAME']} holds leads already: build into an empty database")
    timed(f"seeddemo --leads {base:,} --until {until}", lambda: call_command(
        "seeddemo", "--leads", str(base), "--until", until.isoformat(), verbosity=0, stdout=io.StringIO()))
    base_rows = {}
    with connection.cursor() as cursor:
        for model in copied_models():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)}")
            base_rows[model._meta.db_table] = cursor.fetchone()[0]
    print(f"replicate: {copies} copies of the base", flush=True)
    result = timed("replicate", lambda: replicate(copies, workers=workers, report=lambda line: print(line, flush=True)))
    timed("VACUUM (ANALYZE) of the copied tables", lambda: vacuum_analyze(workers=workers))
    written = timed("rebuildrollups", lambda: rebuild(Lead.objects))
    timed("VACUUM (ANALYZE) of the rollups", lambda: vacuum_analyze(of=DERIVED, workers=workers))

    wrong = {t: (rows, base_rows[t] * copies) for t, rows in result.rows.items() if rows != base_rows[t] * copies}
    if wrong:
        raise SystemExit(f"Row counts are not copies × base: {wrong}")
    rolled_up = CohortRollup.objects.filter(grouping="all").aggregate(leads=Sum("leads"))["leads"]
    by_event_day = ActivityRollup.objects.filter(grouping="all").aggregate(leads=Sum("leads"))["leads"]
    total = Lead.objects.count()
    if rolled_up != total or by_event_day != total or written["leads"] != total:
        raise SystemExit(f"The rollups count {rolled_up:,} leads ({by_event_day:,} by event day), the table holds {total:,}")
    print(f"\n{total:,} leads, {result.rows['leads_activity']:,} activities, {result.rows['leads_company']:,} companies; "
          f"rollups: {written['cohort_rows']:,} cohort rows, {written['time_rows']:,} lead-time rows, "
          f"{written['activity_rows']:,} activity rows, {written['activity_time_rows']:,} activity lead-time rows; every copied table "
          f"holds {copies} × its base rows and the rollups count every lead")
    print(f"Total: {time.perf_counter() - began:.1f}s ({(time.perf_counter() - began) / 60:.1f} min) on "
          f"{os.cpu_count()} CPUs  ({load()})", flush=True)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings")
    os.environ.setdefault("DEBUG", "false")  # no query log
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    import django

    django.setup()


def main(argv=None) -> int:
    args = parse_args(argv)
    copies_for(args.leads, args.base)
    create_database_if_missing(args.database_url)
    setup_django(args.database_url)
    build(leads=args.leads, base=args.base, until=args.until, workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
