"""axe-core (from npm, package-lock.json) on every page each role uses, on the demo data: no
serious or critical violation. The pages keep their Content-Security-Policy; axe is injected
into a context that bypasses it, the way a browser extension would be."""

from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from common.roles import Role
from conftest import SCREENSHOTS
from leads.models import Lead, Team
from qualification.models import QualificationPolicy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "handoff-demo"
SERIOUS = {"serious", "critical"}


def pages_of(role_user: str, lead: Lead, version: int, draft: int) -> list[str]:
    lead_pages = [f"/leads/{lead.pk}/", f"/handoff/leads/{lead.pk}/", f"/qualification/leads/{lead.pk}/"]
    return {
        "sanne": ["/", "/leads/my-day/", "/leads/", *lead_pages, "/dashboard/", "/review/", "/handoff/me/", "/accounts/two-factor/"],
        "mark": ["/", "/leads/", "/review/", "/review/leads/?figure=mqls", "/review/last-leads/", f"/handoff/leads/{lead.pk}/reassign/",
                 "/dashboard/?mode=activity"],
        "noor": ["/", "/dashboard/", "/dashboard/leads/?stage=mql", "/campaigns/", "/campaigns/new/", "/qualification/", "/qualification/what-converts/", f"/qualification/v{version}/",
                 f"/qualification/v{version}/simulate/", f"/qualification/v{draft}/edit/", f"/qualification/v{draft}/preview/",
                 "/qualification/calibration/", "/qualification/asking/"],
        "admin": ["/", "/system/", "/dashboard/overview/", "/handoff/routing/", f"/handoff/teams/{Team.objects.first().pk}/rotation/",
                  "/import/", "/personal-data/", "/accounts/password/"],
    }[role_user]


@pytest.fixture
def demo(db):
    # The role groups come from migrations; an earlier transactional test's flush removed them
    # (our pages check the role, not the groups' permissions).
    for role in Role:
        Group.objects.get_or_create(name=role)
    call_command("seeddemo", leads=150, until=datetime.fromisoformat("2026-11-20"), stdout=StringIO(), verbosity=0)
    lead = Lead.objects.filter(owner__username="sanne").order_by("pk").first()
    active = QualificationPolicy.objects.with_rules().active()
    draft = active.copy_as_draft(by=User.objects.get(username="noor"))
    return lead, active.version, draft.version


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{rule['id']} ({rule['impact']}): {node['target']} — {node['failureSummary'].splitlines()[-1].strip()}"
        for rule in result["violations"]
        if rule["impact"] in SERIOUS
        for node in rule["nodes"][:3]
    ]


def test_no_serious_or_critical_accessibility_violation_on_any_page(chromium, live_server, demo):
    """Every page each role uses, at 1280 and 390 px: no serious or critical violation, and
    nothing wider than the screen (tables stack on a phone)."""
    assert AXE.is_file(), "axe-core is missing: run ./dev setup (npm ci)"
    lead, version, draft = demo
    found = {}
    for width in (1280, 390):
        folder = SCREENSHOTS / f"accessibility-{width}"
        folder.mkdir(parents=True, exist_ok=True)
        for username in ("sanne", "mark", "noor", "admin"):
            context = chromium.new_context(viewport={"width": width, "height": 900}, locale="nl-NL", bypass_csp=True)
            page = context.new_page()
            page.goto(f"{live_server.url}/accounts/login/")
            if username == "sanne":
                found[f"{width}px /accounts/login/"] = violations(page)
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            for path in pages_of(username, lead, version, draft):
                response = page.goto(f"{live_server.url}{path}")
                page.wait_for_load_state()
                assert response.status == 200, path
                if page.locator("[data-figure]").count():
                    page.wait_for_selector("[data-figure]:not([data-rendered])", state="detached")
                found[f"{width}px {username} {path}"] = violations(page)
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > width:
                    found[f"{width}px {username} {path}"].append(f"the page is {scroll_width} px wide")
                page.screenshot(path=str(folder / f"{username}{path.replace('/', '_')}.png"), full_page=True)
            context.close()

    report = [f"{where}: {problem}" for where, problems in found.items() for problem in problems]
    assert report == [], "\n".join(report)


FOCUS_CONTRAST = """() => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const element = document.activeElement;
  let around = element.parentElement;
  while (around && (rgb(getComputedStyle(around).backgroundColor)[3] === 0)) { around = around.parentElement; }
  const background = around ? rgb(getComputedStyle(around).backgroundColor) : [255, 255, 255];
  const ring = rgb(getComputedStyle(element).outlineColor);
  const [light, dark] = [luminance(ring), luminance(background)].sort((a, b) => b - a);
  return {text: element.textContent.trim().slice(0, 30), style: getComputedStyle(element).outlineStyle,
          ratio: (light + 0.05) / (dark + 0.05)};
}"""


def test_the_keyboard_focus_ring_stands_out_at_least_3_to_1(page, live_server, log_in, rep, lead):
    log_in(rep)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    rings = []
    for _ in range(12):  # the skip link, the navigation, the user menu, then the page itself
        page.keyboard.press("Tab")
        rings.append(page.evaluate(FOCUS_CONTRAST))

    assert all(ring["style"] != "none" for ring in rings), rings
    assert min(ring["ratio"] for ring in rings) >= 3, rings
