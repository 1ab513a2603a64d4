"""The weekly review in real Chromium: the trends draw under the strict CSP, the week picker
navigates, the page fits a phone and prints."""

import pytest

from review.tests.world import WEEK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ["within-sla", "median", "p90", "feedback", "delivered", "accepted", "complete", "mql-to-sql"]


def test_trends_render_without_csp_violations_and_the_week_picker_works(
    page, live_server, log_in, marketer, week_world, screenshot, console_problems
):
    problems = console_problems
    log_in(marketer)

    page.goto(f"{live_server.url}/review/?week={WEEK}&team=")
    for name in CHARTS:
        page.wait_for_selector(f'[data-figure="figure-{name}"][data-rendered="true"]')
    assert page.locator('[data-figure="figure-within-sla"] .scatterlayer .trace').count() == 2  # figure, target
    assert problems == []
    screenshot("desktop")

    page.fill("#id_week", "2027-W13")
    with page.expect_navigation():
        page.click("#review-form button[type=submit]")
    assert "week=2027-W13" in page.url
    with page.expect_navigation():
        page.click("a[rel=prev]")
    assert "week=2027-W12" in page.url
    # In Dutch (the default), and as of today D's deadline is still ahead: 4 of 5 due leads.
    assert page.locator(".review-tile .stat-value").first.inner_text() == "80,0 %"

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector('[data-figure="figure-mql-to-sql"][data-rendered="true"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page
    screenshot("phone")

    page.emulate_media(media="print")
    assert page.locator("#review-form").evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).display") == "none"
    assert problems == []
