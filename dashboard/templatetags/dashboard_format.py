from urllib.parse import urlencode

from django import template

from dashboard import formatting

register = template.Library()

register.filter("percent", formatting.percent)
register.filter("duration", formatting.duration)
register.filter("money", formatting.money)
register.filter("decimal", formatting.decimal)


@register.filter
def get(mapping: dict, key):
    return mapping.get(key)


@register.filter
def key_query(key) -> str:
    """The lead list's parameter for a breakdown row: "&key=…" (an empty key is a row too)."""
    return "&" + urlencode({"key": key})
