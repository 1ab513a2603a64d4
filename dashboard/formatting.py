"""How the dashboard writes its numbers, shared by the page, the charts and the CSV files.

Numbers are rounded before Django formats them: its number_format cuts digits off.
An empty denominator gives None upstream; here it becomes "—", never 0 % or an error.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

EMPTY = "—"
HOUR = 3600
DAY = 86400


def percent(value: float | None) -> str:
    if value is None:
        return EMPTY
    return f"{number_format(round(value * 100, 1), 1)} %"


def duration(seconds: float | None) -> str:
    """Minutes under an hour, hours under two days, days beyond."""
    if seconds is None:
        return EMPTY
    if seconds < HOUR:
        return _("%(n)s min") % {"n": number_format(round(seconds / 60), 0)}
    if seconds < 2 * DAY:
        return _("%(n)s h") % {"n": number_format(round(seconds / HOUR, 1), 1)}
    return _("%(n)s days") % {"n": number_format(round(seconds / DAY, 1), 1)}


def business_hours(seconds: float | None) -> str:
    """Business time in minutes under an hour, else in hours, never in days: "3 days" would
    hide that nights and weekends do not count."""
    if seconds is None:
        return EMPTY
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(n)s min") % {"n": number_format(minutes, 0)}
    return _("%(n)s h") % {"n": number_format(round(seconds / HOUR, 1), 1)}


# The sign for the currencies people write with one; any other shows its ISO code ("CHF 1.200").
CURRENCY_SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def currency_sign() -> str:
    """How the installation's currency (settings.CURRENCY, an ISO code) is written."""
    return CURRENCY_SIGNS.get(settings.CURRENCY, settings.CURRENCY)


def money(value: Decimal | float | None) -> str:
    if value is None:
        return EMPTY
    return f"{currency_sign()} {number_format(round(value), 0, force_grouping=True)}"


def decimal(value: float | None, places: int = 1) -> str:
    if value is None:
        return EMPTY
    return number_format(round(value, places), places)


# --- plain numbers for CSV: rounded as on the page, language-independent ----------------
# Decimals, so a writer can tell a number from text: the plain CSV writes them with a dot, the
# Dutch "for Excel" one with a decimal comma. Empty where the page shows "—".


def csv_percent(value: float | None) -> Decimal | str:
    return "" if value is None else Decimal(f"{value * 100:.1f}")


def csv_hours(seconds: float | None) -> Decimal | str:
    return "" if seconds is None else Decimal(f"{seconds / HOUR:.1f}")


def csv_number(value: float | Decimal | None, places: int = 2) -> Decimal | str:
    return "" if value is None else Decimal(f"{value:.{places}f}")
