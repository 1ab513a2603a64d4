"""The one-step outcome in real Chromium (Dutch): the common paths in at most three clicks
after opening the lead, one page load, on a laptop and on a phone."""

import pytest

from conftest import SCREENSHOTS
from leads.models import Activity, Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = Lead.Stage
SCREENS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
MAX_CLICKS = 3


@pytest.fixture
def mql(lead):
    lead.phone = "+31 6 12345678"
    lead.save()
    lead.record_activity(kind=Activity.Kind.WEBINAR, title="Cobots in de food", occurred_at=lead.created_at)
    lead.move_to(S.MQL, rule="kwalificatiebeleid", reason="fit en engagement gehaald")
    return lead


class Clicks:
    """Clicks the rep makes, counted, and the pages the browser loads meanwhile."""

    def __init__(self, page):
        self.count = 0
        self.loads = []
        page.on("load", lambda p: self.loads.append(p.url))

    def __call__(self, locator):
        self.count += 1
        locator.click()


def open_lead(page, live_server, log_in, rep, lead, screen):
    page.set_viewport_size(SCREENS[screen])
    log_in(rep)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    return Clicks(page)


def shoot(page, request, step):
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{step}.png"), full_page=True)


@pytest.mark.parametrize("screen", SCREENS)
def test_no_answer_is_one_click(page, live_server, log_in, rep, mql, screen, request):
    click = open_lead(page, live_server, log_in, rep, mql, screen)
    shoot(page, request, "01-lead-opened")

    click(page.locator("#outcome").get_by_role("button", name="Geen gehoor"))
    page.wait_for_load_state()

    assert click.count <= MAX_CLICKS and click.count == 1
    assert len(click.loads) == 1
    assert "Contactpoging vastgelegd: Bellen: Geen gehoor (1 tot nu toe)." in page.locator(".messages").inner_text()
    shoot(page, request, "02-logged")
    mql.refresh_from_db()
    assert (mql.stage, mql.attempt_count) == (S.SAL, 1)


@pytest.mark.parametrize("screen", SCREENS)
def test_spoke_and_became_sql_is_three_clicks(page, live_server, log_in, rep, mql, screen, request):
    click = open_lead(page, live_server, log_in, rep, mql, screen)
    outcome = page.locator("#outcome")

    click(outcome.get_by_label("behoefte"))
    click(outcome.get_by_label("budget"))
    shoot(page, request, "01-facts-ticked")
    click(outcome.get_by_role("button", name="SQL geworden"))
    page.wait_for_load_state()

    assert click.count <= MAX_CLICKS
    assert len(click.loads) == 1
    assert "De lead is nu SQL." in page.locator(".messages").inner_text()
    shoot(page, request, "02-saved")
    mql.refresh_from_db()
    assert mql.stage == S.SQL
    assert list(mql.contact_attempts.values_list("outcome", flat=True)) == ["spoke"]
    verdict = mql.feedback.get()
    assert (verdict.confirmed_need, verdict.confirmed_budget, verdict.confirmed_timing) == (True, True, False)


def test_on_a_phone_the_form_comes_first_then_the_card_then_the_history(page, live_server, log_in, rep, mql):
    open_lead(page, live_server, log_in, rep, mql, "phone")

    def top(selector):
        return page.locator(selector).bounding_box()["y"]

    assert top("#outcome") < top(".handoff-card") < top("section[aria-labelledby=history-title]")
    assert top("#outcome") < SCREENS["phone"]["height"]  # the form starts on the first screen
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0


def test_on_a_laptop_the_card_and_the_form_sit_side_by_side(page, live_server, log_in, rep, mql):
    open_lead(page, live_server, log_in, rep, mql, "laptop")
    card, form = page.locator(".handoff-card").bounding_box(), page.locator(".lead-actions").bounding_box()
    assert form["x"] > card["x"] + card["width"] - 1
    assert abs(form["y"] - card["y"]) < 2


def test_only_the_outcomes_of_the_chosen_channel_show(page, live_server, log_in, rep, mql):
    open_lead(page, live_server, log_in, rep, mql, "laptop")
    outcome = page.locator("#outcome")
    assert outcome.get_by_role("button", name="Geen gehoor").is_visible()
    assert not outcome.get_by_role("button", name="E-mail verstuurd").is_visible()
    outcome.get_by_label("Kanaal").select_option(label="E-mail")
    assert outcome.get_by_role("button", name="E-mail verstuurd").is_visible()
    assert not outcome.get_by_role("button", name="Geen gehoor").is_visible()


def test_enter_in_the_note_saves_nothing_and_asks_what_happened(page, live_server, log_in, rep, mql):
    open_lead(page, live_server, log_in, rep, mql, "laptop")
    outcome = page.locator("#outcome")
    outcome.get_by_label("Notitie").fill("terugbellen om 3 uur")
    with page.expect_navigation():
        outcome.get_by_label("Notitie").press("Enter")

    assert "Kies wat er is gebeurd." in page.locator("#outcome").inner_text()
    assert page.locator("#outcome").get_by_label("Notitie").input_value() == "terugbellen om 3 uur"
    mql.refresh_from_db()
    assert (mql.stage, mql.attempt_count) == (S.MQL, 0)
