"""The sales workspace's forms: the queue's filters, the actions on a lead and the one-step
outcome (an attempt and, after a conversation, its verdict).

Every action form carries the lead's `version` as the person saw it, so a change made by
someone else in the meantime is noticed instead of overwritten.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from common.people import person_name
from leads.models import Channel, ContactAttempt, Feedback, Lead, LostReason, SourceOwner
from sales.actions import CONVERSATION_DISPOSITIONS
from sales.texts import RejectReason, reason_with_note

WAITING_FOR_SALES = ""
ALL_OPEN = "open"


class QueueFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    rep = forms.ModelChoiceField(
        label=_("Rep"), required=False, queryset=None, empty_label=_("Everyone")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    unassigned = forms.BooleanField(label=_("Without an owner only"), required=False)

    def __init__(
        self, data, *, leads: QuerySet[Lead], reps: QuerySet, unassigned_queue: bool = False,
        campaigns: list[str] | None = None,
    ):
        """`unassigned_queue`: whether the person gives leads without an owner to someone
        (leads.access), and so filters on them. `campaigns`: the campaigns with open leads
        among `leads`, when the caller knows them (read from the rollups); else read here."""
        super().__init__(data)
        if not unassigned_queue:
            del self.fields["unassigned"]
        self.fields["stage"].choices = [
            (WAITING_FOR_SALES, _("Waiting for sales (MQL, SAL, SQL)")),
            (ALL_OPEN, _("All open stages")),
            *Lead.Stage.choices,
        ]
        if campaigns is None:
            campaigns = (
                leads.open().exclude(campaign="").order_by("campaign")
                .values_list("campaign", flat=True).distinct()
            )
        self.fields["campaign"].choices = [("", _("All campaigns"))] + [(c, c) for c in campaigns]
        self.fields["rep"].queryset = reps
        self.fields["rep"].label_from_instance = person_name
        if not reps.exists():
            del self.fields["rep"]

    def apply(self, leads: QuerySet[Lead], *, now: datetime) -> QuerySet[Lead]:
        """The leads that pass the (valid) filters, most urgent first."""
        data = self.cleaned_data
        if data["stage"] == WAITING_FOR_SALES:
            leads = leads.with_sales()
        elif data["stage"] == ALL_OPEN:
            leads = leads.open()
        else:
            leads = leads.filter(stage=data["stage"])
        if data["channel"]:
            leads = leads.filter(channel=data["channel"])
        if data["campaign"]:
            leads = leads.filter(campaign=data["campaign"])
        if data.get("rep"):
            leads = leads.owned_by(data["rep"])
        if data["overdue"]:
            leads = leads.overdue(now)
        if data.get("unassigned"):
            leads = leads.unassigned()
        return leads.by_urgency()


class VersionedForm(forms.Form):
    """The lead's version when the page was shown."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(VersionedForm):
    prefix = "accept"


