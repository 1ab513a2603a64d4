"""`{{ lead|lateness_of:lateness }}`: a lead's grade on the page's lateness scale (the view
puts `lateness`, a `handoff.lateness.LatenessScale`, in the context; without one, no grade)."""

from django import template

from handoff.lateness import LatenessScale

register = template.Library()


@register.filter
def lateness_of(lead, scale: LatenessScale | None):
    if not isinstance(scale, LatenessScale):
        return None
    return scale.of_lead(lead)
