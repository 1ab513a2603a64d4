from django import template
from django.utils.translation import gettext as _

from common.people import person_name
from dashboard import formatting
from review.targets import Status

register = template.Library()

BADGE = {Status.GOOD: "ok", Status.AMBER: "warn-badge", Status.BAD: "bad"}


@register.filter
def status_class(judged) -> str:
    """The building block's badge class for a verdict: ok / warn / bad, or nothing."""
    return BADGE.get(getattr(judged, "status", None), "")


@register.filter
def status_label(judged) -> str:
    status = getattr(judged, "status", None)
    if status:
        return str(status.label)
    return _("nothing to measure") if getattr(judged, "target", None) is not None else _("no target")


register.filter("business_hours", formatting.business_hours)


@register.filter
def lookup(mapping, key):
    """`mapping[key]`, or None: `{{ discussed|lookup:lead.pk }}`."""
    return mapping.get(key) if mapping else None


register.filter("person", person_name)
