"""Benchmark: the funnel dashboard (90 days, 12 months, all time, activity mode), the weekly
review, the home page and the leads queue on a million leads, each against an honest bound.

From a clean clone (builds the data first with bench/dataset.py: migrate, `seeddemo` for a
20,000-lead base copied inside PostgreSQL to a million, VACUUM (ANALYZE), the rollups; about
ten minutes):

    ./dev setup
    .venv/bin/python bench/dashboard.py --build \\
        --database-url postgres://postgres@127.0.0.1:5432/handoff_bench

On a database that already holds the demo data (a copy is fine), migrate it and rebuild the
rollups first, then measure:

    DATABASE_URL=postgres://…/handoff_bench_copy .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://…/handoff_bench_copy .venv/bin/python manage.py rebuildrollups
    .venv/bin/python bench/dashboard.py --database-url postgres://…/handoff_bench_copy

For every page it prints the server time (in-process, from request to response) and its bound,
measured by turns (A B A B) so that other work on the machine falls on both alike, with the
median of the ratio within each pair. The bound is the page's own SQL sent raw — for the
figures read from the rollups, the rollup read in plain SQL, the cheapest read of those
figures; beside it, one index-only pass over the cohort (the least a page reading the leads
must do). It checks first that the rollups give the same counts as the leads, prints the
cold figures (a new connection's first request) once, and the load average beside every
figure.
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

# Server time targets at 1M leads / 10M activities (seconds, medians).
TARGETS = {"dashboard": 0.150, "review": 0.300, "home": 0.100, "queue": 0.100}
# The dashboard's views, and every page measured, by their short names (--only, --figures).
VIEWS = ("90d", "12m", "all", "activity")
PAGES = (*VIEWS, "review", "home", "queue")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgres://user@host:port/name")
    parser.add_argument("--build", action="store_true", help="build the data set first (bench/dataset.py; the database must hold no leads)")
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads to build (default 1,000,000)")
    parser.add_argument("--base", type=int, default=20_000, help="leads seeddemo writes for bench/dataset.py to copy (default 20,000)")
    parser.add_argument("--until", type=date.fromisoformat, default=date(2026, 11, 20), help="the demo data's last day, and the period's (default 2026-11-20)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement (default 7)")
    parser.add_argument("--only", default=",".join(PAGES), help=f"the pages to measure, comma-separated among {','.join(PAGES)} (default all)")
    parser.add_argument("--figures", default="90d", help=f"the views whose every figure is timed on its own, comma-separated among {','.join(VIEWS)}, or 'none' (default 90d)")
    parser.add_argument("--review-figures", action="store_true", help="time every figure of the weekly review (each function review.metrics.review() calls, and the completeness table) on its own")
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


def build(leads: int, base: int, until: date) -> None:
    """The data set through bench/dataset.py: seeddemo for a base, replicated inside PostgreSQL,
    VACUUM (ANALYZE), the rollups rebuilt."""
    import dataset

    dataset.build(leads=leads, base=base, until=until)


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:4.1f}/{five:4.1f}"


def seconds_of(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def sent_sql(function) -> list[str]:
    """The SELECT statements `function` sends, with their parameters filled in."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    # (A UNION of parenthesized SELECTs starts with "(": left out, the histograms' reads were
    # missing from the bound and the count until 2026-12-08.)
    reads = ("SELECT", "WITH", "(")
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(reads)]


def run_sql(sql: str, params: dict | None = None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or None)
        return cursor.fetchall()


def replay(statements: list[str]) -> None:
    """The page's own SQL, sent raw: no ORM, no Python figures, no template."""
    for sql in statements:
        run_sql(sql.replace("%", "%%"))


def alternate(page, bound, runs: int) -> tuple[float, float, float]:
    """Page and bound by turns, A B A B, after one warm-up each: (median page seconds, median
    bound seconds, median of the ratio within each pair). Taking turns shares out whatever
    else the machine is doing between both."""
    page(), bound()
    pages, bounds, ratios = [], [], []
    for _ in range(runs):
        a, b = seconds_of(page), seconds_of(bound)
        pages.append(a)
        bounds.append(b)
        ratios.append(a / b)
    return statistics.median(pages), statistics.median(bounds), statistics.median(ratios)


