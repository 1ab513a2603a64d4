import json
import re

from django.contrib.staticfiles import finders

from dashboard.staticfiles import FILE_NAME, PREFIX, bundle_path

LIMIT = 1_500_000  # bytes, uncompressed


def registered_trace_types() -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', bundle_path().read_text()))


def trace_types_on(page: str) -> set[str]:
    figures = re.findall(r'<script id="figure-[\w-]+" type="application/json">(.*?)</script>', page, re.S)
    assert figures, "the page has no figures"
    return {trace.get("type", "scatter") for figure in figures for trace in json.loads(figure)["data"]}


def test_the_finder_serves_the_partial_bundle_under_the_templates_name():
    found = finders.find(f"{PREFIX}/{FILE_NAME}")

    assert found == str(bundle_path())
    assert bundle_path().stat().st_size <= LIMIT


def test_the_bundle_draws_every_trace_type_the_dashboard_and_the_review_use(client, marketer, manager, world):
    client.force_login(marketer)
    dashboard = client.get("/dashboard/?mode=cohort&start=2026-11-01&end=2026-11-15").content.decode()
    client.force_login(manager)
    review = client.get("/review/?week=2026-W46").content.decode()

    used = trace_types_on(dashboard) | trace_types_on(review)

    assert {"bar", "scatter", "funnel"} <= used
    assert used <= registered_trace_types()
