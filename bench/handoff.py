"""The handoff's two speed targets, measured on PostgreSQL.

1. Latency: from POSTing the activity that makes a lead an MQL (a demo request, through the
   REST API, scored under the active qualification policy and handed over in the request) to
   the notification arriving at a webhook receiver, with `manage.py runworker` running as its
   own process: p50 and p95 over 1,000 leads (target: p95 under 2 s).
2. The SLA sweep over 1,000,000 open leads with running clocks: what one worker pass costs
   (target: well under a second), next to what recomputing every deadline per pass would cost.

Run it against a copy of the 1M-lead database (it changes the copy), e.g.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE handoff_bench_i6 TEMPLATE handoff_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handoff_bench_i6 .venv/bin/python bench/handoff.py

On an empty database it migrates and builds the demo leads itself (`seeddemo --leads N`, about
ten minutes for a million). The latency part turns 1,000 nurture leads into MQLs, so it runs
first; the sweep part then gives every lead without a clock one (making it an open SAL lead, so
no nurture leads are left for another latency run on that copy) and rolls its measured passes
back, so the sweep alone (--skip-latency) can run again with the same numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")  # DEBUG stays off: as in production

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from common.webhook_receiver import WebhookReceiver  # noqa: E402
from demo import world as demo  # noqa: E402
from handoff.models import HandoffSettings, NotificationChannel, RoutingRule, SlaClock  # noqa: E402
from leads.models import Lead, Team  # noqa: E402
from revops.management.commands.runworker import Command as Worker  # noqa: E402

BENCH_RULE_PREFIX = "bench: "
WEBHOOK_SECRET = "benchmark-webhook-secret-0123456789"
# The sweep is measured at a fixed Monday morning, so every run sees the same deadlines.
SWEEP_AT = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare_database(leads_needed: int) -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/handoff.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    present = Lead.objects.count()
    if present < leads_needed:
        print(f"Building {leads_needed:,} demo leads (seeddemo; about ten minutes per million) …")
        call_command("seeddemo", leads=leads_needed, until=datetime(2026, 11, 20), verbosity=1)


def prepare_routing(receiver_url: str) -> None:
    """Route by the demo's sales territories and let every rep hear through the receiver."""
    RoutingRule.objects.filter(name__startswith=BENCH_RULE_PREFIX).delete()
    for position, team_name in enumerate([demo.TEAM_NORTH, demo.TEAM_SOUTH], start=100):
        team = Team.objects.get(name=team_name)
        regions = [region for region, _, _, territory, _ in demo.REGIONS if territory == team_name]
        RoutingRule.objects.create(
            name=f"{BENCH_RULE_PREFIX}{team_name}", position=position, regions=regions, target="team", team=team
        )
    reps = set(Team.objects.values_list("members", flat=True)) | set(Team.objects.values_list("manager", flat=True))
    NotificationChannel.objects.filter(user_id__in=reps).update(is_active=False)
    for user_id in reps:
        NotificationChannel.objects.create(
            user_id=user_id, kind=NotificationChannel.Kind.WEBHOOK, url=receiver_url, secret=WEBHOOK_SECRET
        )


