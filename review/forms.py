from django import forms
from django.utils.translation import gettext_lazy as _

from leads.completeness import Part
from leads.models import Channel, Team
from review.last_leads import CHOICES as LAST_LEADS_CHOICES
from review.last_leads import DEFAULT as LAST_LEADS_DEFAULT
from review.metrics import NO_ONE
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


class ReviewLeadsForm(ReviewForm):
    """The leads behind one count of the review: its week, team and owner, and the figure."""

    FIGURES = {
        "mqls": _("MQLs delivered"),
        "due": _("Contacted or past their deadline"),
        "within_sla": _("Contacted within the SLA"),
        "never_contacted": _("Never contacted"),
        "waiting": _("Still within their deadline"),
        "returned": _("Back to nurture"),
        "written_off_early": _("Written off too early"),
        "with_feedback": _("With feedback"),
        "open_breaches": _("Open breaches"),
        "missed_first_contact": _("First contact after the deadline, or not at all"),
        "missed_deadlines": _("Missed deadlines"),
        "accepted": _("Accepted by sales"),
        "rejected": _("Sent back by sales"),
        "complete": _("Complete data"),
        "sqls": _("Became SQL"),
        "clock_system": _("Owner notified after the handoff"),
        "clock_rep": _("Tried after the owner was notified"),
    }

    figure = forms.ChoiceField(label=_("Figure"), choices=list(FIGURES.items()))
    team = forms.CharField(label=_("Team"), required=False)
    owner = forms.CharField(label=_("Owner"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False)
    # Of "rejections by reason": the reason's key (review.metrics.rejection_reason).
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
    # Of "complete data per channel": the MQLs without this part.
    missing = forms.ChoiceField(label=_("Missing"), choices=[("", "—"), *Part.choices], required=False)

    def _id_or_no_one(self, name: str):
        text = self.cleaned_data[name].strip()
        if not text:
            return None
        if text == NO_ONE:
            return NO_ONE
        if not text.isdigit() or len(text) > 18:
            raise forms.ValidationError(_("Not a team or person of the review."))
        return int(text)

    def clean_team(self):
        team = self._id_or_no_one("team")
        if isinstance(team, int) and not Team.objects.filter(pk=team).exists():
            raise forms.ValidationError(_("Not a team or person of the review."))
        return team

    def clean_owner(self):
        return self._id_or_no_one("owner")


class ActForm(forms.Form):
    """The review an act was done from (its week and team) and the place on the page to go
    back to. Hidden fields: a wrong value is a broken link, not a typing error."""

    PLACES = ("missed", "no-feedback", "actions")

    week = forms.CharField()
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    place = forms.ChoiceField(choices=[(p, p) for p in PLACES])

    def clean_week(self) -> IsoWeek:
        try:
            return IsoWeek.parse(self.cleaned_data["week"])
        except ValueError:
            raise forms.ValidationError(_("Choose a week, written like 2026-W46.")) from None


class LeadActForm(ActForm):
    lead = forms.IntegerField(min_value=1)


class ReassignActForm(LeadActForm):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=Team.objects.none(),
                                   error_messages={"required": _("Choose the new owner.")})
    reason = forms.CharField(
        label=_("Reason"), min_length=5, max_length=1000,
        error_messages={"required": _("Say why the lead changes hands: the new owner reads it.")},
    )

    def __init__(self, *args, people, owner_id: int | None = None, **kwargs):
        """`people`: whom the manager may hand the lead to (leads.access.reps_visible_to)."""
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.owner_id = owner_id

    def clean_owner(self):
        owner = self.cleaned_data["owner"]
        if owner.pk == self.owner_id:
            raise forms.ValidationError(_("This person already owns the lead."))
        return owner


class ActionItemForm(ActForm):
    text = forms.CharField(label=_("Action"), max_length=500,
                           error_messages={"required": _("Write down what is to be done.")})
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Team.objects.none(),
                                   error_messages={"required": _("Choose who does it.")})
    due_week = forms.CharField(label=_("Due in week"))
    lead = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, people, this_week: IsoWeek, **kwargs):
        """`people`: who may own an action (everyone with a role); `this_week`: the week the
        meeting takes place in, before which nothing can be due."""
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.this_week = this_week

    def clean_due_week(self) -> IsoWeek:
        try:
            due = IsoWeek.parse(self.cleaned_data["due_week"])
        except ValueError:
            raise forms.ValidationError(_("Choose a week, written like 2026-W46.")) from None
        if due < self.this_week:
            raise forms.ValidationError(_("Choose this week or a later one."))
        return due


class ActionDoneForm(ActForm):
    action = forms.IntegerField(min_value=1)
class LastLeadsForm(forms.Form):
    """How many of the last delivered leads, and of which team (of those the reader may pick)."""

    count = forms.TypedChoiceField(
        label=_("Leads"), choices=[(n, n) for n in LAST_LEADS_CHOICES], coerce=int, required=False, empty_value=LAST_LEADS_DEFAULT
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams"))

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
