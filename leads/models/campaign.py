"""Where leads come from: marketing's campaigns, and who sources the leads of each channel
unless someone says otherwise (the per-channel default source owner, set by RevOps)."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models.activity import ConversionAction
from leads.models.lead import Channel, Lead, SourceOwner
from leads.rollups import refresh as refresh_rollups

# Without a stored default, a channel's leads are marketing's, a referral's the customer's.
BUILT_IN_SOURCE_OWNERS = {Channel.REFERRAL: SourceOwner.REFERRAL}


class ChannelSourceOwner(models.Model):
    """Who sources a new lead of this channel when the API, the import or the form does not
    say: the default RevOps sets per channel."""

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, unique=True)
    source_owner = models.CharField(_("source owner"), max_length=20, choices=SourceOwner.choices)

    class Meta:
        ordering = ["channel"]
        verbose_name = _("default source owner of a channel")
        verbose_name_plural = _("default source owners per channel")

    def __str__(self):
        return f"{self.get_channel_display()}: {self.get_source_owner_display()}"


def built_in_source_owner(channel: str) -> str:
    return BUILT_IN_SOURCE_OWNERS.get(channel, SourceOwner.MARKETING)


def source_owner_defaults() -> dict[str, str]:
    """Every channel's default source owner: one query."""
    stored = dict(ChannelSourceOwner.objects.values_list("channel", "source_owner"))
    return {channel: stored.get(channel, built_in_source_owner(channel)) for channel in Channel.values}


def default_source_owner(channel: str) -> str:
    stored = ChannelSourceOwner.objects.filter(channel=channel).values_list("source_owner", flat=True).first()
    return stored or built_in_source_owner(channel)


class CampaignQuerySet(models.QuerySet):
    def named(self, name: str):
        """The campaign of this name, in any capitals (names are unique that way)."""
        return self.filter(name__iexact=name.strip())


class Campaign(models.Model):
    """A campaign as marketing plans it, and what sales should know when its leads arrive."""

    name = models.CharField(
        _("name"), max_length=200, help_text=_("As the leads carry it (utm_campaign, the import's campaign column).")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    goal = models.TextField(_("goal"), blank=True, help_text=_("What the campaign is for."))
    audience = models.TextField(_("audience"), blank=True, help_text=_("Whom it addresses."))
    offer = models.TextField(_("offer"), blank=True, help_text=_("What it offers them."))
    expected_responses = models.PositiveIntegerField(
        _("expected responses"), null=True, blank=True, help_text=_("How many responses marketing expects.")
    )
    expected_response_kind = models.CharField(
        _("kind of response"),
        max_length=20,
        choices=ConversionAction.choices,
        blank=True,
        help_text=_("What those responses will be: demo requests, downloads, …"),
    )
    brief = models.TextField(
        _("brief for sales"), blank=True, help_text=_("What sales should know and say when one of its leads calls back.")
    )
    budget = models.DecimalField(
        _("budget"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("The whole campaign's cost; the dashboard then shows its cost per lead and return."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="campaign_unique_name"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="campaign_budget_not_negative"
            ),
        ]

    def __str__(self):
        return self.name

    def link_leads(self) -> int:
        """Link the leads that carry this campaign's name and no campaign yet; how many. The
        link is a dimension of the funnel's rollups (the campaigns' costs): they move along."""
        with transaction.atomic():
            unlinked = Lead.objects.select_for_update().filter(linked_campaign__isnull=True, campaign__iexact=self.name)
            ids = list(unlinked.values_list("pk", flat=True))
            linked = Lead.objects.filter(pk__in=ids).update(linked_campaign=self)
            refresh_rollups(Lead.objects, ids)
        return linked


def campaign_named(name: str) -> Campaign | None:
    return Campaign.objects.named(name).first() if name.strip() else None
