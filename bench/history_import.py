"""How long a 100,000-row history import takes and whether its memory stays flat.

    .venv/bin/python bench/history_import.py [--rows 100000]

Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/handoff_ingest_bench;
created and migrated when missing). Writes a deterministic CSV (every row a lead with company,
channel, campaign and stage dates up to won or lost) to a temporary file, imports it as
`importleads` does, and prints rows per second and the process's memory as the import goes.
Its leads are kept under source system "bench-history" and removed at the start of a run.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "bench-history"
CHANNELS = ["google_ads", "linkedin", "organic", "meta", "referral", "email", "event"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from bench.ingest import create_database

    database_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/handoff_ingest_bench"
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="revops.settings", DEBUG="false")
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(16).hex())
    create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from integrations.importer import HistoryImport
    from leads.models import Company, Lead

    call_command("migrate", verbosity=0)
    Lead.objects.filter(source_system=SOURCE).delete()
    Company.objects.filter(domain__endswith=".bench.example").delete()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.csv"
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        samples: list[tuple[int, float]] = []

        def progress(done: int) -> None:
            if done % 10_000 == 0 or done == args.rows:
                samples.append((done, rss_mb()))

        importer = HistoryImport(
            source_system=SOURCE, column_map={}, value_map={}, skip_bad_rows=False,
            dry_run=False, now=timezone.now(), file_name=path.name,
        )
        before = rss_mb()
        started = time.perf_counter()
        with path.open(encoding="utf-8-sig", newline="") as stream:
            report = importer.run(stream, progress=progress)
        took = time.perf_counter() - started

    print(f"PostgreSQL, {report.rows:,} rows ({size_mb:.0f} MB CSV), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  imported in {took:.1f} s = {report.rows / took:,.0f} rows/s: {report.created:,} leads, "
          f"{report.stage_changes:,} stage changes, {report.error_count} errors, written: {report.written}")
    print(f"  memory (RSS) before {before:.0f} MB; during the import: "
          + ", ".join(f"{done // 1000}k rows {mb:.0f} MB" for done, mb in samples))
    Lead.objects.filter(source_system=SOURCE).delete()


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    start = datetime(2024, 1, 1, 9, 0)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["external_id", "first_name", "last_name", "email", "company", "company_domain", "channel",
                         "campaign", "created_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at", "lost_at", "deal_value"])
        for n in range(rows):
            arrived = start + timedelta(minutes=rng.randint(0, 60 * 24 * 700))
            dates = [arrived]
            for _stage in range(rng.choice([1, 1, 2, 3, 4, 5])):
                dates.append(dates[-1] + timedelta(hours=rng.randint(1, 24 * 20)))
            stage_dates = [d.strftime("%Y-%m-%d %H:%M") for d in dates[1:]] + [""] * (5 - len(dates[1:]))
            won, lost = (stage_dates[4], "") if rng.random() < 0.5 else ("", stage_dates[4])
            company = n % 9000
            writer.writerow([
                f"crm-{n}", f"Naam{n}", "Jansen", f"lead{n}@c{company}.bench.example", f"Bedrijf {company} BV",
                f"c{company}.bench.example", CHANNELS[n % len(CHANNELS)], f"campagne-{n % 40}",
                arrived.strftime("%Y-%m-%d %H:%M"), *stage_dates[:4], won, lost,
                f"{rng.randint(1000, 90000)}.00" if stage_dates[4] else "",
            ])


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


if __name__ == "__main__":
    main()
