"""Benchmark: re-score every lead under the active qualification policy, in bulk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handoff_bench .venv/bin/python bench/rescore.py

Target: 1,000,000 leads with about 10,000,000 activities on PostgreSQL in a few minutes, under
1 GB peak memory. The database is migrated first; when it holds no leads, `seeddemo --leads N
--until DAY` builds them (in a separate process, so its memory does not count; about 15 minutes
for a million). Without an active policy the demo policy is created. Prints the figures.
Running it again re-scores the same leads (the first run may also move open leads).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import datetime, time as day_time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000, help="Leads to seed into an empty database.")
    parser.add_argument("--until", default="2026-11-20", help="Last day of the demo year; re-scoring happens as of its end.")
    parser.add_argument("--chunk", type=int, default=20_000, help="Leads per transaction.")
    parser.add_argument("--scores-only", action="store_true", help="Store scores, move no lead.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from leads.models import Activity, Company, Lead
    from qualification.bulk import rescore_leads
    from qualification.demo import ensure_demo_policy
    from qualification.models import QualificationPolicy

    if connection.vendor != "postgresql":
        print("Note: the target is for PostgreSQL; this database is", connection.vendor)
    call_command("migrate", verbosity=0)
    if not Lead.objects.exists():
        print(f"Empty database: seeding {args.leads:,} demo leads (once)…", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "seeddemo", "--leads", str(args.leads), "--until", args.until],
            check=True,
        )
    zone = ZoneInfo(settings.BUSINESS_TIME_ZONE)
    now = datetime.combine(datetime.fromisoformat(args.until).date(), day_time(23, 59, 59), zone).astimezone(timezone.utc)
    ensure_demo_policy(now=now)
    # A freshly loaded (or copied) database has no planner statistics until autovacuum gets
    # to it; without them PostgreSQL scans whole tables for every chunk.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Lead, Activity, Company):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    policy = QualificationPolicy.objects.with_rules().active()
    leads = Lead.objects.count()
    activities = Activity.objects.count()
    print(f"{leads:,} leads, {activities:,} activities; policy v{policy.version}; as of {now:%Y-%m-%d %H:%M} UTC")

    before = peak_rss_mb()
    started = time.perf_counter()
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if done % (args.chunk * 10) < count or done == leads:
            elapsed = time.perf_counter() - started
            print(f"  {done:>9,} leads  {elapsed:6.1f} s  {done / elapsed:8,.0f} leads/s  peak {peak_rss_mb():6.0f} MB", flush=True)

    stats = rescore_leads(
        policy.snapshot(), now=now, open_only=False, move=not args.scores_only,
        chunk_size=args.chunk, progress=progress,
    )
    elapsed = time.perf_counter() - started
    print(
        f"\nRe-scored {stats.scored:,} leads ({activities:,} activities) in {elapsed:.1f} s "
        f"= {stats.scored / elapsed:,.0f} leads/s\n"
        f"Stage changes: {stats.qualified:,} to MQL, {stats.disqualified:,} disqualified, "
        f"{stats.nurtured:,} to nurture ({stats.moving_seconds:.1f} s of the run moving leads)\n"
        f"Peak memory of this process: {peak_rss_mb():.0f} MB "
        f"({before:.0f} MB before re-scoring: Python, Django and the connection)"
    )


if __name__ == "__main__":
    main()
