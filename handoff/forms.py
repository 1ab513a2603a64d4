"""Forms of the handoff pages: the routing dry run and a manager's reassignment."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from common.people import person_name
from handoff.models import NotificationChannel, UserAvailability
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


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = UserAvailability
        fields = ["is_away", "back_on"]
        widgets = {"back_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"is_away": _("I am away: give my new leads to my teammates")}


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
