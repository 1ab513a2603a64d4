"""Marketing's side of the agreement: is a lead's data complete enough for sales to call?

Five things, each present or missing: the person's name (first and last), the company, the
job title, a phone number and the context (what they asked for: a conversion action other
than "other", or a product interest). A pure rule for one lead (`missing`), and the same rule
as database conditions (`present_q`, `complete_q`) for the aggregates, so a lead page and a
count never disagree.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Trim
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _


class Part(models.TextChoices):
    NAME = "name", _("name")
    COMPANY = "company", _("company")
    TITLE = "title", _("job title")
    PHONE = "phone", _("phone")
    CONTEXT = "context", _("context")


PARTS = list(Part)
# The conversion action a lead gets when the sending system named none: no context.
NO_CONTEXT_ACTION = "other"


def _filled(text: str | None) -> bool:
    return bool(text and text.strip(" "))  # as SQL TRIM() does


def present(lead, part: str) -> bool:
    """Whether `lead` (anything with a lead's fields) has `part`."""
    if part == Part.NAME:
        return _filled(lead.first_name) and _filled(lead.last_name)
    if part == Part.COMPANY:
        return lead.company_id is not None
    if part == Part.TITLE:
        return _filled(lead.job_title)
    if part == Part.PHONE:
        return _filled(lead.phone)
    if part == Part.CONTEXT:
        return lead.conversion_action not in ("", NO_CONTEXT_ACTION) or _filled(lead.product_interest)
    raise ValueError(f"Unknown part {part!r}.")


def missing(lead) -> list[Part]:
    """The parts `lead` lacks, in the rule's order; empty: complete."""
    return [part for part in PARTS if not present(lead, part)]


def is_complete(lead) -> bool:
    return not missing(lead)


def _blank(field: str, prefix: str) -> Q:
    """Empty or only spaces, as `_filled()` reads it."""
    return Q(Exact(Trim(F(f"{prefix}{field}")), Value("")))


def present_q(part: str, prefix: str = "") -> Q:
    """`present()` as a condition on leads (`prefix` for a lead reached through a relation)."""
    if part == Part.NAME:
        return ~_blank("first_name", prefix) & ~_blank("last_name", prefix)
    if part == Part.COMPANY:
        return Q(**{f"{prefix}company__isnull": False})
    if part == Part.TITLE:
        return ~_blank("job_title", prefix)
    if part == Part.PHONE:
        return ~_blank("phone", prefix)
    if part == Part.CONTEXT:
        return ~Q(**{f"{prefix}conversion_action__in": ["", NO_CONTEXT_ACTION]}) | ~_blank("product_interest", prefix)
    raise ValueError(f"Unknown part {part!r}.")


def complete_q(prefix: str = "") -> Q:
    q = Q()
    for part in PARTS:
        q &= present_q(part, prefix)
    return q
