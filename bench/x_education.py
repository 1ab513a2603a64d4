"""What converts, judged on real data: the public X Education lead-scoring data set.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x_education .venv/bin/python bench/x_education.py \
        /work/shared/data/x_education_leads.csv

Imports the CSV (9,240 leads of an online-course seller; never copied into the repository)
into the database DATABASE_URL names — created and migrated when missing; its earlier
"x-education" leads are removed first —, runs `qualification.learning.report()` on it and
prints the proposal's rules and its hold-out figures next to a plain logistic regression on
the same traits, fitted on the same training part and scored on the same hold-out (once with
the window traits, once without: the traits a policy can say). Without
DATABASE_URL it uses a throw-away SQLite file.

How the columns become Handoff's fields (`lead_fields()`, `activities()`):
- `Prospect ID` → external id (source system "x-education"); `Lead Number` orders the
  arrivals: lead n arrives 6 minutes × (n − the first number) after 2025-01-06 08:00 UTC,
  the only time order the data has.
- `Lead Origin` → first conversion action (see ORIGIN); `Lead Source` → original source as
  written, and a channel (see CHANNEL); `Country` → company country (ISO code), `City` →
  region, `Specialization` → product interest, `What is your current occupation` → job title.
- `TotalVisits` → that many page visits, each with its share of `Page Views Per Visit` and
  `Total Time Spent on Website` in its details (`data.seconds`: the window trait *minutes on
  the website* adds them up, and a minutes rule reads it); `A free copy of Mastering The Interview` →
  a download; `Last Activity` → one activity of its kind when it is something the lead did
  (see LAST_ACTIVITY; what sales did — an SMS sent, a call — and bounces are left out).
- `Converted` = 1 → won, 14 days after arrival; otherwise lost then.
- `Select` is a form field left unanswered: empty. `Tags`, `Lead Quality`, `Lead Profile`
  and the `Asymmetrique` scores are sales' notes and grades written after contact, and the
  newsletter check boxes are nearly all "No": none of them is read.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_SYSTEM = "x-education"
FIRST_ARRIVAL = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
BETWEEN_NUMBERS = timedelta(minutes=6)
DECIDED_AFTER = timedelta(days=14)

ORIGIN = {
    "Landing Page Submission": "download",
    "Lead Add Form": "contact_form",
    "Quick Add Form": "contact_form",
    "API": "other",
    "Lead Import": "other",
}
CHANNEL = {
    "google": "google_ads", "pay per click ads": "google_ads", "testone": "google_ads",
    "organic search": "organic", "bing": "organic",
    "direct traffic": "direct",
    "reference": "referral", "referral sites": "referral", "welingak website": "referral",
    "welearn": "referral", "welearnblog_home": "referral", "blog": "referral",
    "facebook": "meta", "nc_edm": "email",
    "olark chat": "other", "live chat": "other", "click2call": "other", "press_release": "other",
    "social media": "other", "youtubechannel": "other",
}
LAST_ACTIVITY = {
    "Email Opened": "email_open",
    "Email Link Clicked": "email_click",
    "View in browser link Clicked": "email_click",
    "Page Visited on Website": "page_visit",
    "Form Submitted on Website": "form_submission",
    "Converted to Lead": "form_submission",
    "Visited Booth in Tradeshow": "event_visit",
}
COUNTRY = {
    "India": "IN", "United States": "US", "United Arab Emirates": "AE", "Singapore": "SG",
    "Saudi Arabia": "SA", "United Kingdom": "GB", "Australia": "AU", "Qatar": "QA", "Hong Kong": "HK",
    "Bahrain": "BH", "Oman": "OM", "France": "FR", "Nigeria": "NG", "South Africa": "ZA",
    "Germany": "DE", "Kuwait": "KW", "Canada": "CA", "Sweden": "SE", "China": "CN", "Asia/Pacific Region": "",
    "Uganda": "UG", "Bangladesh": "BD", "Italy": "IT", "Belgium": "BE", "Netherlands": "NL", "Ghana": "GH",
    "Philippines": "PH", "Russia": "RU", "Switzerland": "CH", "Vietnam": "VN", "Denmark": "DK",
    "Tanzania": "TZ", "Liberia": "LR", "Malaysia": "MY", "Kenya": "KE", "Sri Lanka": "LK",
    "Indonesia": "ID", "unknown": "",
}


def answer(row: dict, column: str) -> str:
    value = (row.get(column) or "").strip()
    return "" if value == "Select" else value


def number(row: dict, column: str) -> float:
    try:
        return float(answer(row, column) or 0)
    except ValueError:
        return 0.0


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as file:  # newline="": CRLF ends rows
        rows = list(csv.DictReader(file))
    missing = {"Prospect ID", "Lead Number", "Converted", "TotalVisits"} - set(rows[0] if rows else [])
    if missing:
        raise SystemExit(f"{path} is not the X Education file: no column {', '.join(sorted(missing))}.")
    return rows


def arrival(row: dict, first_number: int) -> datetime:
    return FIRST_ARRIVAL + (int(row["Lead Number"]) - first_number) * BETWEEN_NUMBERS


def lead_fields(row: dict, first_number: int) -> dict:
    arrived = arrival(row, first_number)
    source = answer(row, "Lead Source")
    won = row["Converted"].strip() == "1"
    return {
        "source_system": SOURCE_SYSTEM,
        "external_id": row["Prospect ID"],
        "job_title": answer(row, "What is your current occupation"),
        "conversion_action": ORIGIN.get(answer(row, "Lead Origin"), "other"),
        "channel": CHANNEL.get(source.lower(), "unknown" if not source else "other"),
        "source": source,
        "product_interest": answer(row, "Specialization"),
        "created_at": arrived,
        "stage": "won" if won else "lost",
        "stage_changed_at": arrived + DECIDED_AFTER,
        "won_at": arrived + DECIDED_AFTER if won else None,
        "lost_at": None if won else arrived + DECIDED_AFTER,
    }


def company_fields(row: dict) -> dict:
    return {
        "name": f"X Education prospect {row['Lead Number']}",
        "country": COUNTRY.get(answer(row, "Country"), ""),
        "region": answer(row, "City"),
    }


def activities(row: dict, first_number: int) -> list[dict]:
    """What the lead did, an hour apart from its arrival on: its visits, the download, its last
    activity."""
    arrived = arrival(row, first_number)
    visits = int(number(row, "TotalVisits"))
    seconds = number(row, "Total Time Spent on Website")
    pages = number(row, "Page Views Per Visit")
    done = [
        {"kind": "page_visit", "occurred_at": arrived + timedelta(hours=hour),
         "data": {"pages": pages, "seconds": round(seconds / visits)}}
        for hour in range(visits)
    ]
    if answer(row, "A free copy of Mastering The Interview") == "Yes":
        done.append({"kind": "download", "occurred_at": arrived + timedelta(hours=visits), "title": "Mastering The Interview", "data": {}})
    last = LAST_ACTIVITY.get(answer(row, "Last Activity"))
    if last:
        done.append({"kind": last, "occurred_at": arrived + timedelta(hours=visits + 1), "data": {}})
    return done


def import_rows(rows: list[dict]) -> int:
    from django.db import transaction

    from leads.models import Activity, Company, Lead

    first_number = min(int(row["Lead Number"]) for row in rows)
    with transaction.atomic():
        Company.objects.filter(leads__source_system=SOURCE_SYSTEM).delete()
        Lead.objects.filter(source_system=SOURCE_SYSTEM).delete()
        companies = Company.objects.bulk_create(Company(**company_fields(row)) for row in rows)
        leads = Lead.objects.bulk_create(
            Lead(company=company, **lead_fields(row, first_number)) for row, company in zip(rows, companies)
        )
        Activity.objects.bulk_create(
            (Activity(lead=lead, **activity) for row, lead in zip(rows, leads) for activity in activities(row, first_number)),
            batch_size=5000,
        )
    return len(leads)


def logistic_regression(training, holdout, *, leave_out=()) -> tuple[float | None, int]:
    """A plain logistic regression on the same traits (every trait value of
    `qualification.whatconverts.traits_of()` seen on at least 10 training leads, as yes/no
    features; none of the attributes in `leave_out`), fitted on the training part: its AUC on
    the hold-out, and how many features."""
    from collections import Counter

    from qualification.regression import auc, fit_logistic, grouped
    from qualification.whatconverts import traits_of

    seen = Counter(trait for record in training for trait in set(traits_of(record)) if trait[0] not in leave_out)
    features = {trait: index for index, trait in enumerate(sorted(trait for trait, n in seen.items() if n >= 10))}

    def row(record):
        return sorted({features[trait] for trait in traits_of(record) if trait in features})

    intercept, weights = fit_logistic(grouped([row(r) for r in training], [r.won for r in training]), len(features), ridge=0.1)
    values = [intercept + sum(weights[index] for index in row(record)) for record in holdout]
    return auc(values, [record.won for record in holdout]), len(features)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path, help="x_education_leads.csv")
    parser.add_argument(
        "--demo-policy", action="store_true",
        help="Compare with the demo's policy v1 as the active policy (created when no policy exists): "
        "the proposal then also keeps its student disqualifier.",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.gettempdir()}/x_education.sqlite3"
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="revops.settings", DEBUG="false")
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(16).hex())
    if database_url.startswith("postgres"):
        from bench.ingest import create_database

        create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import translation

    from qualification import learning
    from qualification.models import QualificationPolicy
    from qualification.proposal import MAX_RULES, split_by_time
    from qualification.whatconverts import Trait

    window_traits = (Trait.TOUCHPOINTS, Trait.TIME_ON_SITE)

    translation.activate("en")
    call_command("migrate", verbosity=0)
    if args.demo_policy:
        from django.utils import timezone

        from demo.qualification import ensure_demo_policy

        ensure_demo_policy(now=timezone.now())
    rows = read_rows(args.csv)
    started = time.monotonic()
    imported = import_rows(rows)
    print(f"imported {imported} leads in {time.monotonic() - started:.1f} s into {database_url}")

    started = time.monotonic()
    until = learning.end_of_history()
    # As `manage.py whatconverts` reads it: the leads old enough to have been won.
    records = learning.history(until=until, arrived_before=until - learning.time_to_win(until=until))
    report = learning.report_from(records, active=QualificationPolicy.objects.with_rules().active(), until=until)
    print(f"report in {time.monotonic() - started:.1f} s: {report.table.leads} leads, {report.table.won} won")
    for pattern in report.pattern_texts():
        print(" -", pattern)
    proposal = report.proposal
    assert len(proposal.rules) <= MAX_RULES
    print(f"proposal: {len(proposal.rules)} rules, MQL at fit ≥ {proposal.snapshot.fit_threshold}, engagement ≥ {proposal.snapshot.engagement_threshold}")
    for rule in proposal.rules:
        print(f"  {rule.points:+4d}  {rule.label}")
    validation = report.validation
    training, holdout, _cutoff = split_by_time(records)
    regression_auc, feature_count = logistic_regression(training, holdout)
    print(f"hold-out: {validation.holdout_leads} leads ({validation.holdout_won} won) after {validation.cutoff:%Y-%m-%d %H:%M}; training: {validation.training_leads}")
    print(f"proposal AUC {validation.auc:.3f}, top 10 % won {validation.top_decile_rate:.1%}, top 30 % won {validation.top_30_rate:.1%}")
    if validation.active_auc is not None:
        print(f"active policy AUC {validation.active_auc:.3f}, top 10 % won {validation.active_top_decile_rate:.1%}, top 30 % won {validation.active_top_30_rate:.1%}")
    print(f"logistic regression on the same traits ({feature_count} features) AUC {regression_auc:.3f}")
    print(f"difference {regression_auc - validation.auc:+.3f}")
    # The window traits (touchpoints and minutes on site in the 30 days before MQL) are no
    # rule a policy can say: the regression without them is the one on the proposal's traits.
    without_auc, without_count = logistic_regression(training, holdout, leave_out=window_traits)
    print(f"logistic regression without the window traits ({without_count} features) AUC {without_auc:.3f}, difference {without_auc - validation.auc:+.3f}")


if __name__ == "__main__":
    main()
