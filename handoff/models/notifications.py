"""Where people hear from Handoff (their channels), and the outbox of messages the worker
sends."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead


class NotificationChannel(models.Model):
    """Where one person wants to hear from Handoff, and about what. Someone without an
    active channel gets e-mail at their account's address."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SLACK = "slack", _("Slack incoming webhook")
        TEAMS = "teams", _("Microsoft Teams incoming webhook")
        WEBHOOK = "webhook", _("JSON webhook (signed)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_channels"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    email = models.EmailField(_("e-mail address"), blank=True)
    url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True, help_text=_("JSON webhook only: signs each request (HMAC-SHA256).")
    )
    is_active = models.BooleanField(_("active"), default=True)
    for_assignments = models.BooleanField(_("new leads"), default=True)
    for_reminders = models.BooleanField(_("at-risk reminders"), default=True)
    for_escalations = models.BooleanField(_("escalations"), default=True)
    # What the channel's server answered when it failed for good (its own words, not ours).
    disabled_reason = models.TextField(_("switched off because"), blank=True)
    disabled_at = models.DateTimeField(_("switched off"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        db_table = "leads_notificationchannel"  # kept when the model moved here
        ordering = ["user", "kind", "id"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.email or self.url.split('?')[0][:60]}"

    def clean(self):
        if self.kind == self.Kind.EMAIL:
            if not self.email:
                raise ValidationError({"email": _("Give the e-mail address.")})
            return
        if not self.url:
            raise ValidationError({"url": _("Give the webhook URL.")})
        if not settings.DEBUG and not self.url.lower().startswith("https://"):
            raise ValidationError({"url": _("The webhook URL must start with https://, so messages travel encrypted.")})
        if self.kind == self.Kind.WEBHOOK and len(self.secret) < 16:
            raise ValidationError({"secret": _("Give a signing secret of at least 16 characters.")})

    def switch_off(self, reason: str, *, now: datetime) -> None:
        """Trying again cannot help (a revoked hook, a refused address): stop using it until the
        person tests it and switches it on again."""
        NotificationChannel.objects.filter(pk=self.pk).update(is_active=False, disabled_reason=reason, disabled_at=now)
        self.is_active, self.disabled_reason, self.disabled_at = False, reason, now

    def switch_on(self) -> None:
        NotificationChannel.objects.filter(pk=self.pk).update(is_active=True, disabled_reason="", disabled_at=None)
        self.is_active, self.disabled_reason, self.disabled_at = True, "", None

    def wants(self, kind: str) -> bool:
        K = Notification.Kind
        return {
            K.ASSIGNED: self.for_assignments,
            K.REASSIGNED: self.for_assignments,
            K.AT_RISK: self.for_reminders,
            K.ESCALATION: self.for_escalations,
            K.MISSED: self.for_escalations,
            # News about a lead they own, like the lead itself.
            K.INTENT_ROSE: self.for_assignments,
            K.STRONG_SIGNAL: self.for_assignments,
            K.UNASSIGNED: self.for_escalations,
            K.TEST: True,
            K.WEEKLY_REVIEW: True,
            K.UNDELIVERED: True,
            K.POLICY_REVIEW: True,
            # A manager asked them to follow the lead up: a reminder, like "deadline at risk".
            K.NUDGE: self.for_reminders,
        }[kind]


class NotificationQuerySet(models.QuerySet):
    def ready(self, now: datetime):
        return self.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)

    def _delivered_another_way(self):
        return Exists(Notification.objects.filter(rerouted_from=OuterRef("pk"), status=Notification.Status.SENT))

    def undelivered(self):
        """Failed, and no copy (to the person's e-mail, or to the RevOps admins) got through."""
        return self.filter(status=Notification.Status.FAILED).exclude(self._delivered_another_way())

    def delivered_another_way(self):
        return self.filter(self._delivered_another_way(), status=Notification.Status.FAILED)


class Notification(models.Model):
    """One message to one person on one channel: the outbox the worker sends from, and the
    record of what was sent. Written in the transaction that caused it."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("New lead")
        REASSIGNED = "reassigned", _("Lead reassigned to you")
        AT_RISK = "at_risk", _("Deadline at risk")
        ESCALATION = "escalation", _("Deadline missed")
        MISSED = "missed", _("You missed a deadline")
        INTENT_ROSE = "intent_rose", _("Lead asked for contact")
        STRONG_SIGNAL = "strong_signal", _("Strong buying signal")
        TEST = "test", _("Test message")
        WEEKLY_REVIEW = "weekly_review", _("Weekly review")
        UNDELIVERED = "undelivered", _("Message not delivered")
        UNASSIGNED = "unassigned", _("Lead without an owner")
        POLICY_REVIEW = "policy_review", _("Definition due for review")
        NUDGE = "nudge", _("Reminder from the weekly review")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.ForeignKey(
        NotificationChannel,
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text=_("Empty: e-mail to the recipient's own address."),
    )
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    context = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # A copy sent another way (the person's e-mail, or the RevOps admins) after this one failed.
    rerouted_from = models.ForeignKey(
        "self", verbose_name=_("instead of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="rerouted_as"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "leads_notification"  # kept when the model moved here
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="notification_pending_due"
            ),
            models.Index(fields=["status", "claimed_at"], name="notification_status_claimed"),
            models.Index(fields=["lead", "created_at"], name="notification_lead_at"),
            # "When was the lead's owner first told?" (the two clocks, for every MQL of a
            # dashboard view or a review week): one index-only probe per lead, in the order
            # the question reads them.
            models.Index(
                fields=["lead", "recipient", "sent_at", "id"],
                condition=Q(kind__in=["assigned", "reassigned"], sent_at__isnull=False),
                name="notification_owner_told",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"
