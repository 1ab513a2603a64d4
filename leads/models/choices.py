"""The lead's choices: where it came from, what it asked for, how it reads at a glance and
why a deal was lost."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    GOOGLE_ADS = "google_ads", _("Google Ads")
    META = "meta", _("Meta")
    LINKEDIN = "linkedin", _("LinkedIn")
    ORGANIC = "organic", _("Organic search")
    DIRECT = "direct", _("Direct")
    REFERRAL = "referral", _("Referral")
    EMAIL = "email", _("E-mail")
    EVENT = "event", _("Event / trade fair")
    OTHER = "other", _("Other")
    # An import that did not say where the lead came from: not the same as "other".
    UNKNOWN = "unknown", _("Unknown")


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


class IntentTier(models.TextChoices):
    HIGH = "high", _("High intent")
    MID = "mid", _("Mid intent")
    LOW = "low", _("Low intent")


class LostReason(models.TextChoices):
    """Why a deal was lost (the stage LOST): what sales says, and the dashboard counts."""

    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_DECISION = "no_decision", _("No decision")
    TIMING = "timing", _("Timing")
    NO_BUDGET = "no_budget", _("No budget")
    REQUIREMENTS = "requirements", _("Requirements not met")
    OTHER = "other", _("Other")


class Temperature(models.TextChoices):
    """How a lead reads at a glance; the qualification policy's bands decide."""

    COLD = "cold", _("Cold")
    WARM = "warm", _("Warm")
    HOT = "hot", _("Hot")
