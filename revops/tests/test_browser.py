"""The app as a person sees it, in real Chromium."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_logs_in_and_lands_on_my_day(page, live_server, log_in, rep, screenshot):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    screenshot("login")

    log_in(rep)

    assert page.url == f"{live_server.url}/leads/my-day/"
    assert page.locator("h1").inner_text() == "Mijn dag"
    screenshot("my-day")


def test_on_a_phone_the_navigation_folds_behind_a_menu_button(page, live_server, log_in, revops_admin, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(revops_admin)
    button = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Hoofdmenu")

    assert button.get_attribute("aria-expanded") == "false"
    assert not navigation.is_visible()
    assert page.locator("header.topbar").bounding_box()["height"] <= 60
    screenshot("collapsed")

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert navigation.get_by_role("link", name="Systeemstatus").is_visible()
    assert page.get_by_role("button", name="Uitloggen").is_visible()
    screenshot("open")

    button.click()
    assert not navigation.is_visible()


def test_on_a_wide_screen_the_navigation_is_always_open(page, live_server, log_in, revops_admin):
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(revops_admin)
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Overzicht").is_visible()


def test_pages_load_without_content_security_policy_violations(page, live_server, log_in, rep):
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    log_in(rep)
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/dashboard/overview/")
    assert violations == []


def test_wrong_password_is_refused_with_a_message(page, live_server, rep):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert "/accounts/login/" in page.url
