"""The sales workspace as a rep uses it, in real Chromium (Dutch, the default language)."""

import pytest

from conftest import SCREENSHOTS
from leads.models import Activity, Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = Lead.Stage
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def mql(lead):
    lead.phone = "+31 6 12345678"
    lead.save()
    lead.record_activity(kind=Activity.Kind.WEBINAR, title="Cobots in de food", occurred_at=lead.created_at)
    lead.move_to(S.MQL, rule="kwalificatiebeleid", reason="fit en engagement gehaald")
    return lead


@pytest.fixture
def screenshot_dir(request):
    """For a test with its own browser context (the `screenshot` fixture uses `page`)."""
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_rep_works_a_lead_from_queue_to_feedback(page, live_server, log_in, rep, mql, screenshot):
    log_in(rep)
    page.goto(f"{live_server.url}/leads/")
    assert page.locator("h1").inner_text() == "Leads"
    screenshot("queue")

    page.get_by_role("link", name="Pieter de Vries").click()
    assert page.url == f"{live_server.url}/leads/{mql.pk}/"
    assert "Goedendag Pieter" in page.locator(".opening-line").inner_text()
    screenshot("lead-page")

    page.locator("#outcome").get_by_role("button", name="Voicemail").click()
    assert "Contactpoging vastgelegd: Bellen: Voicemail (1 tot nu toe)." in page.locator(".messages").inner_text()
    mql.refresh_from_db()
    assert mql.stage == S.SAL  # the first attempt accepted it
    screenshot("attempt-logged")

    page.locator("#outcome").get_by_role("button", name="Geen fit").click()
    assert page.locator("#id_outcome-no_fit_reason_error").inner_text() == "Geef aan waarom de lead geen fit is."
    mql.refresh_from_db()
    assert (mql.stage, mql.attempt_count) == (S.SAL, 1)
    screenshot("no-fit-without-reason")

    page.locator("#outcome").get_by_label("Waarom geen fit?").select_option(label="Te klein")
    page.locator("#outcome").get_by_role("button", name="Geen fit").click()
    assert "De lead is nu Gediskwalificeerd." in page.locator(".messages").inner_text()
    history = page.locator("section[aria-labelledby=history-title]").inner_text()
    assert "Geen fit: Te klein" in history
    assert "Gediskwalificeerd" in history
    mql.refresh_from_db()
    assert mql.stage == S.DISQUALIFIED
    screenshot("saved-and-in-history")


def test_rep_cannot_open_another_reps_lead(page, live_server, log_in, other_rep, mql, screenshot):
    log_in(other_rep)
    response = page.goto(f"{live_server.url}/leads/{mql.pk}/")
    assert response.status == 403
    page.goto(f"{live_server.url}/leads/")
    assert page.get_by_role("link", name="Pieter de Vries").count() == 0
    screenshot("not-in-queue")


def test_outcome_by_keyboard_without_javascript(chromium, live_server, rep, mql, screenshot_dir):
    """Press how the conversation ended: no script, only the keyboard, one page load."""
    context = chromium.new_context(java_script_enabled=False, viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", rep.username)
    page.fill("#id_password", "pw")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_server.url}/leads/{mql.pk}/")
    loads = []
    page.on("load", lambda _: loads.append(page.url))

    page.locator("#outcome").get_by_label("Kanaal").focus()
    while page.evaluate("document.activeElement.textContent") != "Geen urgentie":
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert len(loads) == 1
    assert "De lead is nu Nurture." in page.locator(".messages").inner_text()
    page.screenshot(path=str(screenshot_dir / "01-saved-on-a-phone.png"), full_page=True)
    mql.refresh_from_db()
    assert mql.stage == S.NURTURE
    assert list(mql.contact_attempts.values_list("outcome", flat=True)) == ["spoke"]
    context.close()


def test_queue_and_lead_page_fit_a_phone(page, live_server, log_in, rep, mql, screenshot):
    page.set_viewport_size(PHONE)
    log_in(rep)
    for path in ("/leads/", f"/leads/{mql.pk}/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0, path
    screenshot("lead-page-phone")


def test_workspace_loads_without_content_security_policy_violations(page, live_server, log_in, rep, mql):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(rep)
    page.goto(f"{live_server.url}/leads/")
    page.goto(f"{live_server.url}/leads/{mql.pk}/")
    assert violations == []
