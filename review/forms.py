from django import forms
from django.utils.translation import gettext_lazy as _

from leads.models import Team
from review.weeks import IsoWeek


class ReviewForm(forms.Form):
    """Which week, and whose leads: the review's state lives in the URL."""

    week = forms.CharField(
        label=_("Week"), required=False, widget=forms.TextInput(attrs={"type": "week", "pattern": r"\d{4}-W\d{2}"})
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False, empty_label=_("All teams")
    )

    def __init__(self, *args, default_week: IsoWeek, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_week = default_week

    def clean_week(self) -> IsoWeek:
        text = self.cleaned_data["week"]
        if not text:
            return self.default_week
        try:
            return IsoWeek.parse(text)
        except ValueError:
            raise forms.ValidationError(_("Choose a week, written like 2026-W46.")) from None
