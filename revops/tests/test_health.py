"""/healthz: database, migrations and the worker's heartbeat, for load balancers."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
from django.db import OperationalError, connection

from handoff.models import WorkerHeartbeat
from revops import health

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=dt_timezone.utc)


@pytest.fixture(autouse=True)
def fresh_migration_state(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)


def test_healthz_reports_database_and_migrations_without_logging_in(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded", "database": "ok", "migrations": "applied", "worker": "unknown",
        "worker_heartbeat_age_seconds": None, "worker_silent_after_seconds": 300,
        "notifications_undelivered_24h": 0, "channels_switched_off": 0,
    }
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


@pytest.mark.django_db
def test_the_heartbeat_age_is_counted_from_the_latest_beat_of_any_worker():
    WorkerHeartbeat.objects.create(worker="a:1", started_at=NOW, beat_at=NOW - timedelta(seconds=300))
    WorkerHeartbeat.objects.create(worker="b:2", started_at=NOW, beat_at=NOW - timedelta(seconds=42.5))
    assert health.worker_heartbeat_age_seconds(now=NOW) == 42.5


@pytest.mark.django_db
def test_before_any_worker_ran_the_heartbeat_is_unknown():
    assert health.worker_heartbeat_age_seconds(now=NOW) is None


@pytest.mark.parametrize(
    "age, worker, status",
    [(10, "ok", "ok"), (290, "ok", "ok"), (310, "silent", "degraded")],
)
def test_a_worker_silent_too_long_makes_healthz_degraded(client, db, age, worker, status):
    from django.utils import timezone

    WorkerHeartbeat.objects.create(worker="a:1", started_at=NOW, beat_at=timezone.now() - timedelta(seconds=age))

    response = client.get("/healthz")

    assert response.status_code == 200  # the web server itself is fine: keep it in the pool
    assert (response.json()["worker"], response.json()["status"]) == (worker, status)
    # Monitoring that pages on a stopped worker asks for it explicitly.
    required = client.get("/healthz?require=worker")
    assert required.status_code == (200 if worker == "ok" else 503)


def test_the_silence_threshold_is_a_setting(client, db, settings):
    from django.utils import timezone

    settings.WORKER_SILENT_AFTER_SECONDS = 30
    WorkerHeartbeat.objects.create(worker="a:1", started_at=NOW, beat_at=timezone.now() - timedelta(seconds=45))

    report = client.get("/healthz").json()

    assert (report["worker"], report["worker_silent_after_seconds"]) == ("silent", 30)


def test_an_unreachable_database_reports_down(client, db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("server closed the connection")):
        report = client.get("/healthz").json()
    assert (report["status"], report["worker"]) == ("down", "unknown")


def test_healthz_counts_messages_that_reached_nobody_and_switched_off_channels(client, rep, lead):
    from django.utils import timezone

    from handoff.models import Notification, NotificationChannel

    now = timezone.now()
    failed = {"kind": "assigned", "recipient": rep, "lead": lead, "status": Notification.Status.FAILED}
    Notification.objects.create(**failed, created_at=now - timedelta(hours=1))  # reached nobody
    Notification.objects.create(**failed, created_at=now - timedelta(hours=30))  # over a day ago
    rerouted = Notification.objects.create(**failed, created_at=now - timedelta(hours=1))
    Notification.objects.create(
        kind="assigned", recipient=rep, lead=lead, status=Notification.Status.SENT, rerouted_from=rerouted
    )
    NotificationChannel.objects.create(user=rep, kind="slack", url="https://hooks.example/x", is_active=False)

    report = client.get("/healthz").json()

    assert (report["notifications_undelivered_24h"], report["channels_switched_off"]) == (1, 1)


def _failed_message(recipient, *, at, error="550 mailbox unavailable"):
    from handoff.models import Notification

    return Notification.objects.create(
        kind=Notification.Kind.ASSIGNED, recipient=recipient, status=Notification.Status.FAILED,
        last_error=error, created_at=at,
    )


def _import_job(status, *, at, name="leads.csv"):
    from integrations.models import ImportJob

    return ImportJob.objects.create(file_name=name, content=b"", status=status, created_at=at)


def test_the_system_health_page_is_for_revops_admins_only(client, rep, manager, marketer):
    for person in (rep, manager, marketer):
        client.force_login(person)
        assert client.get("/system/").status_code == 403


def test_the_system_health_page_shows_worker_messages_and_imports(client, revops_admin, rep, settings):
    from django.utils import timezone

    from integrations.models import ImportJob

    settings.LANGUAGE_CODE = "en"
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker="a:1", started_at=now, beat_at=now - timedelta(seconds=400))
    _failed_message(rep, at=now - timedelta(hours=2), error="550 mailbox unavailable")
    _failed_message(rep, at=now - timedelta(days=2), error="too old to count")
    _import_job(ImportJob.Status.FAILED, at=now - timedelta(days=1), name="crm-export.csv")
    _import_job(ImportJob.Status.QUEUED, at=now, name="waiting.csv")
    client.force_login(revops_admin)

    response = client.get("/system/")
    page = response.content.decode()

    assert response.status_code == 200
    assert response.context["worker"] == "silent"
    assert "No heartbeat for 400 seconds" in page
    assert response.context["notifications_undelivered_24h"] == 1
    assert "550 mailbox unavailable" in page and "too old to count" not in page
    assert response.context["jobs"] == {"waiting": 1, "running": 0, "failed_7d": 1}
    assert "crm-export.csv" in page and "waiting.csv" in page
    assert "No review due" in page


def test_the_system_health_page_takes_a_fixed_number_of_queries(client, revops_admin, rep, django_assert_num_queries):
    from django.utils import timezone

    from integrations.models import ImportJob

    now = timezone.now()
    client.force_login(revops_admin)
    _failed_message(rep, at=now)
    _import_job(ImportJob.Status.DONE, at=now)
    with django_assert_num_queries(10):
        client.get("/system/")
    for number in range(6):
        _failed_message(rep, at=now - timedelta(minutes=number))
        _import_job(ImportJob.Status.FAILED, at=now - timedelta(hours=number))
    with django_assert_num_queries(10):
        client.get("/system/")
