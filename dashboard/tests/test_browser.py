"""The funnel dashboard in real Chromium, under the page's strict Content-Security-Policy."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ["funnel", "weekly", "first-attempt", "mql-to-sql", "sources"]
WORLD_QUERY = "?mode=cohort&start=2026-11-01&end=2026-11-15"


def test_charts_render_without_any_csp_violation(
    page, live_server, log_in, marketer, world, screenshot, console_problems
):
    problems = console_problems
    log_in(marketer)

    page.goto(f"{live_server.url}/dashboard/{WORLD_QUERY}")
    for name in CHARTS:
        page.wait_for_selector(f'[data-figure="figure-{name}"][data-rendered="true"]')

    # plotly.js drew its SVG and styled its toolbar (its style rules got in: hashes allowed).
    assert page.locator('[data-figure="figure-funnel"] svg.main-svg').count() >= 1
    assert page.locator('[data-figure="figure-funnel"] .funnellayer .point').count() == 6
    modebar_position = page.locator(".modebar").first.evaluate("e => getComputedStyle(e).position")
    assert modebar_position == "absolute"
    assert problems == []
    screenshot("desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector('[data-figure="figure-sources"][data-rendered="true"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page
    screenshot("phone")
    assert problems == []


def test_filters_change_the_address_and_the_figures(page, live_server, log_in, marketer, world):
    log_in(marketer)
    page.goto(f"{live_server.url}/dashboard/{WORLD_QUERY}")

    page.select_option("#id_team", str(world.north.pk))
    with page.expect_navigation():
        page.click("#filters button[type=submit]")

    assert f"team={world.north.pk}" in page.url
    first_row = page.locator("#funnel-table tbody tr").first.locator("td").first
    assert first_row.inner_text() == "3"  # A, B and L


def test_a_campaign_named_like_a_link_is_drawn_as_text(page, live_server, log_in, marketer, world):
    """utm_campaign comes from a visitor's link; plotly.js would draw <a href> as a link."""
    from leads import rollups
    from leads.models import Lead

    hostile = '<a href="https://evil.example">Klik</a>'
    Lead.objects.filter(campaign="Search").update(campaign=hostile)
    rollups.refresh(Lead.objects, Lead.objects.values_list("pk", flat=True))
    log_in(marketer)

    page.goto(f"{live_server.url}/dashboard/{WORLD_QUERY}&channel=google_ads")
    page.wait_for_selector('[data-figure="figure-sources"][data-rendered="true"]')

    chart = page.locator('[data-figure="figure-sources"]')
    assert chart.locator("svg a").count() == 0
    assert hostile in chart.locator(".ytick text").all_text_contents()
