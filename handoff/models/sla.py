"""How fast sales must act: SLA policies, each lead's running clock, and missed deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handoff.models.routing import RoutingRule
from leads.models import IntentTier, Lead


class SlaPolicy(models.Model):
    """How the SLA clock runs, per intent tier, existing customer or routing rule: reminders,
    the next attempt, feedback. The first active policy that matches the lead applies. The
    agreed numbers themselves (time to first contact, attempts before giving up) are the
    agreement's, so the clock and the weekly review read the same ones."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    intent_tier = models.CharField(
        _("intent tier"), max_length=10, choices=IntentTier.choices, blank=True, help_text=_("Empty: any tier.")
    )
    existing_customer = models.BooleanField(
        _("existing customer"), null=True, blank=True, help_text=_("Empty: customers and non-customers.")
    )
    routing_rule = models.ForeignKey(
        RoutingRule,
        verbose_name=_("routing rule"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Only for leads this rule assigned. Empty: any route."),
    )
    class NextAttemptBy(models.TextChoices):
        WITHIN = "within", _("Within the time below, counted in business hours")
        NEXT_WORKING_DAY = "next_working_day", _("By the end of the next working day")

    class AfterBreach(models.TextChoices):
        KEEP = "keep", _("Keep it with the owner")
        REASSIGN = "reassign", _("Pass it to the next present member of the team")
        QUEUE = "queue", _("Put it back in the team queue")

    # Every deadline is counted on the business calendar: a call that failed on Friday at
    # 16:00 is not due on Saturday.
    next_attempt_by = models.CharField(
        _("next attempt"), max_length=20, choices=NextAttemptBy.choices, default=NextAttemptBy.WITHIN,
        help_text=_("After an attempt that did not reach them."),
    )
    next_attempt_within = models.DurationField(
        _("next attempt within (business time)"), default=timedelta(hours=24),
        help_text=_("For example 24:00:00 for 24 business hours."),
    )
    after_breach = models.CharField(
        _("after a missed deadline"), max_length=20, choices=AfterBreach.choices, default=AfterBreach.KEEP,
        help_text=_("The owner and their manager are told either way."),
    )
    feedback_within_working_days = models.PositiveSmallIntegerField(
        _("feedback within (working days)"), default=2, validators=[MinValueValidator(1)]
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        _("remind the owner at (percentage of the time)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )

    class Meta:
        db_table = "leads_slapolicy"  # kept when the model moved here
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self):
        return self.name

    def clean(self):
        if self.next_attempt_within is not None and self.next_attempt_within <= timedelta(0):
            raise ValidationError({"next_attempt_within": _("Give a time longer than zero.")})


class SlaClockQuerySet(models.QuerySet):
    def reminder_due(self, now: datetime):
        return self.filter(remind_at__lte=now)

    def run_out(self, now: datetime):
        return self.filter(runs_out_at__lte=now)


class SlaClock(models.Model):
    """The one running clock of a lead in sales' hands. The worker finds what needs doing
    through two indexed moments, each cleared once handled, so a sweep over a million
    leads reads only the few that are due."""

    class Kind(models.TextChoices):
        FIRST_CONTACT = "first_contact", _("First contact")
        NEXT_ATTEMPT = "next_attempt", _("Next attempt")
        FEEDBACK = "feedback", _("Feedback")
        NOT_REACHED = "not_reached", _("Not reached: back to nurture")

    lead = models.OneToOneField(Lead, primary_key=True, on_delete=models.CASCADE, related_name="sla_clock")
    kind = models.CharField(_("clock"), max_length=20, choices=Kind.choices)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy_name = models.CharField(_("SLA policy"), max_length=120)
    handed_over_at = models.DateTimeField(_("handed over"))
    started_at = models.DateTimeField(_("started"))
    due_by = models.DateTimeField(_("due by"))
    # When the owner gets the "at risk" reminder; cleared once claimed.
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    # Where the warning window opens (the reminder's moment), kept after the reminder went:
    # from then on the queue calls the lead "due soon". None: the clock has no reminder.
    warn_from = models.DateTimeField(_("warn from"), null=True, blank=True)
    # When the worker must act (record the breach, or return the lead to nurture); cleared
    # once claimed.
    runs_out_at = models.DateTimeField(_("runs out at"), null=True, blank=True)

    objects = SlaClockQuerySet.as_manager()

    class Meta:
        db_table = "leads_slaclock"  # kept when the model moved here
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(fields=["remind_at"], condition=Q(remind_at__isnull=False), name="slaclock_remind_due"),
            models.Index(fields=["runs_out_at"], condition=Q(runs_out_at__isnull=False), name="slaclock_runs_out_due"),
        ]

    def __str__(self):
        return f"{self.lead_id}: {self.get_kind_display()} {self.due_by:%Y-%m-%d %H:%M}"


class SlaBreach(models.Model):
    """A deadline that passed without action: recorded once, escalated once, and what the
    policy did with the lead then."""

    class Outcome(models.TextChoices):
        KEPT = "kept", _("Kept by the owner")
        REASSIGNED = "reassigned", _("Passed to the next present member")
        NOBODY_ELSE = "nobody_else", _("Kept by the owner: nobody else present")
        QUEUED = "queued", _("Back in the team queue")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="sla_breaches")
    clock = models.CharField(_("clock"), max_length=20, choices=SlaClock.Kind.choices)
    policy_name = models.CharField(_("SLA policy"), max_length=120)
    due_by = models.DateTimeField(_("was due by"))
    recorded_at = models.DateTimeField(_("recorded"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("then"), max_length=20, choices=Outcome.choices, default=Outcome.KEPT)
    passed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("passed to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        db_table = "leads_slabreach"  # kept when the model moved here
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [
            models.UniqueConstraint(fields=["lead", "clock", "due_by"], name="slabreach_once_per_deadline")
        ]
        indexes = [models.Index(fields=["recorded_at"], name="slabreach_recorded_at")]

    def __str__(self):
        return f"{self.lead}: {self.get_clock_display()}"
