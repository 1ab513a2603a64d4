"""/healthz for load balancers and monitoring: is the database reachable, are the migrations
applied, is the worker alive, and how many messages reached nobody. /system/ is the same for a
RevOps admin to read, with the import jobs and the lead definition's review date.

Each worker stamps its `handoff.WorkerHeartbeat` row on every pass; one silent for longer than
WORKER_SILENT_AFTER_SECONDS counts as stopped. A silent worker is not a failure of this web
server: the answer stays 200 with status "degraded", so the load balancer keeps it. Monitoring
that should page on a stopped worker asks `/healthz?require=worker`, which answers 503 then.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Max, Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from common.roles import Role, has_role
from handoff.models import Notification, NotificationChannel, WorkerHeartbeat
from handoff.models.worker import silent_after
from integrations.models import ImportJob
from qualification import reviews

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


def worker_state(age_seconds: float | None) -> str:
    """"ok", "silent" (no heartbeat for too long) or "unknown" (no worker ever ran)."""
    if age_seconds is None:
        return "unknown"
    return "silent" if age_seconds > silent_after().total_seconds() else "ok"


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
    limit = settings.WORKER_SILENT_AFTER_SECONDS
    if not database_reachable():
        report = {
            "status": "down", "database": "unreachable", "migrations": "unknown", "worker": "unknown",
            "worker_heartbeat_age_seconds": None, "worker_silent_after_seconds": limit,
            "notifications_undelivered_24h": None, "channels_switched_off": None,
        }
        return JsonResponse(report, status=503)
    applied = migrations_applied()
    age = worker_heartbeat_age_seconds(now=now)
    worker = worker_state(age)
    status = "down" if not applied else "ok" if worker == "ok" else "degraded"
    report = {
        "status": status,
        "database": "ok",
        "migrations": "applied" if applied else "pending",
        "worker": worker,
        "worker_heartbeat_age_seconds": age,
        "worker_silent_after_seconds": limit,
        **messages_at_risk(now=now),
    }
    worker_required = request.GET.get("require") == "worker"
    failed = status == "down" or (worker_required and worker != "ok")
    return JsonResponse(report, status=503 if failed else 200)


RECENT_IMPORT_JOBS = 5
RECENT_UNDELIVERED = 5


def system_health(request):
    """The RevOps admin's start page: the worker, the messages that reached nobody, the import
    jobs and the lead definition's review date, each linking to where it is dealt with. A
    fixed number of queries."""
    if not has_role(request.user, Role.REVOPS_ADMIN):
        raise PermissionDenied
    now = timezone.now()
    age = worker_heartbeat_age_seconds(now=now)
    jobs = ImportJob.objects.aggregate(
        waiting=Count("pk", filter=Q(status=ImportJob.Status.QUEUED)),
        running=Count("pk", filter=Q(status=ImportJob.Status.RUNNING)),
        failed_7d=Count("pk", filter=Q(status=ImportJob.Status.FAILED, created_at__gte=now - timedelta(days=7))),
    )
    context = {
        "worker": worker_state(age),
        "worker_age": round(age) if age is not None else None,
        "silent_after": settings.WORKER_SILENT_AFTER_SECONDS,
        **messages_at_risk(now=now),
        "undelivered": Notification.objects.undelivered()
        .filter(created_at__gte=now - timedelta(hours=24))
        .select_related("recipient", "channel")[:RECENT_UNDELIVERED],
        "jobs": jobs,
        "recent_jobs": ImportJob.objects.select_related("created_by").defer("content")[:RECENT_IMPORT_JOBS],
        "policy_review": reviews.review_to_flag(request.user, today=timezone.localdate(now)),
        "today": timezone.localdate(now),
    }
    return render(request, "revops/health.html", context)
