from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from handoff.models import WorkerHeartbeat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
HEARTBEATS = reverse("admin:handoff_workerheartbeat_changelist")


@pytest.fixture
def admin_client(client, revops_admin):
    revops_admin.is_superuser = True
    revops_admin.save()
    client.force_login(revops_admin)
    return client


def beat(seconds_ago: float, name="web1:42") -> WorkerHeartbeat:
    now = timezone.now()
    return WorkerHeartbeat.objects.create(worker=name, started_at=now - timedelta(hours=1), beat_at=now - timedelta(seconds=seconds_ago))


def test_the_heartbeats_say_which_worker_fell_silent(admin_client):
    beat(5, "web1:42")
    beat(900, "web2:7")

    page = admin_client.get(HEARTBEATS).content.decode()

    assert "running" in page
    assert "silent for 15 min" in page
    assert "No worker has given a sign of life" not in page  # one still runs


def test_the_admin_warns_when_every_worker_is_silent(admin_client, settings):
    settings.WORKER_SILENT_AFTER_SECONDS = 120
    beat(600)

    page = admin_client.get(HEARTBEATS).content.decode()

    assert "No worker has given a sign of life in the last 2 minutes" in page


def test_the_admin_warns_before_any_worker_ran(admin_client):
    page = admin_client.get(HEARTBEATS).content.decode()
    assert "No worker has given a sign of life in the last 5 minutes" in page
