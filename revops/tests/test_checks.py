import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from revops import checks

PROJECT = Path(__file__).resolve().parents[2]


@override_settings(DEBUG=False, SECRET_KEY="django-insecure-handoff-development-only")
def test_development_key_without_debug_is_an_error():
    assert [e.id for e in checks.check_secret_key(None)] == ["revops.E001"]


@override_settings(DEBUG=True, SECRET_KEY="django-insecure-handoff-development-only")
def test_development_key_is_fine_while_debugging():
    assert checks.check_secret_key(None) == []


@override_settings(BUSINESS_TIME_ZONE="Europe/Amsterdm")
def test_unknown_business_time_zone_is_an_error():
    errors = checks.check_business_time_zone(None)
    assert [e.id for e in errors] == ["revops.E002"]
    assert "Europe/Amsterdm" in errors[0].msg


@pytest.mark.parametrize("code", ["eur", "EURO", "€", ""])
def test_a_currency_that_is_no_iso_code_is_an_error(code):
    with override_settings(CURRENCY=code):
        assert [e.id for e in checks.check_currency(None)] == ["revops.E009"]


@override_settings(CURRENCY="CHF")
def test_an_iso_currency_code_passes():
    assert checks.check_currency(None) == []


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "handoff.example.nl",
}


def test_check_deploy_passes_with_only_a_secret_key_and_allowed_hosts():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def print_settings(*names, env):
    code = "from django.conf import settings; print(" + ", ".join(f"settings.{n}" for n in names) + ")"
    result = run_manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_is_https_only_by_default():
    assert print_settings(
        "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", env=PRODUCTION
    ) == "True True True 31536000"


def test_plain_http_is_an_explicit_switch_for_intranets():
    result = print_settings(
        "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
        env={**PRODUCTION, "PLAIN_HTTP": "true"},
    )
    assert result == "False False False 0"


def test_check_deploy_warns_about_plain_http():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "PLAIN_HTTP": "true"})
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_start_up_fails_loudly_without_a_secret_key(tmp_path):
    result = run_manage("check", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert result.returncode != 0
    assert "revops.E001" in result.stderr


def test_start_up_fails_loudly_on_a_mistyped_boolean():
    result = run_manage("check", env={"DEBUG": "ture"})
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr
