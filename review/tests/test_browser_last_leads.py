"""The last delivered leads in real Chromium: no serious accessibility problem, a card per
lead on a phone without a sideways page, and the print layout without the form."""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{rule['id']}: {rule['nodes'][0]['target']}" for rule in result["violations"] if rule["impact"] in ("serious", "critical")]


def test_the_page_reads_well_on_a_desktop_a_phone_and_paper(chromium, live_server, marketer, week_world):
    # axe is injected as a script: the CSP is bypassed for this check only.
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", marketer.username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/review/last-leads/")
    assert page.locator("#delivered-table tbody tr").count() == 8
    assert serious_violations(page) == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#delivered-table thead").is_hidden()
    assert serious_violations(page) == []

    page.emulate_media(media="print")
    assert page.locator("form.card").is_hidden()
    assert page.locator(".print-only").is_visible()
    context.close()
