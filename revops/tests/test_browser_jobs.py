"""Each role's job from its start page, in real Chromium, on a laptop (1440 px) and on a phone
(390 px): the rep records an outcome on the most urgent lead, the manager opens the weekly
review, marketing drills down from the funnel to the leads behind a count, RevOps reads the
system health. Every step is screenshotted into SCREENSHOT_DIR (conftest.SCREENSHOTS)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import Activity, Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = Lead.Stage
SCREENS = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
MAX_CLICKS = 3


def fits_the_screen(page) -> bool:
    page.wait_for_load_state()  # after a click the old document may be gone and the new one not yet there
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.fixture
def rep_day(lead, company, rep, team):
    """The rep's day: a lead a day late (the most urgent), one due in a week."""
    now = timezone.now()
    lead.phone = "+31 6 12345678"
    lead.save()
    lead.record_activity(kind=Activity.Kind.WEBINAR, title="Cobots in de food", occurred_at=lead.created_at)
    lead.move_to(S.MQL, rule="kwalificatiebeleid", reason="fit en engagement gehaald")
    Lead.objects.filter(pk=lead.pk).update(respond_by=now - timedelta(days=3))
    later = Lead.objects.create(first_name="Later", last_name="Lead", company=company, owner=rep, team=team, channel="meta")
    later.move_to(S.MQL, rule="kwalificatiebeleid")
    Lead.objects.filter(pk=later.pk).update(respond_by=now + timedelta(days=7))
    return lead


@pytest.mark.parametrize("screen", SCREENS)
def test_rep_starts_on_my_day_and_records_an_outcome_on_the_most_urgent_lead(
    page, live_server, log_in, rep, rep_day, screen, screenshot
):
    page.set_viewport_size(SCREENS[screen])
    log_in(rep)
    assert page.url == f"{live_server.url}/leads/my-day/"
    assert page.locator("#urgent-title").get_by_role("link").inner_text() == "Pieter de Vries"
    assert page.locator(".lateness-counts .lateness-badly_overdue .stat-value").inner_text() == "1"
    assert fits_the_screen(page)
    screenshot(f"{screen}-my-day")

    page.locator("#urgent-title").get_by_role("link").click()
    page.wait_for_url(f"{live_server.url}/leads/{rep_day.pk}/")
    assert fits_the_screen(page)
    screenshot(f"{screen}-lead")

    clicks = 0
    outcome = page.locator("#outcome")
    for control in (outcome.get_by_label("behoefte"), outcome.get_by_label("budget"), outcome.get_by_role("button", name="SQL geworden")):
        control.click()
        clicks += 1
    page.wait_for_load_state()

    assert clicks <= MAX_CLICKS
    assert "De lead is nu SQL." in page.locator(".messages").inner_text()
    screenshot(f"{screen}-outcome-recorded")
    rep_day.refresh_from_db()
    assert rep_day.stage == S.SQL


@pytest.mark.parametrize("screen", SCREENS)
def test_manager_starts_on_the_weekly_review_of_their_team(page, live_server, log_in, manager, rep, rep_day, team, screen, screenshot):
    page.set_viewport_size(SCREENS[screen])
    log_in(manager)

    assert page.url.startswith(f"{live_server.url}/review/")
    assert page.locator("#review-form select[name=team]").input_value() == str(team.pk)
    assert page.locator("#team-table").get_by_text(team.name).count() >= 1
    assert fits_the_screen(page)
    screenshot(f"{screen}-review")

    page.locator("#team-table a[href*='figure=mqls']").first.click()
    page.wait_for_url("**/review/leads/**")
    assert fits_the_screen(page)
    screenshot(f"{screen}-leads-behind-the-figure")


@pytest.fixture
def funnel_world(company, rep, team):
    """Four leads of the last weeks: three became MQLs, one of them went on to SAL."""
    now = timezone.now()
    leads = []
    for n, stages in enumerate([[S.MQL], [S.MQL, S.SAL], [S.MQL], []]):
        lead = Lead.objects.create(
            first_name=f"Funnel{n}", last_name="Lead", company=company, owner=rep, team=team, channel="google_ads",
            created_at=now - timedelta(days=10 + n),
        )
        for stage in stages:
            lead.move_to(stage, rule="test", at=now - timedelta(days=9 + n))
        leads.append(lead)
    return leads


@pytest.mark.parametrize("screen", SCREENS)
def test_marketing_starts_on_the_funnel_and_drills_down_to_the_leads_behind_a_count(
    page, live_server, log_in, marketer, funnel_world, screen, screenshot
):
    page.set_viewport_size(SCREENS[screen])
    log_in(marketer)

    assert page.url.startswith(f"{live_server.url}/dashboard/")
    page.wait_for_selector('[data-figure="figure-funnel"][data-rendered="true"]')
    assert fits_the_screen(page)
    screenshot(f"{screen}-funnel")

    # On a phone the funnel's rows stack, each figure after its column's header.
    reached = page.locator("#funnel-table tbody td").first
    assert reached.get_attribute("data-label") == "Bereikt"
    assert reached.evaluate("cell => getComputedStyle(cell).display") == ("table" if screen == "phone" else "table-cell")

    mql_count = page.locator("#funnel-table a[href*='stage=mql']").first
    assert mql_count.inner_text() == "3"
    mql_count.click()
    page.wait_for_url("**/dashboard/leads/**")

    listed = page.locator("table.queue tbody tr").all_inner_texts()
    assert sorted(row.split()[0] for row in listed) == ["Funnel0", "Funnel1", "Funnel2"]
    assert fits_the_screen(page)
    screenshot(f"{screen}-leads-behind-the-count")


@pytest.mark.parametrize("screen", SCREENS)
def test_revops_starts_on_system_health(page, live_server, log_in, revops_admin, screen, screenshot):
    page.set_viewport_size(SCREENS[screen])
    log_in(revops_admin)

    assert page.url == f"{live_server.url}/system/"
    for section in ("worker-title", "review-title", "messages-title", "imports-title"):
        assert page.locator(f"#{section}").is_visible(), section
    assert fits_the_screen(page)
    screenshot(f"{screen}-system-health")


def test_charts_have_no_toolbar_on_a_touch_screen(chromium, live_server, marketer, funnel_world):
    """plotly.js's mode bar gets in the way of scrolling with a finger (static/js/dashboard.js)."""
    context = chromium.new_context(viewport=SCREENS["phone"], is_mobile=True, has_touch=True, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", marketer.username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector('[data-figure="figure-funnel"][data-rendered="true"]')

    assert page.evaluate("matchMedia('(hover: none)').matches")
    assert page.locator(".modebar").count() == 0
    context.close()


def test_on_a_laptop_charts_keep_their_toolbar(page, live_server, log_in, marketer, funnel_world):
    page.set_viewport_size(SCREENS["laptop"])
    log_in(marketer)
    page.wait_for_selector('[data-figure="figure-funnel"][data-rendered="true"]')
    assert page.locator(".modebar").count() >= 1


def test_the_queue_shows_every_column_at_1280_px(page, live_server, log_in, manager, rep, rep_day, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(manager)
    page.goto(f"{live_server.url}/leads/")
    box = page.locator(".table-scroll:has(table.queue)")
    assert box.evaluate("box => box.scrollWidth <= box.clientWidth")  # nothing clipped or scrolled away
    assert page.locator("table.queue thead th").last.is_visible()
    screenshot("queue-1280")
