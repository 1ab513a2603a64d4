from django import template

from common.messages import render

register = template.Library()


@register.filter
def said(stored) -> str:
    """A stored message (a code and its parameters) in the reader's language; a plain text,
    as typed or stored before codes, as it is."""
    return render(stored)
