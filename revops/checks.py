"""System checks: misconfiguration stops `runserver`, `migrate` and `check --deploy` loudly."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.checks import Error, register

SUPPORTED_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}


@register()
def check_secret_key(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is not set, and the development key only works with DEBUG on.",
                hint="Set the SECRET_KEY environment variable to a long random string.",
                id="revops.E001",
            )
        ]
    return []


@register()
def check_business_time_zone(app_configs, **kwargs):
    try:
        ZoneInfo(settings.BUSINESS_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return [
            Error(
                f"BUSINESS_TIME_ZONE {settings.BUSINESS_TIME_ZONE!r} is not a known time zone.",
                hint="Use an IANA name such as Europe/Amsterdam.",
                id="revops.E002",
            )
        ]
    return []


@register()
def check_currency(app_configs, **kwargs):
    code = settings.CURRENCY
    if len(code) == 3 and code.isascii() and code.isalpha() and code.isupper():
        return []
    return [
        Error(
            f"CURRENCY {code!r} is not an ISO 4217 currency code.",
            hint="Use three capital letters, such as EUR, USD or GBP.",
            id="revops.E009",
        )
    ]


@register()
def check_database_engine(app_configs, **kwargs):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine not in SUPPORTED_ENGINES:
        return [
            Error(
                f"DATABASE_URL selects {engine}, which Handoff does not support.",
                hint="Use a sqlite:/// or postgres:// URL.",
                id="revops.E003",
            )
        ]
    return []
