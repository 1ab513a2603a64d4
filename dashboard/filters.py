"""What the dashboard looks at: the mode, the period and the slice of leads.

The filter state lives in the URL (a GET form), so a link reproduces the view. `FilterForm`
validates it for the page, the CSV downloads and the JSON API alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Min, Q
from django.utils.translation import gettext_lazy as _

from common.business_time import start_of_day
from common.people import person_name
from common.roles import Role, roles_of
from leads.models import Channel, Lead, Sector, SourceOwner, Team

DEFAULT_PERIOD_DAYS = 90
LONGEST_PERIOD_DAYS = 3 * 366


class Mode(models.TextChoices):
    COHORT = "cohort", _("Cohort")
    ACTIVITY = "activity", _("Activity")


class Customer(models.TextChoices):
    NEW_BUSINESS = "new", _("New business")
    EXISTING = "existing", _("Existing customers")


class Dimension(models.TextChoices):
    """What the breakdown table groups the leads by."""

    CHANNEL = "channel", _("Channel")
    CAMPAIGN = "campaign", _("Campaign")
    PRODUCT = "product", _("Product interest")
    SOURCE = "source", _("Original source")
    OWNER = "owner", _("Owner")
    TEAM = "team", _("Team")
    SECTOR = "sector", _("Sector")
    SIZE = "size", _("Company size")
    MONTH = "month", _("Month of arrival")
    WEEK = "week", _("Week of arrival")
    TEMPERATURE = "temperature", _("Temperature")
    SOURCE_OWNER = "source_owner", _("Source owner")


class Preset(models.TextChoices):
    """Named periods; "this" ones run up to and including today."""

    THIS_WEEK = "this_week", _("This week")
    LAST_WEEK = "last_week", _("Last week")
    THIS_MONTH = "this_month", _("This month")
    LAST_MONTH = "last_month", _("Last month")
    THIS_QUARTER = "this_quarter", _("This quarter")
    LAST_QUARTER = "last_quarter", _("Last quarter")
    THIS_YEAR = "this_year", _("This year")
    LAST_YEAR = "last_year", _("Last year")


def preset_period(preset: str, *, today: date) -> tuple[date, date]:
    """The first and last day of a named period, in business-calendar days."""
    kind = preset.split("_", 1)[1]
    if kind == "week":
        first = today - timedelta(days=today.weekday())
    elif kind == "month":
        first = today.replace(day=1)
    elif kind == "quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    else:
        first = today.replace(month=1, day=1)
    if preset.startswith("this_"):
        return first, today
    last = first - timedelta(days=1)
    if kind == "week":
        return first - timedelta(days=7), last
    if kind == "month":
        return last.replace(day=1), last
    if kind == "quarter":
        return last.replace(month=last.month - 2, day=1), last
    return last.replace(month=1, day=1), last


def owners_whose_team_is(team_id: int):
    """The users whose team is `team_id`: a user in several teams belongs to the one with the
    lowest id, so each owner's leads count for one team."""
    membership = Team.members.through.objects.order_by()
    return (
        membership.values("user_id")
        .annotate(first_team=Min("team_id"))
        .filter(first_team=team_id)
        .values("user_id")
    )


