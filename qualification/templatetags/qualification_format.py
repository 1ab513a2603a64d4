from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from qualification.scoring import describe_match
from qualification.whatconverts import trait_label, value_label

register = template.Library()


@register.filter
def matched(line: dict) -> str:
    """What an explanation line's disqualifier matched, in the reader's language."""
    return describe_match(line.get("match"))


@register.filter
def trait_name(attribute: str) -> str:
    """A "what converts" trait's name in the reader's language."""
    return trait_label(attribute)


@register.filter
def trait_value(row) -> str:
    return value_label(row.attribute, row.value)


@register.filter
def percentage(share) -> str:
    """0.385 → "38.5 %"; a dash for no figure."""
    if share is None:
        return "–"
    return _("%(number)s %%") % {"number": number_format(share * 100, decimal_pos=1)}


@register.filter
def auc_figure(value) -> str:
    return "–" if value is None else number_format(value, decimal_pos=3)
