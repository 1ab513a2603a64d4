from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from common.roles import has_role
from leads.models import ConversionAction, IntentTier
from qualification.models import (
    Disqualifier,
    EngagementRule,
    FitRule,
    QualificationPolicy,
    SignOff,
    WhatConvertsReport,
)
from qualification.vocabulary import Decision


class PolicyForm(forms.ModelForm):
    """The policy's own fields, plus one intent-tier choice per conversion action."""

    class Meta:
        model = QualificationPolicy
        fields = [
            "notes",
            "review_by",
            "fit_threshold",
            "engagement_threshold",
            "customer_engagement_threshold",
            "decay_points",
            "decay_after_days",
            "hot_within_days",
            "warm_within_days",
        ]
        widgets = {
            "review_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Compare with the draft's stored date, not with a hidden copy of the callable
        # default: only a date the person changed counts as chosen.
        self.fields["review_by"].show_hidden_initial = False
        if not self.instance.review_by_chosen:
            self.fields["review_by"].help_text = _(
                "Three months after the version takes effect, unless you choose a date."
            )
        tiers = self.instance.intent_tiers or {}
        for action in ConversionAction:
            self.fields[self.tier_field(action)] = forms.ChoiceField(
                label=action.label, choices=IntentTier.choices, initial=tiers.get(action.value)
            )

    @staticmethod
    def tier_field(action) -> str:
        return f"tier_{action.value}"

    def tier_fields(self):
        return [self[self.tier_field(action)] for action in ConversionAction]

    def clean(self):
        cleaned = super().clean()
        if "review_by" in self.changed_data:
            self.instance.review_by_chosen = True
        self.instance.intent_tiers = {
            action.value: cleaned[self.tier_field(action)]
            for action in ConversionAction
            if self.tier_field(action) in cleaned
        }
        return cleaned


RULE_WIDGETS = {
    "value": forms.TextInput(),
    "label": forms.TextInput(),
    "points": forms.NumberInput(attrs={"class": "narrow"}),
    "cap": forms.NumberInput(attrs={"class": "narrow"}),
    "min_count": forms.NumberInput(attrs={"class": "narrow"}),
    "window_days": forms.NumberInput(attrs={"class": "narrow"}),
    "min_minutes": forms.NumberInput(attrs={"class": "narrow"}),
}


def rule_formset(model, fields):
    return inlineformset_factory(
        QualificationPolicy,
        model,
        fields=fields,
        widgets={name: widget for name, widget in RULE_WIDGETS.items() if name in fields},
        extra=1,
        can_delete=True,
    )


FitRuleFormSet = rule_formset(FitRule, ["label", "attribute", "operator", "value", "points"])
EngagementRuleFormSet = rule_formset(
    EngagementRule,
    ["label", "activity_kind", "url_contains", "title_contains", "points", "cap", "min_count", "window_days", "min_minutes"],
)
DisqualifierFormSet = rule_formset(Disqualifier, ["kind", "value", "reason"])


class SignForm(forms.Form):
    role = forms.ChoiceField(label=_("Sign as"), choices=SignOff.Role.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label) for value, label in SignOff.Role.choices if has_role(user, value)
        ]


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Leads of the last"),
        coerce=int,
        choices=[(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("365 days"))],
        initial=90,
    )


class ActivationForm(forms.Form):
    spread_hours = forms.IntegerField(
        label=_("Spread the hand-overs over hours"),
        required=False,
        min_value=1,
        max_value=72,
        help_text=_("Empty: the new MQLs go to sales at once. 8: in even waves over the next eight hours."),
        widget=forms.NumberInput(attrs={"class": "narrow"}),
    )


class PreviewListForm(forms.Form):
    """Which of the preview's leads to list."""

    show = forms.ChoiceField(
        choices=[(Decision.QUALIFY, _("Become MQL")), (Decision.DISQUALIFY, _("Disqualified")), (Decision.NURTURE, _("To nurture"))],
        required=False,
    )
    team = forms.IntegerField(required=False, min_value=0)


class StoredReportForm(forms.Form):
    """Which stored "what converts" report's proposal to adopt: the one the reader saw."""

    report = forms.ModelChoiceField(queryset=WhatConvertsReport.objects.filter(status=WhatConvertsReport.Status.DONE))