@dataclass(frozen=True)
class Filters:
    first_day: date
    last_day: date  # inclusive, a business-calendar day
    mode: str = Mode.COHORT
    channel: str = ""
    campaign: str = ""
    sector: str = ""
    team_id: int | None = None
    owner_id: int | None = None
    customer: str = ""
    source_owner: str = ""
    by: str = ""  # a Dimension; empty: channel, or campaign within a chosen channel

    @property
    def dimension(self) -> str:
        if self.by:
            return self.by
        return Dimension.CAMPAIGN if self.channel else Dimension.CHANNEL

    @property
    def start_at(self) -> datetime:
        return start_of_day(self.first_day)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (exclusive)."""
        return start_of_day(self.last_day + timedelta(days=1))

    @property
    def is_cohort(self) -> bool:
        return self.mode == Mode.COHORT

    def leads_q(self, prefix: str = "") -> Q:
        """The slice of leads, without the period (which depends on the mode)."""
        q = Q()
        if self.channel:
            q &= Q(**{f"{prefix}channel": self.channel})
        if self.campaign:
            q &= Q(**{f"{prefix}campaign": self.campaign})
        if self.sector:
            q &= Q(**{f"{prefix}company__sector": self.sector})
        if self.team_id:
            # The lead's team, else its owner's: imported history often has an owner only.
            q &= Q(**{f"{prefix}team_id": self.team_id}) | Q(
                **{f"{prefix}team__isnull": True, f"{prefix}owner_id__in": owners_whose_team_is(self.team_id)}
            )
        if self.owner_id:
            q &= Q(**{f"{prefix}owner_id": self.owner_id})
        if self.source_owner:
            q &= Q(**{f"{prefix}source_owner": self.source_owner})
        if self.customer == Customer.EXISTING:
            q &= Q(**{f"{prefix}company__is_customer": True})
        elif self.customer == Customer.NEW_BUSINESS:
            q &= Q(**{f"{prefix}company__isnull": True}) | Q(
                **{f"{prefix}company__is_customer": False}
            )
        return q

    def as_query(self) -> dict[str, str]:
        """The URL parameters that reproduce this view."""
        query = {
            "mode": self.mode,
            "start": self.first_day.isoformat(),
            "end": self.last_day.isoformat(),
            "channel": self.channel,
            "campaign": self.campaign,
            "sector": self.sector,
            "team": str(self.team_id or ""),
            "owner": str(self.owner_id or ""),
            "customer": self.customer,
            "source_owner": self.source_owner,
            "by": self.by,
        }
        return {key: value for key, value in query.items() if value}


def sales_people():
    return (
        get_user_model()
        .objects.filter(
            is_active=True, groups__name__in=[Role.SALES_REP, Role.SALES_MANAGER]
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return person_name(user)


class FilterForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, required=False)
    period = forms.ChoiceField(
        label=_("Period"), choices=[("", _("From … to …")), *Preset.choices], required=False
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Up to and including"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False
    )
    campaign = forms.CharField(
        label=_("Campaign"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "campaign-options", "autocomplete": "off", "size": 16}),
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("All sectors")), *Sector.choices], required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), empty_label=_("All teams"), required=False
    )
    owner = PersonChoiceField(
        label=_("Owner"), queryset=sales_people(), empty_label=_("Everyone"), required=False
    )
    customer = forms.ChoiceField(
        label=_("Customer"),
        choices=[("", _("New and existing")), *Customer.choices],
        required=False,
    )
    source_owner = forms.ChoiceField(
        label=_("Source owner"), choices=[("", _("Anyone")), *SourceOwner.choices], required=False
    )
    by = forms.ChoiceField(
        label=_("Breakdown by"),
        choices=[("", _("Channel (campaign within a channel)")), *Dimension.choices],
        required=False,
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") and self.today:
            # A named period replaces the dates.
            cleaned["start"], cleaned["end"] = preset_period(cleaned["period"], today=self.today)
            for field in ("start", "end"):
                self.errors.pop(field, None)
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The period ends before it starts."))
            elif (end - start).days >= LONGEST_PERIOD_DAYS:
                self.add_error(
                    "start", _("Choose a period of at most three years.")
                )
        return cleaned

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            first_day=data["start"],
            last_day=data["end"],
            mode=data["mode"] or Mode.COHORT,
            channel=data["channel"],
            campaign=data["campaign"].strip(),
            sector=data["sector"],
            team_id=data["team"].pk if data["team"] else None,
            owner_id=data["owner"].pk if data["owner"] else None,
            customer=data["customer"],
            source_owner=data["source_owner"],
            by=data["by"],
        )


def default_filters(user, *, today: date) -> Filters:
    """Cohort mode over the last 90 days; a sales manager starts with the team they manage,
    a rep with their own team. Everyone may change that: the numbers are shared."""
    team_id = None
    roles = roles_of(user)
    if Role.SALES_MANAGER in roles:
        team_id = user.managed_teams.values_list("pk", flat=True).first()
    if team_id is None and Role.SALES_REP in roles:
        team_id = user.teams.values_list("pk", flat=True).first()
    first_day, last_day = default_period(today)
    return Filters(first_day=first_day, last_day=last_day, team_id=team_id)


def default_period(today: date) -> tuple[date, date]:
    """The last 90 days, today included."""
    return today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


def form_for_query(query, *, today: date) -> FilterForm:
    """The filters from a URL's query; a missing period means the last 90 days."""
    first_day, last_day = default_period(today)
    return FilterForm({"start": first_day, "end": last_day, **query.dict()}, today=today)


# What a count on the dashboard counts: every lead, a funnel stage reached, lost, open pipeline.
DRILL_STAGES = ["leads", *Lead.FUNNEL, "lost", "open"]


class DrillDownForm(forms.Form):
    """The lead list's parameters beside the filters: what the count counted — a stage, or a
    column of sales' feedback (`verdict`)."""

    stage = forms.ChoiceField(choices=[(stage, stage) for stage in DRILL_STAGES], required=False)
    # Of a funnel step: the leads that passed through it, or skipped it.
    step = forms.ChoiceField(choices=[("", "reached"), ("passed", "passed"), ("skipped", "skipped")], required=False)
    key = forms.CharField(required=False, max_length=200)
    lost_reason = forms.CharField(required=False, max_length=30)
    verdict = forms.CharField(required=False, max_length=30)
    # Of the newer tables: the campaign's leads (what the campaigns cost), the customers with an
    # account event (after the sale), a routing-quality column and row, a speed-to-lead cell
    # ("clock:2", of all MQLs or of "channel:<code>" / "intent_tier:<code>").
    campaign_id = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    # An end-to-end lead time's leads: passed through from this stage (with step=passed).
    from_stage = forms.ChoiceField(choices=[("", ""), *[(s, s) for s in ["leads", *Lead.FUNNEL]]], required=False)
    no_fit_reason = forms.CharField(required=False, max_length=30)  # with verdict=no_fit
    clock = forms.ChoiceField(choices=[("", ""), ("system", "system"), ("rep", "rep")], required=False)  # the two clocks' MQLs
    after_sale = forms.CharField(required=False, max_length=30)
    routing = forms.CharField(required=False, max_length=30)
    routed_by = forms.CharField(required=False, max_length=300)
    speed = forms.RegexField(regex=r"^(clock|business):\d$", required=False)
    speed_group = forms.RegexField(regex=r"^(channel|intent_tier):[\w-]{0,40}$", required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("stage")) == bool(data.get("verdict")):
            raise forms.ValidationError(_("Say either which stage or which feedback the figure counted."))
        if (
            data.get("routing") and data.get("stage") != "leads"
            or (data.get("speed") or data.get("clock")) and data.get("stage") != "mql"
            or data.get("from_stage") and data.get("step") != "passed"
            or data.get("no_fit_reason") and data.get("verdict") != "no_fit"
        ):
            raise forms.ValidationError(_("This row or reason does not exist in this view."))
        return data

    def clean_routed_by(self) -> str | None:
        return self.cleaned_data["routed_by"] if "routed_by" in self.data else None

    def clean_key(self) -> str | None:
        # Present but empty is a row too: the leads without a value ("(not given)").
        return self.cleaned_data["key"] if "key" in self.data else None
