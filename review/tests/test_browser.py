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


def _row(page, anchor):
    return page.locator(f"tr#{anchor}")


def _in_view(page, selector) -> bool:
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect(); return r.bottom > 0 && r.top > -2 && r.top < innerHeight; }",
        selector,
    )


@pytest.mark.parametrize("width", [1440, 390])
def test_a_manager_acts_in_the_meeting_and_lands_where_they_acted(
    page, live_server, log_in, manager, rep, week_world, screenshot, console_problems, width
):
    from review.models import ActionItem

    leads = week_world.leads
    e, b, c = leads["E"].pk, leads["B"].pk, leads["C"].pk
    page.set_viewport_size({"width": width, "height": 900})
    log_in(manager)
    page.goto(f"{live_server.url}/review/?week={WEEK}&team={week_world.north.pk}")
    page.wait_for_selector('[data-figure="figure-within-sla"][data-rendered="true"]')

    # E missed its 15-minute first contact: discussed in the meeting.
    with page.expect_navigation():
        _row(page, f"missed-{e}").get_by_role("button", name="Markeer als besproken").click()
    assert page.url.endswith(f"#missed-{e}") and _in_view(page, f"#missed-{e}")
    assert "✓ Besproken" in _row(page, f"missed-{e}").inner_text()

    # B has no feedback yet: its owner is nudged, once today.
    with page.expect_navigation():
        _row(page, f"no-feedback-{b}").get_by_role("button", name="Spoor de eigenaar aan").click()
    assert _in_view(page, f"#no-feedback-{b}")
    assert "Eigenaar vandaag aangespoord" in _row(page, f"no-feedback-{b}").inner_text()
    assert "krijgt een herinnering" in page.locator(".messages").inner_text()

    # C goes to another rep, with the reason the new owner reads.
    row = _row(page, f"no-feedback-{c}")
    row.locator("summary", has_text="Overdragen").click()
    row.get_by_label("Nieuwe eigenaar").select_option(str(rep.pk))
    row.get_by_label("Reden").fill("Rep kent dit bedrijf al")
    with page.expect_navigation():
        row.locator("form[action$='reassign'] button").click()
    assert "is nu van Rep" in page.locator(".messages").inner_text()
    screenshot(f"acted-{width}")

    # An action for next week, shown until it is marked done.
    actions = page.locator("#actions")
    actions.locator("summary").click()
    actions.locator("input[name=text]").fill("Beursleads samen nabellen")
    actions.locator("select[name=owner]").select_option(str(rep.pk))
    with page.expect_navigation():
        actions.get_by_role("button", name="Actie afspreken").click()
    assert page.url.endswith("#actions")
    assert "Beursleads samen nabellen" in page.locator("#action-table").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(f"action-{width}")
    with page.expect_navigation():
        page.locator("#action-table").get_by_role("button", name="Markeer als gedaan").click()
    assert page.locator("#action-table").count() == 0
    assert ActionItem.objects.get().done_by == manager
    assert console_problems == []


def test_the_a4_print_shows_all_twelve_weeks_of_every_trend(page, live_server, log_in, marketer, week_world, screenshot):
    log_in(marketer)
    page.goto(f"{live_server.url}/review/?week={WEEK}&team=")
    page.wait_for_selector('[data-figure="figure-mql-to-sql"][data-rendered="true"]')
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    for name in CHARTS:
        page.wait_for_selector(f'[data-figure="figure-{name}"][data-printed="true"]')
        box = page.locator(f'[data-figure="figure-{name}"]').bounding_box()
        svg = page.locator(f'[data-figure="figure-{name}"] svg.main-svg').first.bounding_box()
        assert svg["width"] <= box["width"] + 1, name  # drawn within its printed box, not cut off
        weeks = page.locator(f'[data-figure="figure-{name}"] .scatterlayer .trace').first.locator(".point")
        for point in weeks.all():  # every week with a figure has its marker inside the box
            marker = point.bounding_box()
            assert box["x"] <= marker["x"] and marker["x"] + marker["width"] <= box["x"] + box["width"] + 1, name
    screenshot("print")
    assert page.pdf(format="A4")[:4] == b"%PDF"
