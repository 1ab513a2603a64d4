"""The lead's choices: where it came from and who brought it in, how it reads at a glance and
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


class SourceOwner(models.TextChoices):
    """Who brought the lead in: marketing is judged on the pipeline and revenue of its own."""

    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales (own prospecting)")
    PARTNER = "partner", _("Partner")
    REFERRAL = "referral", _("Customer referral")


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
