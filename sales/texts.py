"""The sales workspace's stored texts: why sales sent a lead back, lost it or stopped trying,
as codes put into words when read (common/messages.py); the note a rep typed stays as typed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.messages import choice, define, define_choices, message


class RejectReason(models.TextChoices):
    """Why sales sends an MQL back to marketing."""

    NOT_SALES_READY = "not_sales_ready", _("Not sales-ready yet")
    TOO_LITTLE_INFORMATION = "too_little_information", _("Too little information to act on")
    NOT_OUR_TARGET_GROUP = "not_our_target_group", _("Not our target group")
    DUPLICATE = "duplicate", _("Duplicate of another lead")
    OTHER = "other", _("Other")


define_choices("reject_reason", RejectReason)

define({
    "sales.reason_note": _("%(reason)s: %(note)s"),
    "sales.not_reached": _("Not reached after %(count)s attempts"),
    "sales.logged_with_feedback": _("Logged with the feedback “%(disposition)s”."),
})


def reason_with_note(vocabulary: str, value: str, note: str) -> dict:
    """"Not sales-ready yet: call back in May": the chosen reason, and the rep's own note."""
    reason = choice(vocabulary, value)
    note = note.strip()
    return message("sales.reason_note", reason=reason, note=note) if note else reason
