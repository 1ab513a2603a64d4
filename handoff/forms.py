"""Forms of the handoff pages and its admin: routing rules (and one on trial in the dry run), a
manager's reassignment, someone's availability and channels."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from common.people import person_name
from common.roles import Role
from handoff.models import NotificationChannel, RotationSeat, RoutingRule, UserAvailability
from handoff.routing import LeadFacts
from leads.models import Channel, IntentTier, Lead, Sector

YES_NO_ANY = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]


class DryRunForm(forms.Form):
    """Either a lead's number, or the facts of an imagined lead."""

    lead = forms.IntegerField(label=_("Lead number"), required=False, min_value=1)
    country = forms.CharField(label=_("Country"), required=False, max_length=2, initial="NL")
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=12)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", "—"), *Sector.choices])
    employees = forms.IntegerField(label=_("Employees"), required=False, min_value=0)
    product_interest = forms.CharField(label=_("Product interest"), required=False, max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "—"), *Channel.choices])
    intent_tier = forms.ChoiceField(label=_("Intent tier"), required=False, choices=[("", "—"), *IntentTier.choices])
    existing_customer = forms.BooleanField(label=_("Existing customer"), required=False)

    def __init__(self, *args, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.leads = leads  # the leads the person may see: a number outside them is "no lead"

    def clean_lead(self):
        number = self.cleaned_data["lead"]
        if number is None:
            return None
        lead = self.leads.filter(pk=number).first()
        if lead is None:
            raise forms.ValidationError(_("There is no lead with number %(n)s.") % {"n": number})
        return lead

    def facts(self) -> tuple[LeadFacts, Lead | None]:
        data = self.cleaned_data
        if data["lead"]:
            return LeadFacts.of(data["lead"]), data["lead"]
        return (
            LeadFacts(
                country=data["country"].upper(),
                region=data["region"],
                postcode=data["postcode"],
                sector=data["sector"],
                employees=data["employees"],
                product_interest=data["product_interest"],
                channel=data["channel"],
                intent_tier=data["intent_tier"],
                is_existing_customer=data["existing_customer"],
            ),
            None,
        )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return person_name(user)


class CommaSeparatedField(forms.CharField):
    """A list typed as "NL, BE"."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [part.strip() for part in (value or "").split(",") if part.strip()]


class RoutingRuleForm(forms.ModelForm):
    countries = CommaSeparatedField(label=_("countries"), required=False, help_text=_("For example NL, BE"))
    regions = CommaSeparatedField(label=_("regions"), required=False, help_text=_("For example Noord-Brabant, Limburg"))
    postcode_prefixes = CommaSeparatedField(
        label=_("postcode starts with"), required=False, help_text=_("For example 56, 57, 58")
    )
    product_interests = CommaSeparatedField(label=_("product interest contains"), required=False)
    sectors = forms.MultipleChoiceField(
        label=_("sectors"), required=False, choices=Sector.choices, widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"), required=False, choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    intent_tiers = forms.MultipleChoiceField(
        label=_("intent tiers"), required=False, choices=IntentTier.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = RoutingRule
        fields = "__all__"

    def clean_countries(self):
        countries = [c.upper() for c in self.cleaned_data["countries"]]
        wrong = [c for c in countries if len(c) != 2 or not c.isalpha()]
        if wrong:
            raise forms.ValidationError(_("Use two-letter country codes, not %(wrong)s.") % {"wrong": ", ".join(wrong)})
        return countries


class RuleTrialForm(RoutingRuleForm):
    """A rule to try on recent leads before it is saved: a new one, or a saved one (active
    or not) as edited here. Validated like the admin's form; never saved."""

    prefix = "trial"

    class Meta(RoutingRuleForm.Meta):
        fields = [
            "name", "position", "countries", "regions", "postcode_prefixes", "sectors", "min_employees", "max_employees",
            "product_interests", "channels", "intent_tiers", "existing_customer", "target", "team", "user", "max_open_leads",
        ]
        field_classes = {"user": PersonChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")

    def clean_name(self):
        return self.cleaned_data["name"] or str(_("Rule on trial"))


class ReassignForm(forms.Form):
    owner = PersonChoiceField(
        label=_("New owner"), queryset=get_user_model().objects.none(), empty_label=_("Choose a person")
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=1000,
        help_text=_("The new owner reads this, and it stays in the lead's history."),
    )

    def __init__(self, *args, lead: Lead, people, **kwargs):
        """`people`: whom the person reassigning may hand the lead to (leads.access)."""
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["owner"].queryset = people

    def clean_owner(self):
        owner = self.cleaned_data["owner"]
        if owner.pk == self.lead.owner_id:
            raise forms.ValidationError(_("This person already owns the lead."))
        return owner


class SeatForm(forms.Form):
    """One member's line on the team's rotation page."""

    takes_leads = forms.BooleanField(label=_("Takes leads"), required=False)
    weight = forms.IntegerField(
        label=_("Weight"), min_value=1, max_value=10, widget=forms.NumberInput(attrs={"class": "narrow"})
    )

    def __init__(self, *args, member, seat: RotationSeat | None, **kwargs):
        super().__init__(*args, prefix=f"seat-{member.pk}", **kwargs)
        self.member = member
        self.initial = {"takes_leads": seat.takes_leads if seat else True, "weight": seat.weight if seat else 1}


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = UserAvailability
        fields = ["is_away", "back_on", "deputy"]
        widgets = {"back_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"is_away": _("I am away: give my new leads to my teammates")}
        field_classes = {"deputy": PersonChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = get_user_model().objects.filter(
            is_active=True, groups__name__in=[Role.SALES_REP, Role.SALES_MANAGER]
        ).distinct().order_by("first_name", "username")
        self.fields["deputy"].queryset = people.exclude(pk=self.instance.user_id)
        self.fields["deputy"].empty_label = _("Nobody: my team takes over")


class ChannelForm(forms.ModelForm):
    class Meta:
        model = NotificationChannel
        fields = ["kind", "email", "url", "secret", "for_assignments", "for_reminders", "for_escalations"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://hooks.slack.com/services/…"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = NotificationChannel.Kind.choices  # no empty choice: e-mail first
        self.fields["kind"].initial = NotificationChannel.Kind.EMAIL

    def address_fields(self):
        return [self[name] for name in ("kind", "email", "url", "secret")]

    def preference_fields(self):
        return [self[name] for name in ("for_assignments", "for_reminders", "for_escalations")]