def figures(metrics, filters, now) -> list[tuple[str, object]]:
    """Every figure of the dashboard (metrics.dashboard), each as a call on its own."""
    return [
        ("funnel", lambda: metrics.funnel(filters, now=now)),
        ("lead time distributions", lambda: metrics.lead_time_distributions(filters)),
        ("weekly MQL to SQL", lambda: metrics.weekly_mql_to_sql(filters, now=now)),
        ("breakdown per channel", lambda: metrics.breakdown_rows(filters)),
        ("feedback per channel", lambda: metrics.feedback_per_source(filters)),
        ("follow-up per team", lambda: metrics.follow_up_per_person_or_team(filters)),
        ("lost reasons", lambda: metrics.lost_reasons(filters)),
        ("comments", lambda: metrics.feedback_comments(filters)),
        ("speed to lead", lambda: metrics.speed_to_lead(filters)),
        ("the two clocks", lambda: metrics.response_clocks(filters)),
        ("who sourced it", lambda: metrics.sourcing(filters)),
        ("campaign costs", lambda: metrics.campaign_costs(filters)),
        ("after the sale", lambda: metrics.after_sale(filters)),
        ("routing quality", lambda: metrics.routing_quality(filters, now=now)),
    ]


def review_figures(week, now) -> list[tuple[str, object]]:
    """Every figure of the weekly review (review.metrics.review, all teams), each as a call
    on its own, and the completeness table the page adds."""
    from handoff.models import HandoffSettings, current_agreement
    from review import metrics
    from review.completeness import week_completeness

    agreement, calendar = current_agreement(), HandoffSettings.load().calendar()
    scope = {"week": week, "team_id": None}
    return [
        ("trend (12 weeks)", lambda: metrics.trend(**scope, now=now, agreement=agreement)),
        ("per team and rep", lambda: metrics.per_team(**scope, now=now, agreement=agreement)),
        ("missed deadlines", lambda: metrics.missed_deadlines(**scope, now=now, agreement=agreement, calendar=calendar)),
        ("without feedback", lambda: metrics.without_feedback(**scope)),
        ("rejections per channel", lambda: metrics.rejections_per_channel(**scope)),
        ("rejections by reason", lambda: metrics.rejections_by_reason(**scope)),
        ("completeness", lambda: week_completeness(**scope)),
        ("the whole review()", lambda: metrics.review(**scope, now=now, agreement=agreement, calendar=calendar)),
    ]


# One index-only pass over the cohort reading every column the rolled-up figures need (the
# covering index lead_funnel_reached): the least any page that reads the leads must do.
SINGLE_PASS_SQL = """
SELECT count(*), count(mql_at), count(sal_at), count(sql_at), count(opportunity_at), count(won_at),
       count(first_attempt_at), sum(attempt_count), sum(deal_value), count(DISTINCT channel),
       count(DISTINCT campaign), count(team_id), count(owner_id)
FROM leads_lead WHERE created_at >= %(start)s AND created_at < %(end)s
"""


