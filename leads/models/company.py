"""The companies leads work at, and the sales teams that follow them up."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    FOOD = "food", _("Food & beverages")
    PHARMA = "pharma", _("Pharma & life sciences")
    AUTOMOTIVE = "automotive", _("Automotive")
    ELECTRONICS = "electronics", _("Electronics & high tech")
    MACHINERY = "machinery", _("Machinery & equipment")
    METAL = "metal", _("Metal & metalworking")
    CHEMICALS = "chemicals", _("Chemicals")
    PLASTICS = "plastics", _("Plastics & rubber")
    PACKAGING = "packaging", _("Packaging")
    LOGISTICS = "logistics", _("Logistics")
    EDUCATION = "education", _("Education & research")
    CONSULTING = "consulting", _("Consulting")
    OTHER = "other", _("Other")


class Team(models.Model):
    class Kind(models.TextChoices):
        NEW_BUSINESS = "new_business", _("New business")
        ACCOUNT_MANAGEMENT = "account_management", _("Account management")
        INSIDE_SALES = "inside_sales", _("Inside sales")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="teams"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(
        _("web domain"), max_length=200, blank=True, help_text=_("For example acme.nl")
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NL", blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    is_customer = models.BooleanField(
        _("existing customer"), default=False, help_text=_("Part of the installed base.")
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    is_competitor = models.BooleanField(_("competitor"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~Q(domain=""), name="company_unique_domain"
            )
        ]

    def __str__(self):
        return self.name
