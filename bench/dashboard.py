"""Benchmark: the funnel dashboard and the weekly review on a million leads, against
hand-written SQL.

From a clean clone (builds the data first: migrate, `seeddemo --leads 1000000`, VACUUM ANALYZE;
about 15 minutes):

    ./dev setup
    .venv/bin/python bench/dashboard.py --build \\
        --database-url postgres://postgres@127.0.0.1:5432/handoff_bench

On a database that already holds the demo data (a copy is fine), migrate it first so it has
the dashboard's indexes, then measure:

    DATABASE_URL=postgres://…/handoff_bench_copy .venv/bin/python manage.py migrate
    .venv/bin/python bench/dashboard.py --database-url postgres://…/handoff_bench_copy

It prints the server time (in-process, from request to response, median of --runs after one
warm-up) of the dashboard's default view (cohort mode, the last 90 days up to --until, every
channel and team, as a marketing user) and of its JSON endpoint, next to the time of the
best hand-written SQL for the same figures: the lower bound. It checks that the bound's
counts equal the page's, so both really compute the same thing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.5
TARGET_SECONDS = 1.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgres://user@host:port/name")
    parser.add_argument("--build", action="store_true", help="migrate and load the demo data first")
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads to build (default 1,000,000)")
    parser.add_argument("--until", type=date.fromisoformat, default=date(2026, 11, 20), help="the demo data's last day, and the period's (default 2026-11-20)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement (default 7)")
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DEBUG", "false")  # no query log, as in production
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    import django

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("The benchmark runs on PostgreSQL: pass --database-url postgres://…")
    # Templates resolve {% static %} without collectstatic's manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def build(leads: int, until: date) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=1)
    call_command("seeddemo", "--leads", str(leads), "--until", until.isoformat(), verbosity=1)
    with connection.cursor() as cursor:
        # Index-only scans need the visibility map that VACUUM writes.
        for table in ("leads_lead", "leads_feedback", "leads_stagechange"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def timed(function, runs: int) -> tuple[float, float, object]:
    """(median, fastest) seconds over `runs` after one warm-up run, and the last result."""
    result = function()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), min(seconds), result


# The same figures as dashboard.metrics, written by hand for PostgreSQL: each stage moment
# computed once, one sort for both percentiles, no ORM.
FUNNEL_SQL = """
WITH cohort AS (
  SELECT created_at, first_attempt_at, attempt_count,
         LEAST(mql_at, sal_at, sql_at, opportunity_at, won_at) AS mql,
         LEAST(sal_at, sql_at, opportunity_at, won_at) AS sal,
         LEAST(sql_at, opportunity_at, won_at) AS sql,
         LEAST(opportunity_at, won_at) AS opportunity,
         won_at AS won
  FROM leads_lead WHERE created_at >= %(start)s AND created_at < %(end)s
)
SELECT count(*), count(mql), count(sal), count(sql), count(opportunity), count(won),
  count(*) FILTER (WHERE mql IS NOT NULL AND first_attempt_at IS NOT NULL),
  sum(attempt_count) FILTER (WHERE mql IS NOT NULL),
  percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY date_part('epoch', first_attempt_at - mql)),
  percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY date_part('epoch', mql - created_at)),
  percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY date_part('epoch', sal - mql)),
  percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY date_part('epoch', sql - sal)),
  percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY date_part('epoch', opportunity - sql)),
  percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY date_part('epoch', won - opportunity)),
  count(*) FILTER (WHERE created_at > %(now_minus_7_days)s),
  count(*) FILTER (WHERE created_at > %(now_minus_14_days)s),
  count(*) FILTER (WHERE created_at > %(now_minus_30_days)s),
  count(*) FILTER (WHERE created_at > %(now_minus_90_days)s)
FROM cohort
"""
BUCKETS = "ARRAY[900, 3600, 14400, 86400, 259200, 604800, 2419200]::float8[]"
# Both lead-time distributions in one pass: each MQL grouped by its pair of buckets.
DISTRIBUTIONS_SQL = f"""
SELECT width_bucket(date_part('epoch', first_attempt_at - LEAST(mql_at, sal_at, sql_at, opportunity_at, won_at)), {BUCKETS}),
       width_bucket(date_part('epoch', LEAST(sql_at, opportunity_at, won_at) - LEAST(mql_at, sal_at, sql_at, opportunity_at, won_at)), {BUCKETS}),
       count(*)
FROM leads_lead
WHERE created_at >= %(start)s AND created_at < %(end)s
  AND LEAST(mql_at, sal_at, sql_at, opportunity_at, won_at) IS NOT NULL
