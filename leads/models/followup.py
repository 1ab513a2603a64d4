"""Sales' follow-up of a lead: contact attempts, feedback, and the log of every other change
to the lead's own fields."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import choice, joined, render
from common.people import person_name
from leads.models.lead import Lead, RecordedChange


class ContactAttempt(models.Model):
    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        LINKEDIN = "linkedin", _("LinkedIn")

    class Outcome(models.TextChoices):
        SPOKE = "spoke", _("Spoke")
        VOICEMAIL = "voicemail", _("Voicemail")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        EMAIL_SENT = "email_sent", _("E-mail sent")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="contact_attempts")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    made_at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)  # as the rep typed it
    note_message = models.JSONField(_("note (code)"), null=True, blank=True, editable=False)  # as Handoff wrote it

    class Meta:
        ordering = ["made_at", "id"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        indexes = [models.Index(fields=["lead", "made_at"], name="attempt_lead_at")]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"

    def get_note_display(self) -> str:
        """The note in the reader's language when Handoff wrote it, else as the rep typed it."""
        return render(self.note_message) if self.note_message else self.note


class Feedback(models.Model):
    """Sales' verdict on a lead: the disposition marketing learns from."""

    class Disposition(models.TextChoices):
        BECAME_SQL = "became_sql", _("Became SQL")
        NOT_REACHED = "not_reached", _("Not reached")
        NO_FIT = "no_fit", _("No fit")
        NO_URGENCY = "no_urgency", _("No urgency")
        WRONG_CONTACT = "wrong_contact", _("Wrong contact person")

    class NoFitReason(models.TextChoices):
        TOO_SMALL = "too_small", _("Too small")
        WRONG_SECTOR = "wrong_sector", _("Wrong sector")
        NO_BUDGET = "no_budget", _("No budget")
        STUDENT_OR_PRIVATE = "student_or_private", _("Student or private person")
        COMPETITOR = "competitor", _("Competitor")
        OTHER = "other", _("Other")

    class Quality(models.TextChoices):
        GOOD = "good", _("Good")
        BAD = "bad", _("Bad")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="feedback")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    given_at = models.DateTimeField(_("at"), default=timezone.now)
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices)
    no_fit_reason = models.CharField(
        _("reason"), max_length=30, choices=NoFitReason.choices, blank=True
    )
    reason_text = models.TextField(_("explanation"), blank=True)
    quality = models.CharField(
        _("lead quality"), max_length=10, choices=Quality.choices, blank=True
    )
    quality_comment = models.TextField(_("comment on quality"), blank=True)
    # The qualification facts sales confirmed in the conversation.
    confirmed_need = models.BooleanField(_("need"), default=False)
    confirmed_timing = models.BooleanField(_("timing"), default=False)
    confirmed_budget = models.BooleanField(_("budget"), default=False)
    confirmed_decision_maker = models.BooleanField(_("decision maker"), default=False)
    confirmed_scope = models.BooleanField(_("scope"), default=False)
    right_contact_name = models.CharField(_("right contact person"), max_length=200, blank=True)

    class Meta:
        ordering = ["given_at", "id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [
            models.Index(fields=["lead", "given_at"], name="feedback_lead_at"),
            # The dashboard's newest comments for marketing: read from this index's end.
            models.Index(
                fields=["-given_at", "-id"], condition=~models.Q(quality_comment=""), name="feedback_commented_newest"
            ),
        ]

    def __str__(self):
        return self.get_disposition_display()

    # The agreement between sales and marketing: an SQL has at least two confirmed facts.
    MIN_FACTS_FOR_SQL = 2
    FACT_FIELDS = [
        "confirmed_need",
        "confirmed_timing",
        "confirmed_budget",
        "confirmed_decision_maker",
        "confirmed_scope",
    ]

    @property
    def confirmed_facts(self) -> list[str]:
        """The labels of the qualification facts sales confirmed."""
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.FACT_FIELDS
            if getattr(self, name)
        ]

    def clean(self):
        # Details that belong to another disposition (left over after the rep changed their
        # mind) are dropped rather than stored as if they applied.
        if self.disposition != self.Disposition.NO_FIT:
            self.no_fit_reason = self.reason_text = ""
        if self.disposition != self.Disposition.WRONG_CONTACT:
            self.right_contact_name = ""
        if self.disposition == self.Disposition.WRONG_CONTACT and not self.right_contact_name.strip():
            raise ValidationError({"right_contact_name": _("Give the name of the right contact person.")})
        if self.disposition == self.Disposition.NO_FIT and not self.no_fit_reason:
            raise ValidationError({"no_fit_reason": _("Say why the lead is no fit.")})
        if self.no_fit_reason == self.NoFitReason.OTHER and not self.reason_text.strip():
            raise ValidationError({"reason_text": _("Explain the other reason.")})
        if (
            self.disposition == self.Disposition.BECAME_SQL
            and len(self.confirmed_facts) < self.MIN_FACTS_FOR_SQL
        ):
            raise ValidationError(
                _("An SQL needs at least %(count)d confirmed facts (need, timing, budget, decision maker, scope).")
                % {"count": self.MIN_FACTS_FOR_SQL}
            )

    def summary(self) -> dict:
        """One line for the stage history: the disposition and what sales said about it, as
        a message each reader reads in their own language (common/messages.py); what the rep
        typed stays as typed."""
        parts = [choice("disposition", self.disposition)]
        if self.no_fit_reason:
            parts.append(choice("no_fit_reason", self.no_fit_reason))
        if self.reason_text.strip():
            parts.append(self.reason_text.strip())
        facts = [choice("confirmed_fact", name) for name in self.FACT_FIELDS if getattr(self, name)]
        if facts:
            parts.append(joined(facts, ", "))
        return joined([joined(parts[:2], ": "), *parts[2:]], " — ")  # "No fit: Too small — …"


def _named(obj) -> str:
    return person_name(obj) if isinstance(obj, AbstractBaseUser) else str(obj)


class LeadChange(RecordedChange):
    """A change to a lead's own fields other than its stage (the stage has `StageChange`):
    who, when, and each field's value before and after."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="changes")
    # {field name: [before, after]}; datetimes as ISO 8601 strings.
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("lead change")
        verbose_name_plural = _("lead changes")
        indexes = [models.Index(fields=["lead", "changed_at"], name="leadchange_lead_at")]

    def __str__(self):
        return f"{self.lead}: {', '.join(self.changes)}"

    def described(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for each change, as a person reads them: datetimes as
        aware datetimes, choices by their label, an owner or team by name (the log keeps ids,
        so a renamed team reads as it is called now)."""
        rows = []
        for name, (before, after) in self.changes.items():
            field = Lead._meta.get_field(name)
            rows.append((str(field.verbose_name), *(_readable(field, value) for value in (before, after))))
        return rows


def _readable(field: models.Field, value):
    if value is None or value == "":
        return None
    if isinstance(field, models.DateTimeField):
        return datetime.fromisoformat(value)
    if isinstance(field, models.ForeignKey):
        related = field.related_model._default_manager.filter(pk=value).first()
        return f"#{value}" if related is None else _named(related)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value
