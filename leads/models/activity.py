"""What a lead did (activities) and which of its actions count as a conversion."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConversionAction(models.TextChoices):
    QUOTE_REQUEST = "quote_request", _("Quote request")
    DEMO_REQUEST = "demo_request", _("Demo request")
    CONTACT_FORM = "contact_form", _("Contact form")
    CALLBACK = "callback", _("Callback request")
    CALCULATOR = "calculator", _("Calculator")
    DOWNLOAD = "download", _("Download")
    WEBINAR = "webinar", _("Webinar")
    NEWSLETTER = "newsletter", _("Newsletter sign-up")
    SOCIAL = "social", _("Social media")
    OTHER = "other", _("Other")


CONVERSION_ACTIONS = frozenset(ConversionAction.values)  # `.values` builds a list on each call


def conversion_of(kind: str, data) -> str:
    """The conversion action an activity is, "" when none: a demo request, or a form naming its
    action in `data.conversion_action` (from Typeform: the hidden field of that name)."""
    if kind == Activity.Kind.DEMO_REQUEST:
        return ConversionAction.DEMO_REQUEST
    data = data if kind == Activity.Kind.FORM_SUBMISSION and isinstance(data, dict) else {}
    hidden = data.get("hidden") if isinstance(data.get("hidden"), dict) else {}
    action = data["conversion_action"] if "conversion_action" in data else hidden.get("conversion_action")
    return action if isinstance(action, str) and action in CONVERSION_ACTIONS else ""



class Activity(models.Model):
    class Kind(models.TextChoices):
        PAGE_VISIT = "page_visit", _("Page visit")
        PRICING_PAGE = "pricing_page", _("Pricing page")
        CASE_STUDY = "case_study", _("Case study")
        DOWNLOAD = "download", _("Download")
        FORM_SUBMISSION = "form_submission", _("Form submission")
        WEBINAR = "webinar", _("Webinar")
        EVENT_VISIT = "event_visit", _("Event visit")
        EMAIL_OPEN = "email_open", _("E-mail opened")
        EMAIL_CLICK = "email_click", _("E-mail link clicked")
        DEMO_REQUEST = "demo_request", _("Demo request")

    # Indexed by activity_lead_at, which starts with the lead: one index fewer per insert.
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="activities", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    url = models.URLField(_("URL"), max_length=500, blank=True)
    title = models.CharField(
        _("content"), max_length=200, blank=True, help_text=_("Webinar, download or event name.")
    )
    data = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("For a form: its answers.")
    )
    source_system = models.CharField(_("source system"), max_length=50, blank=True)
    external_id = models.CharField(_("external event id"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~Q(external_id=""),
                name="activity_unique_external_id",
            )
        ]
        indexes = [models.Index(fields=["lead", "occurred_at"], name="activity_lead_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.title or self.url}".strip()

    @property
    def conversion_action(self) -> str:
        return conversion_of(self.kind, self.data)