GROUP BY 1, 2
"""
WEEKLY_SQL = """
SELECT date_trunc('week', created_at AT TIME ZONE 'Europe/Amsterdam') AS week, count(*),
       count(LEAST(sql_at, opportunity_at, won_at))
FROM leads_lead
WHERE created_at >= %(start)s AND created_at < %(end)s
  AND LEAST(mql_at, sal_at, sql_at, opportunity_at, won_at) IS NOT NULL
GROUP BY 1
"""
PER_CHANNEL_SQL = """
SELECT channel, count(*), count(LEAST(mql_at, sal_at, sql_at, opportunity_at, won_at)),
       count(LEAST(sql_at, opportunity_at, won_at)), count(won_at),
       sum(deal_value) FILTER (WHERE won_at IS NOT NULL)
FROM leads_lead WHERE created_at >= %(start)s AND created_at < %(end)s
GROUP BY channel
"""
FEEDBACK_SQL = """
SELECT l.channel, count(*),
  count(*) FILTER (WHERE f.quality = 'good'), count(*) FILTER (WHERE f.quality = 'bad'),
  count(*) FILTER (WHERE f.disposition = 'became_sql'),
  count(*) FILTER (WHERE f.disposition = 'not_reached'),
  count(*) FILTER (WHERE f.disposition = 'no_fit'),
  count(*) FILTER (WHERE f.disposition = 'no_urgency'),
  count(*) FILTER (WHERE f.disposition = 'wrong_contact'),
  count(*) FILTER (WHERE f.disposition = 'no_fit' AND f.no_fit_reason = 'too_small'),
  count(*) FILTER (WHERE f.disposition = 'no_fit' AND f.no_fit_reason = 'wrong_sector'),
  count(*) FILTER (WHERE f.disposition = 'no_fit' AND f.no_fit_reason = 'no_budget'),
  count(*) FILTER (WHERE f.disposition = 'no_fit' AND f.no_fit_reason = 'student_or_private'),
  count(*) FILTER (WHERE f.disposition = 'no_fit' AND f.no_fit_reason = 'competitor'),
  count(*) FILTER (WHERE f.disposition = 'no_fit' AND f.no_fit_reason = 'other')
FROM leads_feedback f JOIN leads_lead l ON l.id = f.lead_id
WHERE l.created_at >= %(start)s AND l.created_at < %(end)s
GROUP BY l.channel
"""
FOLLOW_UP_SQL = """
SELECT l.team_id, max(t.name), count(*), count(l.first_attempt_at), sum(l.attempt_count),
  percentile_cont(0.5) WITHIN GROUP (
    ORDER BY date_part('epoch', l.first_attempt_at - LEAST(l.mql_at, l.sal_at, l.sql_at, l.opportunity_at, l.won_at)))
FROM leads_lead l LEFT JOIN leads_team t ON t.id = l.team_id
WHERE l.created_at >= %(start)s AND l.created_at < %(end)s
  AND LEAST(l.mql_at, l.sal_at, l.sql_at, l.opportunity_at, l.won_at) IS NOT NULL
GROUP BY l.team_id
"""


# Each figure: its hand-written SQL, and the dashboard.metrics function that computes it.
FIGURES = [
    ("funnel", FUNNEL_SQL, lambda m, f, now: m.funnel(f, now=now)),
    ("lead time distributions", DISTRIBUTIONS_SQL, lambda m, f, now: m.lead_time_distributions(f)),
    ("weekly MQL to SQL", WEEKLY_SQL, lambda m, f, now: m.weekly_mql_to_sql(f, now=now)),
    ("per channel", PER_CHANNEL_SQL, lambda m, f, now: m.per_source(f)),
    ("feedback per channel", FEEDBACK_SQL, lambda m, f, now: m.feedback_per_source(f)),
    ("follow-up per team", FOLLOW_UP_SQL, lambda m, f, now: m.follow_up_per_person_or_team(f)),
]


# The weekly review's heaviest query, by hand: twelve weeks of the review's totals at once.
REVIEW_TREND_SQL = """
WITH received AS (
  SELECT l.*, LEAST(mql_at, sal_at, sql_at, opportunity_at, won_at) AS handed
  FROM leads_lead l
  WHERE (mql_at >= %(start)s AND mql_at < %(end)s) OR (sal_at >= %(start)s AND sal_at < %(end)s)
     OR (sql_at >= %(start)s AND sql_at < %(end)s) OR (opportunity_at >= %(start)s AND opportunity_at < %(end)s)
     OR (won_at >= %(start)s AND won_at < %(end)s)
)
SELECT date_trunc('week', handed AT TIME ZONE 'Europe/Amsterdam') AS week, count(*),
  count(*) FILTER (WHERE first_attempt_at IS NOT NULL OR first_contact_by <= %(now)s),
  count(*) FILTER (WHERE first_attempt_at <= first_contact_by),
  count(*) FILTER (WHERE first_attempt_at IS NULL AND first_contact_by <= %(now)s),
  sum(attempt_count),
  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM leads_stagechange s WHERE s.lead_id = r.id
                   AND s.from_stage IN ('mql', 'sal', 'sql') AND s.to_stage = 'nurture')),
  count(*) FILTER (WHERE attempt_count < 5 AND EXISTS (SELECT 1 FROM leads_feedback f WHERE f.lead_id = r.id
                   AND f.disposition = 'not_reached')),
  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM leads_feedback f WHERE f.lead_id = r.id)),
  count(*) FILTER (WHERE respond_by <= %(now)s AND stage IN ('mql', 'sal', 'sql')),
  percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY first_contact_business_seconds),
  count(*) FILTER (WHERE COALESCE(sal_at, sql_at, opportunity_at, won_at) IS NOT NULL),
  count(*) FILTER (WHERE COALESCE(sal_at, sql_at, opportunity_at, won_at) IS NULL AND EXISTS (
                   SELECT 1 FROM leads_stagechange s WHERE s.lead_id = r.id AND s.from_stage = 'mql'
                   AND s.to_stage IN ('nurture', 'disqualified') AND s.changed_by_id IS NOT NULL)),
  count(*) FILTER (WHERE company_id IS NOT NULL AND job_title <> '' AND conversion_action <> ''),
  count(*) FILTER (WHERE COALESCE(sql_at, opportunity_at, won_at) IS NOT NULL)
