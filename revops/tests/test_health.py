"""/healthz: database, migrations and the worker's heartbeat, for load balancers."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
from django.db import OperationalError, connection

from revops import health

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=dt_timezone.utc)


@pytest.fixture(autouse=True)
def fresh_migration_state(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)


def test_healthz_reports_database_and_migrations_without_logging_in(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "migrations": "applied", "worker_heartbeat_age_seconds": None}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_over_plain_http_in_production(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_pending_migrations_make_healthz_fail(client, db, monkeypatch):
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan", lambda self, targets: [("leads", "0099")]
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"


def test_an_unreachable_database_makes_healthz_fail(client, db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("server closed the connection")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_the_heartbeat_is_unknown_without_the_handoff_app():
    assert health.worker_heartbeat_age_seconds(now=NOW) is None


class FakeHeartbeats:
    def __init__(self, latest):
        self.latest = latest

    def aggregate(self, **kwargs):
        return {"latest": self.latest}


def with_heartbeat_model(monkeypatch, latest):
    model = type("WorkerHeartbeat", (), {"objects": FakeHeartbeats(latest)})
    monkeypatch.setattr(health.apps, "is_installed", lambda label: label == "handoff")
    monkeypatch.setattr(health.apps, "get_model", lambda app, name: model)


def test_the_heartbeat_age_is_counted_from_the_latest_beat(monkeypatch):
    with_heartbeat_model(monkeypatch, latest=NOW - timedelta(seconds=42.5))
    assert health.worker_heartbeat_age_seconds(now=NOW) == 42.5


def test_a_worker_that_never_beat_is_unknown(monkeypatch):
    with_heartbeat_model(monkeypatch, latest=None)
    assert health.worker_heartbeat_age_seconds(now=NOW) is None
