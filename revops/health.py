"""/healthz for load balancers and monitoring: is the database reachable, are the migrations
applied, how long ago did the worker last say it was alive, and how many messages reached
nobody.

Each worker stamps its `handoff.WorkerHeartbeat` row on every pass. Before any worker ran the
age is unknown (null). A silent worker is not a failure of this web server: it stays in the
load balancer, and the age tells monitoring that the worker stopped.
"""

from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from handoff.models import Notification, NotificationChannel, WorkerHeartbeat

# Once this process has seen every migration applied, it does not read them from disk again.
_migrations_applied = False


def database_reachable() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def migrations_applied() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


def worker_heartbeat_age_seconds(*, now: datetime) -> float | None:
    """Seconds since the most recent worker heartbeat, or None when unknown (no handoff app,
    or no heartbeat yet)."""
    latest = WorkerHeartbeat.objects.aggregate(latest=Max("beat_at"))["latest"]
    if latest is None:
        return None
    return round((now - latest).total_seconds(), 1)


def messages_at_risk(*, now: datetime) -> dict:
    """For monitoring: messages of the last day that reached nobody, and channels a failure
    switched off (the RevOps admin lists both in the admin)."""
    return {
        "notifications_undelivered_24h": Notification.objects.undelivered()
        .filter(created_at__gte=now - timedelta(hours=24))
        .count(),
        "channels_switched_off": NotificationChannel.objects.filter(is_active=False).count(),
    }


@login_not_required
@never_cache
def healthz(request):
    now = timezone.now()
    if not database_reachable():
        report = {
            "database": "unreachable", "migrations": "unknown", "worker_heartbeat_age_seconds": None,
            "notifications_undelivered_24h": None, "channels_switched_off": None,
        }
        return JsonResponse(report, status=503)
    applied = migrations_applied()
    report = {
        "database": "ok",
        "migrations": "applied" if applied else "pending",
        "worker_heartbeat_age_seconds": worker_heartbeat_age_seconds(now=now),
        **messages_at_risk(now=now),
    }
    return JsonResponse(report, status=200 if applied else 503)