FROM received r WHERE handed >= %(start)s AND handed < %(end)s
GROUP BY 1 ORDER BY 1
"""


def review_bench(client, until: date, runs: int) -> None:
    """The weekly review of the last complete week before --until, all teams, as marketing."""
    from datetime import datetime
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    from django.db import connection

    from review import metrics as review_metrics
    from review.weeks import IsoWeek

    now = datetime.combine(until, clock(23, 59), tzinfo=ZoneInfo("Europe/Amsterdam"))
    week = IsoWeek.last_complete(now)
    url = f"/review/?week={week}&team="
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        assert client.get(url).status_code == 200
    page = timed(lambda: client.get(url), runs)
    first = week.shifted(-(review_metrics.TREND_WEEKS - 1))
    params = {"start": first.start_at, "end": week.end_at, "now": now}
    bound = timed(lambda: run_sql(REVIEW_TREND_SQL, params), runs)
    from handoff.models import HandoffSettings, current_agreement

    agreement, calendar = current_agreement(), HandoffSettings.load().calendar()
    # The bound must compute the same figures: compare the MQLs per week.
    page_weeks = [p.line.mqls for p in review_metrics.trend(week=week, team_id=None, now=now, agreement=agreement)]
    bound_weeks = [row[1] for row in bound[2]]
    received = review_metrics.handed_over_between(week.start_at, week.end_at).count()
    print(f"\nWeekly review, {week} ({received:,} MQLs that week, 12-week trends), all teams:")
    print(f"Queries per page view: {len(queries)}")
    assert [n for n in page_weeks if n] == bound_weeks, (page_weeks, bound_weeks)
    print(f"  review page (server time)          {page[0]:7.3f}s {page[1]:7.3f}s")
    print(f"  12-week totals, hand-written SQL   {bound[0]:7.3f}s {bound[1]:7.3f}s  (the page's heaviest query)")
    print("  Per review query, median seconds (ORM function):")
    for name, call in [
        ("12-week totals", lambda: review_metrics.trend(week=week, team_id=None, now=now, agreement=agreement)),
        ("per team and rep", lambda: review_metrics.per_team(week=week, team_id=None, now=now, agreement=agreement)),
        ("rejections per channel", lambda: review_metrics.rejections_per_channel(week=week, team_id=None)),
        ("rejections by reason", lambda: review_metrics.rejections_by_reason(week=week, team_id=None)),
        ("missed deadlines", lambda: review_metrics.missed_deadlines(
            week=week, team_id=None, now=now, agreement=agreement, calendar=calendar)),
        ("without feedback", lambda: review_metrics.without_feedback(week=week, team_id=None)),
    ]:
        print(f"    {name:24} {timed(call, runs)[0]:6.3f}s")


def run_sql(sql: str, params: dict | None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or None)
        return cursor.fetchall()


def hand_written(params: dict):
    return [run_sql(sql, params) for _name, sql, _metric in FIGURES]


def main():
    args = parse_args()
    setup_django(args.database_url)
    if args.build:
        build(args.leads, args.until)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dashboard.filters import Filters, default_period
    from leads.models import Lead

    first_day, last_day = default_period(args.until)
    filters = Filters(first_day=first_day, last_day=last_day)
    query = "&".join(f"{k}={v}" for k, v in filters.as_query().items())
    marketer = get_user_model().objects.get(username="noor")
    client = Client()
    client.force_login(marketer)
    page_url, api_url = f"/dashboard/?{query}", f"/api/dashboard/?{query}"

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    leads = Lead.objects.count()
    in_view = Lead.objects.filter(created_at__gte=filters.start_at, created_at__lt=filters.end_at).count()
    print(f"Database: {connection.settings_dict['NAME']}, {leads:,} leads; the view: {in_view:,} "
          f"leads that arrived {first_day} – {last_day} (cohort mode, all channels and teams)")

    page_queries = []  # (the query log is reset at the start of each request)
    with connection.execute_wrapper(lambda execute, sql, *rest: page_queries.append(sql) or execute(sql, *rest)):
        get(page_url)
    page = timed(lambda: get(page_url), args.runs)
    api = timed(lambda: get(api_url), args.runs)
    now = filters.end_at + timedelta(hours=1)
    params = {"start": filters.start_at, "end": filters.end_at, "now": now}
    # Computed here, not per row in SQL (timestamptz - interval is not folded into a constant).
    for days in (7, 14, 30, 90):
        params[f"now_minus_{days}_days"] = now - timedelta(days=days)
    bound = timed(lambda: hand_written(params), args.runs)

    # The bound must compute the same figures: compare the funnel and channel counts.
    figures = api[2].json()
    funnel_counts = [step["count"] for step in figures["funnel"]["steps"]]
    bound_rows = {name: rows for (name, _sql, _metric), rows in zip(FIGURES, bound[2])}
    bound_counts = list(bound_rows["funnel"][0][:6])
    channel_counts = sorted((r["key"], r["leads"], r["mqls"], r["sqls"], r["won"]) for r in figures["sources"])
    bound_channels = sorted(tuple(row[:5]) for row in bound_rows["per channel"])
    assert funnel_counts == bound_counts, (funnel_counts, bound_counts)
    assert channel_counts == bound_channels, (channel_counts, bound_channels)
    for side, key in ((0, "first_attempt_times"), (1, "mql_to_sql_times")):
        per_bucket = [0] * len(figures[key])
        for row in bound_rows["lead time distributions"]:
            if row[side] is not None:
                per_bucket[row[side]] += row[2]
        assert per_bucket == [b["count"] for b in figures[key]], (key, per_bucket)

    print(f"Queries per page view: {len(page_queries)} ({len(FIGURES)} for the figures; the others: session, agreement, "
          "user, roles, filter choices)")
    print(f"{'':34} {'median':>8} {'fastest':>8}  {'× bound':>7}")
    for name, (median, fastest, _) in (
        ("dashboard page (default view)", page),
        ("JSON endpoint (same figures)", api),
        ("hand-written SQL (lower bound)", bound),
    ):
        print(f"{name:34} {median:7.3f}s {fastest:7.3f}s  {median / bound[0]:6.2f}×")
    print("\nPer figure, median seconds: the dashboard's function (ORM and Python), the SQL it "
          "sends run raw, and the hand-written SQL")
    from dashboard import metrics

    for name, sql, metric in FIGURES:
        orm = timed(lambda: metric(metrics, filters, now), args.runs)[0]
        with CaptureQueriesContext(connection) as sent:
            metric(metrics, filters, now)
        raw = timed(lambda: run_sql(sent[0]["sql"], {}), args.runs)[0]
        hand = timed(lambda: run_sql(sql, params), args.runs)[0]
        print(f"  {name:24} {orm:6.3f}s  {raw:6.3f}s  {hand:6.3f}s")
    review_bench(client, args.until, args.runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Load average during the run: {load:.1f} on {os.cpu_count()} CPUs")
    ok = page[0] <= TARGET_RATIO * bound[0] and page[0] < TARGET_SECONDS
    print(f"Target: the page within {TARGET_RATIO}× of the bound and under {TARGET_SECONDS:.0f} s: "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