def main():
    args = parse_args()
    if args.build:
        import dataset

        dataset.copies_for(args.leads, args.base)
        dataset.create_database_if_missing(args.database_url)
    setup_django(args.database_url)
    if args.build:
        build(args.leads, args.base, args.until)

    from datetime import datetime
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from dashboard import metrics
    from dashboard.filters import LONGEST_PERIOD_DAYS, Filters, Mode, default_period
    from dashboard.metrics import rolled_up
    from leads.models import (
        ActivityLeadTimeRollup,
        ActivityRollup,
        CohortRollup,
        Lead,
        LeadTimeRollup,
    )
    from review.weeks import IsoWeek

    until = args.until
    now = timezone.now()  # as the pages see it
    first_day, last_day = default_period(until)
    views = [
        ("90d", "dashboard, 90 days (default)", Filters(first_day=first_day, last_day=last_day)),
        ("12m", "dashboard, 12 months", Filters(first_day=until - timedelta(days=364), last_day=until)),
        ("all", "dashboard, all time (3 years)", Filters(first_day=until - timedelta(days=LONGEST_PERIOD_DAYS - 1), last_day=until)),
        ("activity", "dashboard, activity, 90 days", Filters(first_day=first_day, last_day=last_day, mode=Mode.ACTIVITY)),
    ]
    only = [name for name in args.only.split(",") if name]
    figures_of = [name for name in args.figures.split(",") if name and name != "none"]
    unknown = [name for name in only if name not in PAGES] + [name for name in figures_of if name not in VIEWS]
    if unknown:
        sys.exit(f"Unknown page or view: {', '.join(unknown)} (pages: {', '.join(PAGES)})")
    marketer = get_user_model().objects.get(username="noor")
    client = Client()
    client.force_login(marketer)

    def getter(url):
        def get():
            response = client.get(url, secure=True)  # production redirects plain HTTP
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    pages = []
    for short, name, filters in views:
        query = "&".join(f"{k}={v}" for k, v in filters.as_query().items())
        pages.append((short, "dashboard", name, f"/dashboard/?{query}", filters))
    week = IsoWeek.last_complete(datetime.combine(until, clock(23, 0), tzinfo=ZoneInfo("Europe/Amsterdam")))
    pages.append(("review", "review", f"weekly review, {week}, all teams", f"/review/?week={week}&team=", None))
    pages.append(("home", "home", "home (overview)", "/dashboard/overview/", None))
    pages.append(("queue", "queue", "leads queue (marketing: all)", "/leads/", None))
    pages = [page for page in pages if page[0] in only]

    print(f"Database: {connection.settings_dict['NAME']}, {Lead.objects.count():,} leads; rollups: "
          f"{CohortRollup.objects.count():,} cohort rows, {LeadTimeRollup.objects.count():,} lead-time rows, "
          f"{ActivityRollup.objects.count():,} activity rows, {ActivityLeadTimeRollup.objects.count():,} activity lead-time rows; "
          f"{os.cpu_count()} CPUs; {load()}")

    # The rollups must hold the same figures as the leads: the default view and activity mode both ways.
    default = views[0][2]
    funnel_module = sys.modules["dashboard.metrics.funnel"]
    activity = [filters for short, _name, filters in views if short == "activity" and short in [*only, *figures_of]]
    for title, checked in [("Default view", default), *[("Activity view", f) for f in activity[:1]]]:
        from_rollups = rolled_up.funnel_row(checked, now=now, percentiles=metrics.PERCENTILES)
        from_leads = funnel_module._aggregated(checked, now=now)
        counts = [k for k in from_leads if not k.startswith("time_") and k != "first_attempt_time"]
        differ = [k for k in counts if (from_rollups[k] or 0) != (from_leads[k] or 0)]
        assert not differ, [(title, k, from_rollups[k], from_leads[k]) for k in differ]
        worst = max(
            abs(r - e) / max(abs(e), 1.0)
            for k in from_leads if k.startswith("time_") or k == "first_attempt_time"
            for r, e in zip(from_rollups[k] or [], from_leads[k] or [])
        )
        print(f"{title}: {from_leads['leads']:,} leads arrived, {from_leads['mql']:,} reached MQL; every count "
              f"from the rollups equals the count from the leads; lead times within {worst:.2%} of the exact percentiles")
    print("  funnel figure from the leads (before the rollups): "
          f"{statistics.median(seconds_of(lambda: funnel_module._aggregated(default, now=now)) for _ in range(3)):.3f}s, "
          f"from the rollups: {statistics.median(seconds_of(lambda: metrics.funnel(default, now=now)) for _ in range(3)):.3f}s  ({load()})")

    print("\nCold: the first request of each page on a new database connection (the server's "
          "buffer cache is shared with other work and not dropped):")
    for _short, _kind, name, url, _filters in pages:
        connection.close()
        print(f"  {name:36} {seconds_of(getter(url)):7.3f}s  ({load()})")

    print(f"\nWarm, page and bound by turns (A B A B), medians of {args.runs} pairs. Page: server time "
          "in-process, request to response. Bound: the same SQL the page sends, run raw (no ORM, no "
          "Python figures, no template); for the rolled-up figures that is the rollup read in plain "
          "SQL, the cheapest read of them.")
    print(f"  {'':36} {'page':>8} {'bound':>8} {'ratio':>6} {'queries':>7} {'cohort pass':>11} {'target':>7}")
    met = True
    for _short, kind, name, url, filters in pages:
        get = getter(url)
        statements = sent_sql(get)
        page, bound, ratio = alternate(get, lambda: replay(statements), args.runs)
        single = ""
        if filters is not None and filters.is_cohort:
            params = {"start": filters.start_at, "end": filters.end_at}
            single = f"{statistics.median(seconds_of(lambda: run_sql(SINGLE_PASS_SQL, params)) for _ in range(3)):10.3f}s"
        ok = page <= TARGETS[kind]
        met &= ok
        print(f"  {name:36} {page:7.3f}s {bound:7.3f}s {ratio:5.2f}× {len(statements):7d} {single:>11} "
              f"{'met' if ok else 'NOT met':>7}  ({load()})")
    print("  (cohort pass: one index-only pass over the view's leads reading what the rolled-up "
          "figures need, the least a page that reads the leads must do)")

    for short, name, filters in views:
        if short not in figures_of:
            continue
        print(f"\nPer figure of the view {name}, median seconds of {args.runs} (ORM function):")
        for figure, call in figures(metrics, filters, now):
            call()
            print(f"  {figure:24} {statistics.median(seconds_of(call) for _ in range(args.runs)):6.3f}s  ({load()})")
    if args.review_figures:
        print(f"\nPer figure of the weekly review, {week}, all teams, median seconds of {args.runs} (ORM function):")
        for figure, call in review_figures(week, now):
            call()
            print(f"  {figure:24} {statistics.median(seconds_of(call) for _ in range(args.runs)):6.3f}s  ({load()})")
    if not pages:
        return 0
    print(f"\nTargets (dashboard views {TARGETS['dashboard'] * 1000:.0f} ms, review {TARGETS['review'] * 1000:.0f} ms, "
          f"home and queue {TARGETS['home'] * 1000:.0f} ms) of the pages measured: {'met' if met else 'NOT all met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
