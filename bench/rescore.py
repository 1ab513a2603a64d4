"""Benchmark: re-score every lead under a qualification policy, in bulk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handoff_bench .venv/bin/python bench/rescore.py

Target: 1,000,000 leads with about 10,000,000 activities on PostgreSQL in a few minutes, under
1 GB peak memory. The database is migrated first; when it holds no leads, bench/dataset.py
builds them (`seeddemo` for a base of 20,000 copied inside PostgreSQL; in a separate process,
so its memory does not count; about ten minutes for a million). Without an active policy the
demo policy is created.

Re-scoring skips the leads whose score comes out the same, so the same policy twice measures
little. Three passes over every lead, storing scores (no lead moves):
  1. a new version (fit threshold +5, pricing page +5 points), as at an activation: most
     scores change;
  2. back to the active version: they change back, which leaves the database as it was;
  3. the active version again: nothing changes (a nightly re-score, say).
With --with-moves a fourth pass re-scores under the active version and moves the leads whose
stage the score changes; on fresh demo data the first such run hands tens of thousands of
leads to sales one by one, which is not what the target is about.

With --decays, last: one day's decays. After the passes every lead knows when time alone next
changes its verdict (`rescore_at`); the worker's step (`qualification.bulk.rescore_due`, in
batches of the worker's size) then re-scores, a day later, every lead whose moment came in
that day, moving leads as a re-score does. Target: one day's decays of 1M leads in seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from datetime import time as day_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings")


def peak_rss_mb() -> float:
    """This process's own peak, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def largest_child_peak_mb() -> float:
    """The peak of the largest child process that has ended (the re-scoring workers), in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def resident_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0  # it just ended
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def child_pids() -> list[int]:
    pids = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


class TotalMemory:
    """The peak of this process's and its children's resident memory added up, sampled every
    0.1 s in a thread: the workers re-score in processes of their own, which this process's
    own peak does not count. (Linux: /proc.)"""

    def __init__(self):
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            total = resident_mb(os.getpid()) + sum(resident_mb(pid) for pid in child_pids())
            self.peak_mb = max(self.peak_mb, total)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000, help="Leads to seed into an empty database.")
    parser.add_argument("--until", default="2026-11-20", help="Last day of the demo year; re-scoring happens as of its end.")
    parser.add_argument("--chunk", type=int, default=20_000, help="Leads per transaction.")
    parser.add_argument("--workers", type=int, default=1, help="Worker processes re-scoring at once (manage.py rescore --workers).")
    parser.add_argument("--with-moves", action="store_true", help="A fourth pass that also moves leads.")
    parser.add_argument("--decays", action="store_true", help="Then re-score one day's decays, as the worker does.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from demo.qualification import ensure_demo_policy
    from leads.models import Activity, Company, Lead
    from qualification.models import QualificationPolicy

    if connection.vendor != "postgresql":
        print("Note: the target is for PostgreSQL; this database is", connection.vendor)
    call_command("migrate", verbosity=0)
    if not Lead.objects.exists():
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            sys.exit("An empty database: bench/dataset.py builds the data on PostgreSQL; set DATABASE_URL=postgres://…")
        print(f"Empty database: building {args.leads:,} demo leads with bench/dataset.py (once)…", flush=True)
        base = min(20_000, args.leads)
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "dataset.py"), "--leads", str(args.leads), "--base", str(base),
             "--until", args.until, "--database-url", os.environ["DATABASE_URL"]],
            check=True,
        )
    zone = ZoneInfo(settings.BUSINESS_TIME_ZONE)
    now = datetime.combine(datetime.fromisoformat(args.until).date(), day_time(23, 59, 59), zone).astimezone(UTC)
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
    draft = new_version_of(policy)
    before = peak_rss_mb()
    passes = [
        (f"v{draft.version}, a new version: fit threshold +5, pricing page +5", draft, False),
        (f"v{policy.version} again, as before the new version", policy, False),
        (f"v{policy.version} once more: nothing to change", policy, False),
    ]
    if args.with_moves:
        passes.append((f"v{policy.version}, moving leads as the scores say", policy, True))
    with TotalMemory() as total:
        try:
            for label, version, move in passes:
                rescore_pass(
                    label, version.snapshot(), now=now, move=move, chunk=args.chunk, leads=leads, workers=args.workers,
                    memory=total,
                )
        finally:
            draft.delete()
        if args.decays:
            decay_day(now=now)
    print(
        f"\nPeak memory of this process: {peak_rss_mb():.0f} MB "
        f"({before:.0f} MB before re-scoring: Python, Django and the connection)"
    )
    if args.workers > 1:
        print(
            f"Peak memory in total, this process and its worker processes added up (sampled every 0.1 s): "
            f"{total.peak_mb:.0f} MB; the largest worker's own peak {largest_child_peak_mb():.0f} MB, so at most "
            f"{peak_rss_mb() + args.workers * largest_child_peak_mb():.0f} MB for this process and {args.workers} workers at their peaks"
        )
    print(f"Load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def new_version_of(policy):
    """A draft copy of `policy` whose changes touch most leads' scores and explanations."""
    from qualification.models import QualificationPolicy

    draft = policy.copy_as_draft(by=None)
    draft.fit_threshold += 5
    draft.notes = "bench/rescore.py: a new version to re-score under (deleted afterwards)"
    draft.save()
    draft.engagement_rules.filter(activity_kind="pricing_page").update(points=25)
    return QualificationPolicy.objects.with_rules().get(pk=draft.pk)