class ApiTrigger:
    """THE TRIGGER, as in production: a marketing automation tool POSTs the activity (a demo
    request) to the REST API; the request scores the lead under the active qualification policy,
    which makes it an MQL and hands it over (owner, deadline, notification row) before it
    returns. The API runs in a threaded WSGI server in this process."""

    def __init__(self):
        from demo.qualification import ensure_demo_policy
        from integrations.models import ApiToken

        ensure_demo_policy(now=timezone.now())
        admin = get_user_model().objects.filter(is_superuser=True).first()
        ApiToken.objects.filter(name="bench: handoff").delete()
        _token, self.secret = ApiToken.issue(
            name="bench: handoff", source_system=demo.SOURCE, created_by=admin,
            can_ingest=True, can_read=False, requests_per_minute=100_000,
        )
        self.server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=ThreadingWSGIServer, handler_class=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/activities/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def candidates(self, count: int) -> list[tuple[int, str]]:
        """Nurture leads that fit the definition: a fresh demo request makes them an MQL."""
        from qualification.models import QualificationPolicy

        policy = QualificationPolicy.objects.active()
        rows = (
            Lead.objects.filter(stage=Lead.Stage.NURTURE, source_system=demo.SOURCE, fit_score__gte=policy.fit_threshold)
            .order_by("-id")
            .values_list("pk", "external_id")[:count]
        )
        return list(rows)

    def fire(self, external_id: str, n: int) -> None:
        body = json.dumps({
            "lead": external_id, "external_id": f"bench-{external_id}-{n}-{time.time_ns()}",
            "kind": "demo_request", "occurred_at": timezone.now().isoformat(), "title": "Demo aanvragen",
        }).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 201:
                raise RuntimeError(f"the API answered {response.status}")

    def close(self) -> None:
        self.server.shutdown()


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def measure_latency(count: int, rate: float, timeout: float) -> None:
    trigger = ApiTrigger()
    candidates = trigger.candidates(count)
    if len(candidates) < count:
        sys.exit(f"Only {len(candidates)} fitting nurture leads left to make MQLs; use a fresh copy of the database.")
    with WebhookReceiver() as receiver:
        prepare_routing(receiver.url)
        drain_backlog()
        env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL}
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runworker"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL,  # its warnings (stderr) stay visible
        )
        try:
            time.sleep(2)  # the worker's start-up (Django, first connection) is not the handoff's latency
            started: dict[int, float] = {}
            begin = time.perf_counter()
            for n, (lead_id, external_id) in enumerate(candidates):
                # Leads arrive at a steady rate, not all at once and not one by one in lock-step.
                time.sleep(max(0.0, begin + n / rate - time.perf_counter()))
                started[lead_id] = time.time()
                trigger.fire(external_id, n)
            deadline = time.time() + timeout
            while time.time() < deadline and len(arrived(receiver)) < count:
                time.sleep(0.1)
        finally:
            worker.terminate()
            worker.wait(10)
            trigger.close()
    arrivals = arrived(receiver)
    latencies = [arrivals[lead_id] - t0 for lead_id, t0 in started.items() if lead_id in arrivals]
    assigned = [item for item in list(receiver.delivered) if item.json()["event"] == "assigned"]
    duplicates = len(assigned) - len({item.json()["lead_id"] for item in assigned})
    print("\n1. Activity POSTed to the API → MQL → notification at a webhook receiver, runworker running")
    print(f"   {count:,} leads at {rate:g} per second; {len(latencies):,} arrived, {duplicates} duplicates")
    if latencies:
        print(
            f"   p50 {statistics.median(latencies):.3f} s · p95 {percentile(latencies, 0.95):.3f} s · "
            f"max {max(latencies):.3f} s   (target p95 < 2 s)"
        )
    if len(latencies) < count:
        print(f"   MISSING: {count - len(latencies)} notifications did not arrive within {timeout:g} s")


def drain_backlog() -> None:
    """Send what the data set already owes before the clock starts: the demo's overdue leads
    (reminders, breach escalations) are not the handoff being measured."""
    from handoff.models import Notification

    # A pass checks the deadlines (which queues the overdue leads' escalations) and sends.
    for _pass in range(100):
        call_command("runworker", once=True, verbosity=0)
        pending = Notification.objects.filter(status=Notification.Status.PENDING).count()
        if not pending:
            return
        print(f"   sending the backlog first: {pending} notifications left")


def arrived(receiver: WebhookReceiver) -> dict[int, float]:
    first: dict[int, float] = {}
    for item in list(receiver.delivered):
        body = item.json()
        if body["event"] == "assigned":
            first.setdefault(body["lead_id"], item.arrived_at)
    return first


# --- the SLA sweep ---------------------------------------------------------------------------


