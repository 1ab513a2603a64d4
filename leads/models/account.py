"""After the sale: what happened to the account a won lead became. Each event belongs to one
won lead and happened on or after its win; the dashboard reads them per channel (retention,
churn, expansion revenue, time to first value, lifetime value)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models.lead import Lead


class ChurnReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Moved to a competitor")
    NO_VALUE = "no_value", _("Did not get the value expected")
    PRODUCT = "product", _("Product fell short")
    SERVICE = "service", _("Service or support")
    BUSINESS_CHANGE = "business_change", _("Their business changed")
    OTHER = "other", _("Other")


class AccountEvent(models.Model):
    class Kind(models.TextChoices):
        FIRST_VALUE = "first_value", _("First value reached")
        RENEWAL = "renewal", _("Renewal")
        EXPANSION = "expansion", _("Expansion")
        CHURN = "churn", _("Churn")

    # A lead reaches first value once and churns once; renewals and expansions recur.
    ONCE_PER_LEAD = [Kind.FIRST_VALUE, Kind.CHURN]

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="account_events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    # An expansion's added revenue (required for it); a renewal's contract value (optional).
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    churn_reason = models.CharField(_("churn reason"), max_length=20, choices=ChurnReason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    source_system = models.CharField(_("source system"), max_length=50, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~Q(external_id=""),
                name="accountevent_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["lead", "kind"], condition=Q(kind__in=["first_value", "churn"]), name="accountevent_once_per_lead"
            ),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="accountevent_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="expansion") | Q(value__isnull=False), name="accountevent_expansion_has_value"
            ),
            models.CheckConstraint(
                condition=~Q(kind="churn") | ~Q(churn_reason=""), name="accountevent_churn_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["lead", "kind"], name="accountevent_lead_kind")]

    def __str__(self):
        return f"{self.lead}: {self.get_kind_display()}"
