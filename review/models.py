"""The record of each week's digest. (The agreement it measures lives in the handoff app,
beside the SLA clock that enforces it.)"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WeeklyDigest(models.Model):
    """One row per ISO week whose digest went out. Its unique week is the claim: of two runs
    (or two workers) only the one that inserts the row sends."""

    week_starts_on = models.DateField(_("week starting"), unique=True)
    sent_at = models.DateTimeField(_("sent"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["-week_starts_on"]
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")

    def __str__(self):
        return f"{self.week_starts_on:%G-W%V}"