def build_clocks(total: int) -> None:
    """Give leads without a clock one, until `total` run: started in the three business days
    before SWEEP_AT, with the default policies' deadlines computed once and stored."""
    missing = total - SlaClock.objects.count()
    if missing <= 0:
        return
    print(f"Starting {missing:,} SLA clocks (once per database copy) …")
    calendar = HandoffSettings.load().calendar()
    reps = list(Team.objects.filter(members__isnull=False).values_list("members", flat=True).distinct())
    sweep_at = SWEEP_AT.astimezone(ZoneInfo("UTC"))
    window_start = calendar.add_business_time(sweep_at - timedelta(days=5), timedelta(0))
    window = calendar.business_time_between(window_start, sweep_at)
    rng = random.Random(6)
    first_contact = {"high": timedelta(minutes=15), "mid": timedelta(hours=24), "low": timedelta(hours=24), "": timedelta(hours=24)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.id, l.intent_tier FROM leads_lead l LEFT JOIN leads_slaclock c ON c.lead_id = l.id "
            "WHERE c.lead_id IS NULL ORDER BY l.id LIMIT %s",
            [missing],
        )
        leads = cursor.fetchall()
    rows = []
    for lead_id, tier in leads:
        started = calendar.add_business_time(window_start, window * rng.random())
        roll = rng.random()
        if roll < 0.5:
            kind, within = "first_contact", first_contact.get(tier, timedelta(hours=24))
            due = calendar.add_business_time(started, within)
            remind = calendar.add_business_time(started, within * 0.75)
        elif roll < 0.8:
            kind = "next_attempt"
            due, remind = started + timedelta(hours=24), started + timedelta(hours=18)
        else:
            kind, remind = "feedback", None
            due = calendar.end_of_working_day_after(started, 2)
        rows.append((
            lead_id, kind, "benchmark", started, started, due,
            remind if remind and remind > sweep_at else None,  # earlier reminders went out already
            due if due > sweep_at else None,  # earlier breaches were recorded already
        ))
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(
            "COPY leads_slaclock (lead_id, kind, policy_name, handed_over_at, started_at, due_by, remind_at, "
            "runs_out_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        # In sales' hands: an open SAL lead with an owner and its deadline on the lead.
        cursor.execute(
            "UPDATE leads_lead l SET respond_by = c.due_by, "
            "stage = CASE WHEN l.stage IN ('mql', 'sal', 'sql') THEN l.stage ELSE 'sal' END, "
            "owner_id = COALESCE(l.owner_id, (%s::bigint[])[1 + l.id %% %s]) "
            "FROM leads_slaclock c WHERE c.lead_id = l.id AND c.policy_name = 'benchmark' "
            "AND (l.respond_by IS DISTINCT FROM c.due_by OR l.stage NOT IN ('mql', 'sal', 'sql'))",
            [reps, len(reps)],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_slaclock")
        cursor.execute("ANALYZE leads_lead")


def measure_sweep(total: int) -> None:
    build_clocks(total)
    open_clocks = SlaClock.objects.count()
    open_leads = Lead.objects.open().count()
    worker = Worker()
    sweep_at = SWEEP_AT.astimezone(ZoneInfo("UTC"))

    idle = []
    for _ in range(30):
        begin = time.perf_counter()
        due = SlaClock.objects.reminder_due(sweep_at - timedelta(days=30)).order_by("remind_at").first()
        due = due or SlaClock.objects.run_out(sweep_at - timedelta(days=30)).order_by("runs_out_at").first()
        idle.append(time.perf_counter() - begin)

    results = {}
    with transaction.atomic():
        for step in (timedelta(seconds=1), timedelta(minutes=1)):
            times, items = [], []
            moment = sweep_at
            for _ in range(20 if step.seconds == 1 else 5):
                moment += step
                begin = time.perf_counter()
                done = 0
                while handled := worker.remind_batch(moment):
                    done += handled
                while handled := worker.run_out_batch(moment):
                    done += handled
                times.append(time.perf_counter() - begin)
                items.append(done)
            results[step] = (times, items)
        transaction.set_rollback(True)  # measured passes leave no trace: the next run sees the same

    calendar = HandoffSettings.load().calendar()
    sample = 100_000
    begin = time.perf_counter()
    start = sweep_at - timedelta(hours=30)
    for n in range(sample):
        calendar.add_business_time(start + timedelta(seconds=n * 7), timedelta(hours=24))
    recompute = (time.perf_counter() - begin) / sample * open_clocks

    print(f"\n2. SLA sweep: {open_clocks:,} running clocks, {open_leads:,} open leads")
    print(f"   'what is due now' (two indexed queries, nothing due): median {statistics.median(idle) * 1000:.2f} ms")
    for step, (times, items) in results.items():
        label = "1 s" if step.seconds == 1 else "1 min"
        print(
            f"   pass covering {label} of deadlines: median {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms, {statistics.mean(items):.1f} reminders/breaches handled per pass"
        )
    print(f"   (recomputing every deadline instead would cost ≈ {recompute:.1f} s per pass)   (target well under 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1000, help="Leads for the latency test (default 1000).")
    parser.add_argument("--rate", type=float, default=20.0, help="New MQLs per second (default 20).")
    parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait for the last arrival.")
    parser.add_argument("--sweep-leads", type=int, default=1_000_000, help="Open leads with clocks (default 1M).")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()

    prepare_database(max(args.sweep_leads if not args.skip_sweep else 0, args.leads * 20))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Machine: {os.cpu_count()} CPUs, load average {load} (other work on the machine slows every figure)")
    if not args.skip_latency:
        measure_latency(args.leads, args.rate, args.timeout)
    if not args.skip_sweep:
        measure_sweep(args.sweep_leads)


if __name__ == "__main__":
    main()
