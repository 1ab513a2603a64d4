"""The campaign form of the campaigns page."""

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from leads.models import Campaign, Channel, ConversionAction


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name", "channel", "starts_on", "ends_on", "goal", "audience", "offer",
            "expected_responses", "expected_response_kind", "brief", "budget",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "goal": forms.Textarea(attrs={"rows": 2}),
            "audience": forms.Textarea(attrs={"rows": 2}),
            "offer": forms.Textarea(attrs={"rows": 2}),
            "brief": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget"].label = _("Budget (%(currency)s)") % {"currency": settings.CURRENCY}
        # Django's own blank choice ("- Select an option -") has no Dutch translation yet.
        self.fields["channel"].choices = [("", "—"), *Channel.choices]
        self.fields["expected_response_kind"].choices = [("", "—"), *ConversionAction.choices]
        self.fields["budget"].validators.append(MinValueValidator(0))
        self.fields["budget"].widget.attrs["min"] = 0

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Campaign.objects.named(name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("There is already a campaign called “%(name)s”.") % {"name": others.first().name})
        return name

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The campaign ends before it starts."))
        if cleaned.get("expected_response_kind") and cleaned.get("expected_responses") is None:
            self.add_error("expected_responses", _("Say how many responses of that kind you expect."))
        return cleaned
