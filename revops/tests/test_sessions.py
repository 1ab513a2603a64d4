"""Sessions expire after SESSION_IDLE_MINUTES without a request."""

import time

from django.contrib.auth import SESSION_KEY

from revops.sessions import SEEN_AT


def set_seen_at(client, moment):
    session = client.session
    session[SEEN_AT] = int(moment)
    session.save()


def test_the_idle_time_defaults_to_eight_hours(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60


def test_the_idle_time_comes_from_the_environment(tmp_path):
    from revops.tests.test_checks import run_manage

    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)",
        env={"DEBUG": "true", "SESSION_IDLE_MINUTES": "30", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"},
    )
    assert result.stdout.strip().splitlines()[-1] == "1800", result.stderr


def test_a_session_idle_for_longer_than_the_limit_is_logged_out(client, rep, settings):
    client.force_login(rep)
    set_seen_at(client, time.time() - settings.SESSION_COOKIE_AGE - 1)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session
    assert "na een tijd zonder activiteit" in client.get(response["Location"]).content.decode()


def test_a_session_in_use_stays_and_its_expiry_moves_on(client, rep, settings):
    client.force_login(rep)
    an_hour_ago = time.time() - 3600
    set_seen_at(client, an_hour_ago)

    response = client.get("/leads/")

    assert response.status_code == 200
    assert client.session[SEEN_AT] > an_hour_ago + 3000
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_requests_within_a_minute_do_not_rewrite_the_session(client, rep, settings):
    client.force_login(rep)
    seen_at = client.session[SEEN_AT]

    response = client.get("/")

    assert client.session[SEEN_AT] == seen_at
    assert settings.SESSION_COOKIE_NAME not in response.cookies
