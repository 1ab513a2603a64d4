"""The app as a person sees it, in real Chromium."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_logs_in_and_sees_the_overview(page, live_server, log_in, rep, screenshot):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    screenshot("login")

    log_in(rep)

    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "Overzicht"
    screenshot("overview")


def test_pages_load_without_content_security_policy_violations(page, live_server, log_in, rep):
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    log_in(rep)
    page.goto(f"{live_server.url}/")
    assert violations == []


def test_wrong_password_is_refused_with_a_message(page, live_server, rep):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert "/accounts/login/" in page.url
