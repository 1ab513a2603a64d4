"""Shared fixtures: the personas every permission test uses, the database vendor switch and a
real Chromium for browser tests."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from common.roles import Role
from leads.models import Company, Lead, Team

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Browser tests save their screenshots here, for CI to keep: SCREENSHOT_DIR, else artifacts/screenshots/.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or ARTIFACTS / "screenshots")
# Without the networking flags Chromium keeps calling home, which this network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's row locks and real concurrency. On SQLite they
    are deselected, and said so; on PostgreSQL (as in CI) they run, and fail if they fail."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    postgres_only = [item for item in items if item.get_closest_marker("postgres")]
    if postgres_only:
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
        config.hook.pytest_deselected(items=postgres_only)
        config._handoff_deselected = len(postgres_only)
        if hasattr(config, "workeroutput"):  # a pytest-xdist worker: tell the controller
            config.workeroutput["handoff_deselected"] = len(postgres_only)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist's controller, as each worker ends: every worker deselected the same tests."""
    deselected = getattr(node, "workeroutput", {}).get("handoff_deselected", 0)
    node.config._handoff_deselected = max(getattr(node.config, "_handoff_deselected", 0), deselected)


def pytest_terminal_summary(terminalreporter, config):
    count = getattr(config, "_handoff_deselected", 0)
    if count:
        terminalreporter.write_line(
            f"{count} PostgreSQL-only tests were deselected: this run uses SQLite. "
            "Set DATABASE_URL=postgres://… to run them."
        )


@pytest.fixture
def in_english(settings):
    """Messages in English, also the ones stored in the business language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Production serves hashed static files after collectstatic; tests find them in place."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def plain_http():
    """Production redirects http to https; the test client and the live server speak http.
    Session-wide, because the live server builds its middleware once, at its start."""
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas get real passwords; hashing them the production way costs over a second
    each, which adds minutes to a suite that creates several per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, role: str | None = None, **extra) -> User:
    user = User.objects.create_user(
        username=username, password="pw", first_name=username.title(), **extra
    )
    if role:
        # get_or_create: transactional tests flush the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def team(db):
    return Team.objects.create(name="Nieuwe klanten", kind=Team.Kind.NEW_BUSINESS)


@pytest.fixture
def rep(team):
    user = make_user("rep", Role.SALES_REP)
    team.members.add(user)
    return user


@pytest.fixture
def other_rep(team):
    user = make_user("otherrep", Role.SALES_REP)
    team.members.add(user)
    return user


@pytest.fixture
def manager(team):
    user = make_user("manager", Role.SALES_MANAGER)
    team.manager = user
    team.save()
    return user


@pytest.fixture
def marketer(db):
    return make_user("marketer", Role.MARKETING)


@pytest.fixture
def revops_admin(db):
    return make_user("revops", Role.REVOPS_ADMIN, is_staff=True)


@pytest.fixture
def outsider(db):
    """Logged in, but holds no Handoff role."""
    return make_user("outsider")


@pytest.fixture
def company(db):
    return Company.objects.create(
        name="Van der Meer Machinebouw B.V.",
        domain="vandermeer-machinebouw.nl",
        employees=120,
        sector="machinery",
        region="Noord-Brabant",
    )


@pytest.fixture
def lead(company, rep, team):
    return Lead.objects.create(
        first_name="Pieter",
        last_name="de Vries",
        email="pieter.devries@vandermeer-machinebouw.nl",
        job_title="Hoofd engineering",
        company=company,
        channel="google_ads",
        conversion_action="quote_request",
        owner=rep,
        team=team,
    )


@pytest.fixture(scope="session")
def chromium():
    """A real, headless Debian Chromium. Missing Chromium fails the test: `./dev test`
    installs it, and a browser test must never pass by not running."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run ./dev setup (installs Debian's chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """screenshot("step name") saves <SCREENSHOTS>/<test>/<nn>-<step>.png for CI."""
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(step: str) -> Path:
        path = folder / f"{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def console_problems(page) -> list[str]:
    """Every console error or warning and uncaught error of the page (a CSP violation is an
    error; plotly.js warns when its style rules are refused), except the browser asking for
    a favicon we lack. A page that works leaves the list empty."""
    problems = []

    def listen(message):
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", listen)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


@pytest.fixture
def log_in(page, live_server):
    def log_in_as(user, password="pw"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return log_in_as


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
