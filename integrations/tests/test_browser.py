"""The API documentation and the import page in real Chromium: they render under our strict
Content-Security-Policy and are usable at phone width."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from leads.models import Lead

from .test_importleads import BAD, GOOD, HEADER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_csp(page) -> list[str]:
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: violations.append(f"script error: {error}"))
    return violations


def test_the_api_docs_render_from_our_own_files_without_csp_violations(page, live_server, log_in, revops_admin, screenshot):
    violations = watch_csp(page)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) and not r.url.startswith("data:") else None)
    log_in(revops_admin)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/activities/batch/" in paths and "/api/webhooks/typeform/" in paths
    # Opening an operation shows its schema: the UI works, not just its first paint.
    page.locator(".opblock-summary-path", has_text="/api/activities/batch/").first.click()
    page.wait_for_selector(".opblock-body")
    screenshot("api-docs")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("api-docs-phone")
    assert violations == []
    assert outside == []


def test_the_api_docs_ask_anonymous_visitors_to_log_in(page, live_server):
    page.goto(f"{live_server.url}/api/docs/")
    assert "/accounts/login/" in page.url


def test_an_admin_imports_history_after_a_dry_run(page, live_server, log_in, revops_admin, screenshot, tmp_path: Path):
    violations = watch_csp(page)
    file = tmp_path / "crm-export.csv"
    file.write_text(HEADER + GOOD[0] + BAD + GOOD[1])
    log_in(revops_admin)
    page.goto(f"{live_server.url}/import/")
    screenshot("import-form")
    page.set_input_files("#id_file", str(file))
    page.click(".import-form button[type=submit]")
    page.locator("[role=alert]").wait_for()
    assert page.locator("table tbody tr").count() == 1
    screenshot("import-row-errors")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("import-row-errors-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("main a[href=\"/import/\"]")
    assert page.locator("table tbody tr").count() == 1  # the dry run, in the latest imports
    page.set_input_files("#id_file", str(file))
    page.uncheck("#id_dry_run")
    page.check("#id_skip_bad_rows")
    page.click(".import-form button[type=submit]")
    page.locator(".message-success").wait_for()
    assert page.url.startswith(f"{live_server.url}/import/jobs/")
    screenshot("import-done")
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["A1", "A2"]
    assert violations == []


def test_an_admin_creates_a_token_and_sees_it_once(page, live_server, log_in, revops_admin, screenshot):
    # Transactional tests flush what migrations wrote, the RevOps admin group's permissions too.
    revops_admin.user_permissions.add(*Permission.objects.filter(content_type__app_label="integrations"))
    violations = watch_csp(page)
    log_in(revops_admin)
    page.goto(f"{live_server.url}/admin/integrations/apitoken/add/")
    page.fill("#id_name", "HubSpot")
    page.fill("#id_source_system", "hubspot")
    page.click("input[name=_save]")
    token = page.locator("#plain-token").input_value()
    assert token.startswith("hf_")
    screenshot("token-issued")
    page.goto(f"{live_server.url}/admin/integrations/apitoken/")
    assert token not in page.content()
    screenshot("token-list")
    assert violations == []
