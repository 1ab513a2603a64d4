"""The service level agreement between marketing and sales: the numbers both teams signed.

An agreement is versioned like the lead definition: a draft while the teams negotiate it,
active once activated (the previous version is then retired), and never edited after that.
Exactly one version is active; without any, the defaults below apply. The SLA clock and the
weekly review read the same version (`current_agreement()`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import IntentTier

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class AgreementQuerySet(models.QuerySet):
    def active(self) -> "Agreement | None":
        return self.filter(status=Agreement.Status.ACTIVE).first()


class Agreement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("notes"), blank=True, help_text=_("What changed and why."))

    # Marketing's promises.
    mqls_per_month = models.PositiveIntegerField(
        _("MQLs per month"), default=120, validators=[MinValueValidator(1)],
        help_text=_("MQLs that meet the lead definition, delivered each month."),
    )
    accepted_percent = models.PositiveSmallIntegerField(
        _("accepted by sales (%)"), default=80, validators=PERCENT,
        help_text=_("Of the MQLs sales decided on, the share they accept."),
    )
    complete_percent = models.PositiveSmallIntegerField(
        _("complete data (%)"), default=100, validators=PERCENT,
        help_text=_(
            "MQLs with a name, a company, a job title, a phone number and context (what they asked for: "
            "a conversion action or a product interest)."
        ),
    )
    # Sales' promises. The SLA clock counts each lead's first-contact deadline from these.
    first_contact_high_intent = models.DurationField(
        _("first contact with high intent within (business time)"), default=timedelta(minutes=15),
        help_text=_("Demo, quote and contact requests."),
    )
    first_contact_customer = models.DurationField(
        _("first contact with existing customers within (business time)"), default=timedelta(hours=4),
    )
    first_contact_within = models.DurationField(
        _("first contact with other MQLs within (business time)"), default=timedelta(hours=24),
        help_text=_("Also the response-time target: median and 90th percentile of the time to first contact."),
    )
    within_sla_percent = models.PositiveSmallIntegerField(
        _("contacted within the SLA (%)"), default=100, validators=PERCENT,
        help_text=_("Of the MQLs, the share first contacted before their SLA deadline."),
    )
    min_attempts = models.PositiveSmallIntegerField(
        _("attempts before writing a lead off"), default=5, validators=[MinValueValidator(1)],
        help_text=_("After this many attempts without contact the SLA clock returns the lead to nurture."),
    )
    feedback_percent = models.PositiveSmallIntegerField(
        _("feedback on leads (%)"), default=100, validators=PERCENT,
        help_text=_("The share of MQLs with a disposition from sales."),
    )
    # The shared target.
    mql_to_sql_percent = models.PositiveSmallIntegerField(_("MQL → SQL (%)"), default=30, validators=PERCENT)
    amber_margin_percent = models.PositiveSmallIntegerField(
        _("amber margin (%)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_(
            "A figure that misses its target by at most this share of the target is amber, beyond it red. "
            "Where the target is zero: up to this share of the week's MQLs."
        ),
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    effective_at = models.DateTimeField(_("effective since"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        db_table = "review_agreement"  # kept when the model moved here
        ordering = ["-version"]
        verbose_name = _("service level agreement")
        verbose_name_plural = _("service level agreements")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"), name="agreement_one_active")
        ]

    def __str__(self):
        return _("Agreement v%(version)s (%(status)s)") % {"version": self.version, "status": self.get_status_display()}

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def mql_to_sql_target(self) -> float:
        return self.mql_to_sql_percent / 100

    @property
    def weekly_mql_pace(self) -> float:
        """The monthly promise spread over the weeks: 12 months in 52 weeks."""
        return self.mqls_per_month * 12 / 52

    def first_contact_for(self, *, intent_tier: str, existing_customer: bool) -> timedelta:
        """The agreed time to first contact for a lead: high intent first, then customers."""
        if intent_tier == IntentTier.HIGH:
            return self.first_contact_high_intent
        if existing_customer:
            return self.first_contact_customer
        return self.first_contact_within

    def clean(self):
        errors = {}
        for name in ("first_contact_high_intent", "first_contact_customer", "first_contact_within"):
            value = getattr(self, name)
            if value is not None and value <= timedelta(0):
                errors[name] = _("Give a time longer than zero.")
        if errors:
            raise ValidationError(errors)

    def activate(self, *, now: datetime) -> "Agreement | None":
        """Make this draft the agreement; the active one is retired. Returns the retired one."""
        if not self.is_draft:
            raise ValidationError(_("Only a draft can be activated."))
        with transaction.atomic():
            previous = Agreement.objects.select_for_update().filter(status=self.Status.ACTIVE).first()
            if previous:
                previous.status, previous.retired_at = self.Status.RETIRED, now
                previous.save(update_fields=["status", "retired_at"])
            self.status, self.effective_at = self.Status.ACTIVE, now
            self.save(update_fields=["status", "effective_at"])
        return previous

    def copy_as_draft(self, *, by) -> "Agreement":
        copy = Agreement.objects.get(pk=self.pk)
        copy.pk = None
        copy.version = next_version()
        copy.status, copy.effective_at, copy.retired_at = self.Status.DRAFT, None, None
        copy.created_at, copy.created_by, copy.notes = timezone.now(), by, ""
        copy.save()
        return copy


def next_version() -> int:
    last = Agreement.objects.aggregate(last=models.Max("version"))["last"]
    return (last or 0) + 1


def current_agreement() -> Agreement:
    """The active agreement, or (before anyone activated one) the published defaults."""
    return Agreement.objects.active() or Agreement(version=0)
