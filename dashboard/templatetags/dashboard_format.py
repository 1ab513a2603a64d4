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