class RejectForm(VersionedForm):
    prefix = "reject"
    reason = forms.ChoiceField(label=_("Why back to marketing?"), choices=[("", "—"), *RejectReason.choices])
    note = forms.CharField(label=_("Note for marketing"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not data.get("note", "").strip():
            self.add_error("note", _("Explain the other reason."))
        return data

    def stored_reason(self) -> dict:
        """For the stage history: the chosen reason and the note, read in any language."""
        return reason_with_note("reject_reason", self.cleaned_data["reason"], self.cleaned_data["note"])


class SourceOwnerForm(VersionedForm):
    prefix = "sourced"
    source_owner = forms.ChoiceField(label=_("Sourced by"), choices=SourceOwner.choices)


class LostForm(VersionedForm):
    prefix = "lost"
    reason = forms.ChoiceField(label=_("Why was the deal lost?"), choices=[("", "—"), *LostReason.choices])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("reason") == LostReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", _("Explain the other reason."))
        return data


# Which outcomes make sense on which channel: nobody leaves a voicemail on LinkedIn.
OUTCOMES_BY_CHANNEL = {
    ContactAttempt.Channel.CALL: {
        ContactAttempt.Outcome.SPOKE,
        ContactAttempt.Outcome.VOICEMAIL,
        ContactAttempt.Outcome.NO_ANSWER,
        ContactAttempt.Outcome.WRONG_NUMBER,
    },
    ContactAttempt.Channel.EMAIL: {ContactAttempt.Outcome.SPOKE, ContactAttempt.Outcome.EMAIL_SENT},
    ContactAttempt.Channel.LINKEDIN: {
        ContactAttempt.Outcome.SPOKE,
        ContactAttempt.Outcome.EMAIL_SENT,
    },
}


class ContactAttemptForm(VersionedForm, forms.ModelForm):
    """Channel preselected, one button per outcome: logging an attempt is one click."""

    prefix = "attempt"

    class Meta:
        model = ContactAttempt
        fields = ["channel", "outcome", "note"]
        # The outcome comes from the button pressed (see lead_detail.html).
        widgets = {"note": forms.TextInput}

    def clean(self):
        data = super().clean()
        _check_outcome_fits_channel(self, data.get("channel"), data.get("outcome"))
        return data


def _check_outcome_fits_channel(form: forms.Form, channel: str | None, outcome: str | None) -> None:
    if channel and outcome and outcome not in OUTCOMES_BY_CHANNEL[channel]:
        form.add_error(
            "outcome",
            _("“%(outcome)s” does not go with %(channel)s.")
            % {
                "outcome": ContactAttempt.Outcome(outcome).label,
                "channel": ContactAttempt.Channel(channel).label,
            },
        )


class FeedbackForm(VersionedForm, forms.ModelForm):
    prefix = "feedback"

    class Meta:
        model = Feedback
        fields = [
            "disposition",
            "no_fit_reason",
            "reason_text",
            "right_contact_name",
            *Feedback.FACT_FIELDS,
            "quality",
            "quality_comment",
        ]
        labels = {
            "disposition": _("What happened?"),
            "no_fit_reason": _("Why no fit?"),
            "reason_text": _("Explanation"),
            "right_contact_name": _("Who is the right contact person?"),
            "quality": _("Lead quality"),
            "quality_comment": _("Comment for marketing"),
        }
        widgets = {
            "reason_text": forms.TextInput,
            "quality": forms.RadioSelect,
            "quality_comment": forms.TextInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposition"].choices = [("", _("Choose…")), *Feedback.Disposition.choices]
        self.fields["no_fit_reason"].choices = [("", "—"), *Feedback.NoFitReason.choices]
        self.fields["quality"].choices = [("", _("No opinion")), *Feedback.Quality.choices]

    def fact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in Feedback.FACT_FIELDS]


class OutcomeForm(VersionedForm, forms.ModelForm):
    """What happened, in one save. A button per outcome without a conversation (one click
    logs it), and a button per verdict after a conversation, beside that verdict's questions
    (the facts for an SQL, the reason for no fit): pressing a verdict means "we spoke"."""

    prefix = "outcome"
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactAttempt.Channel.choices)
    outcome = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *[
            (value, label) for value, label in ContactAttempt.Outcome.choices
            if value != ContactAttempt.Outcome.SPOKE
        ]],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    class Meta:
        model = Feedback
        fields = [
            "disposition",
            *Feedback.FACT_FIELDS,
            "no_fit_reason",
            "reason_text",
            "right_contact_name",
            "quality",
            "quality_comment",
        ]
        labels = FeedbackForm.Meta.labels
        widgets = FeedbackForm.Meta.widgets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposition"].required = False
        self.fields["disposition"].choices = [
            ("", "—"), *[(d.value, d.label) for d in CONVERSATION_DISPOSITIONS]
        ]
        self.fields["no_fit_reason"].choices = [("", "—"), *Feedback.NoFitReason.choices]
        self.fields["quality"].choices = [("", _("No opinion")), *Feedback.Quality.choices]

    def clean(self):
        data = super().clean()
        if data.get("disposition"):
            if data.get("outcome"):
                self.add_error(None, _("Choose one: what happened without a conversation, or how the conversation ended."))
            data["outcome"] = ContactAttempt.Outcome.SPOKE
        elif not data.get("outcome") and "outcome" not in self.errors:
            self.add_error(None, _("Choose what happened."))
        _check_outcome_fits_channel(self, data.get("channel"), data.get("outcome"))
        return data

    def _post_clean(self):
        # The verdict's own rules (facts for an SQL, a reason for no fit) apply only to a
        # conversation; an attempt without one stores no feedback to validate.
        if self.cleaned_data.get("disposition"):
            super()._post_clean()

    def feedback(self) -> Feedback | None:
        """The verdict to store (unsaved), or None when there was no conversation."""
        return self.instance if self.cleaned_data.get("disposition") else None

    def fact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in Feedback.FACT_FIELDS]

    def quick_outcomes(self) -> list[tuple[str, str, list[str]]]:
        """Each outcome without a conversation, with the channels it goes with (the page
        hides the others for the chosen channel, with CSS)."""
        return [
            (value, label, [channel for channel, outcomes in OUTCOMES_BY_CHANNEL.items() if value in outcomes])
            for value, label in self.fields["outcome"].choices
            if value
        ]

    def verdicts(self) -> dict[str, str]:
        return {value: label for value, label in self.fields["disposition"].choices if value}