def rescore_pass(label: str, snapshot, *, now, move: bool, chunk: int, leads: int, workers: int, memory) -> None:
    """One pass over every lead; its progress shows the peak of `memory` (a TotalMemory) so
    far, the workers included."""
    from qualification.bulk import rescore_leads

    print(f"\n{label}" + (f" ({workers} workers)" if workers > 1 else ""), flush=True)
    started = time.perf_counter()
    done = 0

    def progress(count: int) -> None:  # with several workers, called as their reports come in
        nonlocal done
        done += count
        if done % (chunk * 10) < count or done == leads:
            elapsed = time.perf_counter() - started
            print(f"  {done:>9,} leads  {elapsed:6.1f} s  {done / elapsed:8,.0f} leads/s  peak {max(peak_rss_mb(), memory.peak_mb):6.0f} MB", flush=True)

    stats = rescore_leads(
        snapshot, now=now, open_only=False, move=move, chunk_size=chunk, progress=progress, workers=workers
    )
    elapsed = time.perf_counter() - started
    print(
        f"  re-scored {stats.scored:,} leads in {elapsed:.1f} s = {stats.scored / elapsed:,.0f} leads/s; "
        f"{stats.changed:,} scores changed"
    )
    if move:
        print(
            f"  stage changes: {stats.qualified:,} to MQL, {stats.disqualified:,} disqualified, "
            f"{stats.nurtured:,} to nurture ({stats.moving_seconds:.1f} s of the pass moving leads)"
        )


def decay_day(*, now) -> None:
    """The worker's decay step over the day after `now`: every lead whose moment came."""
    from datetime import timedelta

    from handoff.models import Assignment
    from leads.models import Lead, StageChange
    from qualification.bulk import rescore_due
    from revops.management.commands.runworker import BATCH

    day_later = now + timedelta(days=1)
    due = Lead.objects.filter(rescore_at__lte=day_later).count()
    changes, handovers = StageChange.objects.count(), Assignment.objects.count()
    print(f"\nOne day's decays: {due:,} leads due by {day_later:%Y-%m-%d %H:%M} UTC, batches of {BATCH}", flush=True)
    started = time.perf_counter()
    done = batches = 0
    while count := rescore_due(now=day_later, limit=BATCH):
        done += count
        batches += 1
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed else 0
    print(
        f"  re-scored {done:,} due leads in {batches:,} batches, {elapsed:.2f} s = {rate:,.0f} leads/s; "
        f"{StageChange.objects.count() - changes:,} stage changes, "
        f"{Assignment.objects.count() - handovers:,} of them hand-overs to sales"
    )


if __name__ == "__main__":
    main()
