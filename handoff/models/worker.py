"""The worker's sign of life: each running worker stamps its row on every pass, so /healthz
and the admin can tell when notifications, reminders and escalations have stopped."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def silent_after() -> timedelta:
    """How long a worker may go without a heartbeat before it counts as stopped."""
    return timedelta(seconds=settings.WORKER_SILENT_AFTER_SECONDS)


class WorkerHeartbeat(models.Model):
    worker = models.CharField(_("worker"), max_length=200, unique=True, help_text=_("Host and process id."))
    started_at = models.DateTimeField(_("started"))
    beat_at = models.DateTimeField(_("last sign of life"), db_index=True)

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self):
        return self.worker

    def is_silent(self, *, now: datetime) -> bool:
        return now - self.beat_at > silent_after()

    @classmethod
    def newest(cls) -> WorkerHeartbeat | None:
        return cls.objects.order_by("-beat_at").first()
