"""The words a qualification policy is written in: the lead attributes a fit rule reads, the
operators it compares with, the kinds of disqualifier, and which values each allows
(`rule_value_errors()` checks a rule before it is saved)."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.models import Channel, ConversionAction, Sector
from qualification.keywords import keyword_pattern


class Attribute(models.TextChoices):
    SECTOR = "sector", gettext_lazy("Sector")
    EMPLOYEES = "employees", gettext_lazy("Employees")
    JOB_TITLE = "job_title", gettext_lazy("Job title")
    COUNTRY = "country", gettext_lazy("Country")
    REGION = "region", gettext_lazy("Region")
    EMAIL_DOMAIN_TYPE = "email_domain_type", gettext_lazy("E-mail domain type")
    EMAIL_DOMAIN = "email_domain", gettext_lazy("E-mail domain")
    EXISTING_CUSTOMER = "existing_customer", gettext_lazy("Existing customer")
    COMPETITOR = "competitor", gettext_lazy("Competitor")
    CHANNEL = "channel", gettext_lazy("Source channel")
    PRODUCT_INTEREST = "product_interest", gettext_lazy("Product interest")
    SOURCE = "source", gettext_lazy("Original source")
    CAMPAIGN = "campaign", gettext_lazy("Campaign")
    CONVERSION_ACTION = "conversion_action", gettext_lazy("First conversion action")


class Operator(models.TextChoices):
    EQUALS = "equals", gettext_lazy("is")
    NOT_EQUALS = "not_equals", gettext_lazy("is not")
    IN = "in", gettext_lazy("is one of")
    NOT_IN = "not_in", gettext_lazy("is none of")
    CONTAINS_ANY = "contains_any", gettext_lazy("contains one of the words")
    AT_LEAST = "at_least", gettext_lazy("is at least")
    AT_MOST = "at_most", gettext_lazy("is at most")
    IS_TRUE = "is_true", gettext_lazy("is yes")
    IS_FALSE = "is_false", gettext_lazy("is no")


class EmailDomainType(models.TextChoices):
    PERSONAL = "personal", gettext_lazy("Personal (gmail, hotmail, …)")
    BUSINESS = "business", gettext_lazy("Business")


class DisqualifierKind(models.TextChoices):
    PERSONAL_EMAIL = "personal_email", gettext_lazy("Personal e-mail domain")
    COMPETITOR = "competitor", gettext_lazy("Competitor")
    STUDENT = "student", gettext_lazy("Student or academic institution")
    TOO_SMALL = "too_small", gettext_lazy("Fewer employees than")
    SECTOR_OUTSIDE = "sector_outside", gettext_lazy("Sector outside the list")


class MatchedOn(models.TextChoices):
    """Where a disqualifier found what it matched (`"match": {"on": …}` in the explanation)."""

    JOB_TITLE = "job_title", gettext_lazy("job title")
    COMPANY_NAME = "company_name", gettext_lazy("company name")
    COMPANY_DOMAIN = "company_domain", gettext_lazy("company domain")
    EMAIL_DOMAIN = "email_domain", gettext_lazy("e-mail domain")
    COMPETITOR_FLAG = "competitor_flag", gettext_lazy("competitor flag")
    SECTOR = "sector", gettext_lazy("sector")
    EMPLOYEES = "employees", gettext_lazy("employees")


class Decision(models.TextChoices):
    QUALIFY = "qualify", gettext_lazy("Qualify as MQL")
    DISQUALIFY = "disqualify", gettext_lazy("Disqualify")
    NURTURE = "nurture", gettext_lazy("Nurture")
    KEEP = "keep", gettext_lazy("Keep the stage")


TEXT_OPERATORS = (Operator.EQUALS, Operator.NOT_EQUALS, Operator.IN, Operator.NOT_IN)
NUMBER_OPERATORS = (Operator.AT_LEAST, Operator.AT_MOST)
BOOL_OPERATORS = (Operator.IS_TRUE, Operator.IS_FALSE)
# Which operators make sense for which attribute; anything else is refused.
OPERATORS_FOR = {
    Attribute.SECTOR: TEXT_OPERATORS,
    Attribute.EMPLOYEES: NUMBER_OPERATORS,
    Attribute.JOB_TITLE: (Operator.CONTAINS_ANY, *TEXT_OPERATORS),
    Attribute.COUNTRY: TEXT_OPERATORS,
    Attribute.REGION: TEXT_OPERATORS,
    Attribute.EMAIL_DOMAIN_TYPE: (Operator.EQUALS, Operator.NOT_EQUALS),
    Attribute.EMAIL_DOMAIN: (Operator.CONTAINS_ANY, *TEXT_OPERATORS),
    Attribute.EXISTING_CUSTOMER: BOOL_OPERATORS,
    Attribute.COMPETITOR: BOOL_OPERATORS,
    Attribute.CHANNEL: TEXT_OPERATORS,
    Attribute.PRODUCT_INTEREST: (Operator.CONTAINS_ANY, *TEXT_OPERATORS),
    Attribute.SOURCE: (Operator.CONTAINS_ANY, *TEXT_OPERATORS),
    Attribute.CAMPAIGN: (Operator.CONTAINS_ANY, *TEXT_OPERATORS),
    Attribute.CONVERSION_ACTION: TEXT_OPERATORS,
}
# Attributes whose values must come from a fixed list.
ALLOWED_VALUES = {
    Attribute.SECTOR: Sector.values,
    Attribute.CHANNEL: Channel.values,
    Attribute.EMAIL_DOMAIN_TYPE: EmailDomainType.values,
    Attribute.CONVERSION_ACTION: ConversionAction.values,
}


def split_list(value: str) -> list[str]:
    """'food, pharma ,metal' → ['food', 'pharma', 'metal'] (lower case, empties dropped)."""
    return [item.strip().lower() for item in re.split(r"[,\n;]", value or "") if item.strip()]


def rule_value_errors(attribute: str, operator: str, value: str) -> dict[str, str]:
    """What is wrong with a fit rule, by field name; empty when it is fine."""
    if attribute not in Attribute.values:
        return {"attribute": _("Unknown attribute “%(value)s”.") % {"value": attribute}}
    if operator not in Operator.values:
        return {"operator": _("Unknown operator “%(value)s”.") % {"value": operator}}
    if operator not in OPERATORS_FOR[attribute]:
        return {
            "operator": _("“%(operator)s” does not work with %(attribute)s.")
            % {"operator": Operator(operator).label, "attribute": Attribute(attribute).label}
        }
    if operator in BOOL_OPERATORS:
        return {}
    if not (value or "").strip():
        return {"value": _("Give a value for this rule.")}
    if operator in NUMBER_OPERATORS:
        try:
            int(value.strip())
        except ValueError:
            return {"value": _("“%(value)s” is not a whole number.") % {"value": value}}
        return {}
    if operator == Operator.CONTAINS_ANY:
        empty = [item for item in split_list(value) if not keyword_pattern(item)]
        if empty:
            return {"value": _("“%(value)s” is not a word.") % {"value": empty[0]}}
    allowed = ALLOWED_VALUES.get(attribute)
    if allowed and operator != Operator.CONTAINS_ANY:
        unknown = [item for item in split_list(value) if item not in allowed]
        if unknown:
            return {
                "value": _("Unknown value(s): %(values)s. Choose from: %(choices)s.")
                % {"values": ", ".join(unknown), "choices": ", ".join(allowed)}
            }
    return {}
