from django import template

from qualification.scoring import describe_match

register = template.Library()


@register.filter
def matched(line: dict) -> str:
    """What an explanation line's disqualifier matched, in the reader's language."""
    return describe_match(line.get("match"))
