"""How fast activities come in through the batch endpoint, next to a raw COPY of the same rows.

    .venv/bin/python bench/ingest.py [--activities 50000] [--batch 1000] [--clients 2] [--workers 3]

Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/handoff_ingest_bench;
the database is created when missing and migrated). It starts Handoff's own server on a free
port as production serves it (gunicorn, --workers processes; its CPU time is the master's and
the workers'), sends the activities over HTTP as an integration would (token, JSON, 1,000 per request,
several clients at once; each batch re-scores its leads under the active qualification policy,
the demo's, as in production), checks that every one was stored exactly once, sends them all again
(replays must all be skipped) and then writes the same rows with COPY, the lower bound.
Everything it writes is kept under source system "bench" and removed at the start of a run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/handoff_ingest_bench"
SOURCE = "bench"
LEADS = 2000
KINDS = ["page_visit", "pricing_page", "case_study", "download", "email_open", "email_click"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes, as the Procfile serves (default 3; 0: runserver, one process)")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not database_url.startswith("postgres"):
        sys.exit("bench/ingest.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "revops.settings"
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(16).hex())
    os.environ["DEBUG"] = "false"  # no query log, as in production
    sys.path.insert(0, str(ROOT))
    create_database(database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    token = prepare_leads_and_token()
    rows = activities(args.activities)
    bodies = [json.dumps(rows[i : i + args.batch]).encode() for i in range(0, len(rows), args.batch)]

    port = free_port()
    server = start_server(port, workers=args.workers)
    try:
        # Warm up every worker: imports, connections.
        post_all(port, token, bodies[: 2 * max(1, args.workers)], clients=max(1, args.workers))
        clear_activities()
        cpu_before = server_cpu_seconds(server.pid)
        took, latencies = post_all(port, token, bodies, clients=args.clients)
        server_cpu = server_cpu_seconds(server.pid) - cpu_before
        stored = count_activities()
        engaged = count_engaged_leads()
        replay_took, _ = post_all(port, token, bodies, clients=args.clients)
        after_replay = count_activities()
    finally:
        server.terminate()
        server.wait(timeout=10)

    clear_activities()
    copy_took = copy_same_rows(rows)
    clear_activities()

    api_rate = len(rows) / took
    copy_rate = len(rows) / copy_took
    served = f"gunicorn, {args.workers} workers" if args.workers else "runserver, one process"
    print(f"PostgreSQL, {len(rows):,} activities for {LEADS:,} leads, {args.batch} per request, "
          f"{args.clients} clients, {served}, {os.cpu_count()} cores")
    print(f"  batch endpoint (HTTP, end to end)  {api_rate:>9,.0f} activities/s  "
          f"({took:.2f} s; per request p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms)")
    print(f"  server CPU per 1,000 activities    {server_cpu / len(rows) * 1_000_000:>9,.0f} ms  "
          f"(= {len(rows) / server_cpu:,.0f} activities per CPU second; load average now "
          f"{os.getloadavg()[0]:.1f})")
    print(f"  same batches again (all replays)   {len(rows) / replay_took:>9,.0f} activities/s  "
          f"({replay_took:.2f} s)")
    print(f"  raw COPY of the same rows          {copy_rate:>9,.0f} activities/s  ({copy_took:.2f} s)")
    print(f"  ratio endpoint / COPY              {api_rate / copy_rate:>9.2f}")
    print(f"  stored {stored:,} (expected {len(rows):,}); after replaying {after_replay:,}")
    print(f"  leads with engagement points after the batches: {engaged:,} of {LEADS:,}")
    print("  re-scoring: the endpoint runs whatever integrations.ingest.ingest_activities() "
          "calls after its insert; this figure includes it.")
    if stored != len(rows) or after_replay != len(rows):
        sys.exit("bench: activities were lost or duplicated")


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare_leads_and_token() -> str:
    from django.contrib.auth import get_user_model
    from django.utils import timezone as django_timezone

    from demo.qualification import ensure_demo_policy
    from integrations.models import ApiToken
    from leads.models import Lead

    Lead.objects.filter(source_system=SOURCE).delete()
    ApiToken.objects.filter(source_system=SOURCE).delete()
    Lead.objects.bulk_create(
        [Lead(source_system=SOURCE, external_id=f"lead-{n}", email=f"lead{n}@bench.example") for n in range(LEADS)]
    )
    # The fallback owner of leads the batches qualify (no routing rules here).
    admin, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    _token, plain = ApiToken.issue(
        name="bench", source_system=SOURCE, created_by=admin, requests_per_minute=1_000_000
    )
    # Every batch re-scores its leads under the active policy, as in production.
    ensure_demo_policy(now=django_timezone.now())
    return plain


def activities(count: int) -> list[dict]:
    """Page visits, pricing pages and case studies score under the demo policy; downloads and
    e-mail opens and clicks do not. They happened in the weeks up to now, within the rules'
    windows, so re-scoring changes real scores rather than finding every activity too old."""
    start = datetime.now(timezone.utc) - timedelta(seconds=37 * count)
    return [
        {
            "lead": f"lead-{n % LEADS}",
            "external_id": f"bench-{n}",
            "kind": KINDS[n % len(KINDS)],
            "occurred_at": (start + timedelta(seconds=37 * n)).isoformat(),
            "url": f"https://www.example.nl/producten/{n % 97}",
            "title": f"Product page {n % 97}",
            "data": {"utm_source": "google", "session": n // 7},
        }
        for n in range(count)
    ]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux): the server's own cost, whatever else the
    machine is doing."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    """CPU time of the server and its worker processes (gunicorn's workers are its children)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return cpu_seconds(pid) + sum(cpu_seconds(int(child)) for child in children)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, *, workers: int) -> subprocess.Popen:
    if workers:
        command = [sys.executable, "-m", "gunicorn", "revops.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--timeout", "120", "--log-level", "warning"]
    else:
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        # As in production behind a TLS proxy: HTTPS-only settings, the proxy saying "https".
        env={**os.environ, "LOG_LEVEL": "WARNING", "BEHIND_TLS_PROXY": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit("bench: the server did not start")


def post_all(port: int, token: str, bodies: list[bytes], *, clients: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    failures: list[str] = []
    queue = list(reversed(bodies))
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            started = time.perf_counter()
            connection.request(
                "POST",
                "/api/activities/batch/",
                body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                         "X-Forwarded-Proto": "https"},
            )
            response = connection.getresponse()
            payload = response.read()
            latencies.append(time.perf_counter() - started)
            connection.close()
            if response.status not in (200, 201):
                failures.append(f"{response.status}: {payload[:300]!r}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    if failures:
        sys.exit(f"bench: {len(failures)} requests failed, e.g. {failures[0]}")
    return took, latencies


def count_activities() -> int:
    from leads.models import Activity

    return Activity.objects.filter(source_system=SOURCE).count()


def count_engaged_leads() -> int:
    from leads.models import Lead

    return Lead.objects.filter(source_system=SOURCE, engagement_score__gt=0).count()


def clear_activities() -> None:
    from leads.models import Activity

    Activity.objects.filter(source_system=SOURCE).delete()


def copy_same_rows(rows: list[dict]) -> float:
    from django.db import transaction

    from common.bulk import TableWriter
    from leads.models import Activity, Lead

    lead_ids = dict(Lead.objects.filter(source_system=SOURCE).values_list("external_id", "id"))
    received_at = datetime.now(timezone.utc)
    prepared = [
        {
            "lead_id": lead_ids[row["lead"]],
            "kind": row["kind"],
            "occurred_at": datetime.fromisoformat(row["occurred_at"]),
            "url": row["url"],
            "title": row["title"],
            "data": row["data"],
            "source_system": SOURCE,
            "external_id": row["external_id"],
            "received_at": received_at,
        }
        for row in rows
    ]
    writer = TableWriter(Activity, list(prepared[0]))
    started = time.perf_counter()
    with transaction.atomic():
        writer.write(prepared)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
