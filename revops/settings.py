"""Handoff settings: one file, every deployment difference comes from the environment.

Variables (all optional for local development):
  SECRET_KEY, DEBUG, ALLOWED_HOSTS, DATABASE_URL, BUSINESS_TIME_ZONE, LANGUAGE_CODE,
  CSRF_TRUSTED_ORIGINS, SECURE_SSL_REDIRECT, SITE_URL, the mail settings (EMAIL_HOST, ...),
  LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES, SESSION_IDLE_MINUTES, REQUIRE_2FA_FOR_ADMINS,
  RETENTION_MONTHS;
  the README's configuration table lists them all.
"""

from datetime import timedelta
from pathlib import Path

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from revops.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# A key that only works where DEBUG is on: revops.checks refuses it otherwise.
DEVELOPMENT_SECRET_KEY = "django-insecure-handoff-development-only"

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Handoff's apps, each depending only on those above it (common/ is a plain package).
    "leads",
    "campaigns",
    "handoff",
    "qualification",
    "sales",
    "integrations",
    "dashboard",
    "review",
    "demo",
    "revops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "revops.language.UserLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "revops.sessions.IdleTimeoutMiddleware",
    "revops.twofactor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "revops.faults.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "revops.urls"
WSGI_APPLICATION = "revops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "revops.context_processors.navigation",
            ],
        },
    },
]

# SQLite file by default, so a newcomer needs no server; production sets
# DATABASE_URL=postgres://user:password@host:5432/name (psycopg 3).
DATABASE_URL = env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The dashboard's covering indexes (INCLUDE) speed up PostgreSQL; SQLite, for development,
# simply builds them without the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every login (ours, the admin's) before the password is even compared.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Personal data: the worker deletes leads nobody touched for this many months
# (integrations.privacy.apply_retention); 0, the default, keeps them.
RETENTION_MONTHS = env_int("RETENTION_MONTHS", default=0)
# A session ends after this long without a request (revops.sessions).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", default=8 * 60) * 60
# A worker without a heartbeat for this long counts as stopped (/healthz, the admin).
WORKER_SILENT_AFTER_SECONDS = env_int("WORKER_SILENT_AFTER_SECONDS", default=300)
# Threads (each with its own database connection) an activation re-scores the leads with;
# above 1 needs PostgreSQL (qualification.parallel).
RESCORE_WORKERS = env_int("RESCORE_WORKERS", default=1)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language and time. Timestamps are stored in UTC. BUSINESS_TIME_ZONE is the one zone that
# working hours, deadlines, review weeks, the dashboard's periods, e-mails and imports are
# counted in (common/business_time.py); Django's TIME_ZONE is the same, so localdate() agrees.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", default="nl")
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One way to write a day and one a day with its time, per language (revops/formats/).
FORMAT_MODULE_PATH = ["revops.formats"]
USE_I18N = True
USE_TZ = True
BUSINESS_TIME_ZONE = env_str("BUSINESS_TIME_ZONE", default="Europe/Amsterdam")
TIME_ZONE = BUSINESS_TIME_ZONE
# The currency deal values are in (an ISO 4217 code): every amount shown or exported is in it.
CURRENCY = env_str("CURRENCY", default="EUR")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dashboard.staticfiles.PlotlyFinder",  # plotly.js, a partial bundle from npm (node_modules/)
]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Our pages load scripts and styles only from our own static files. plotly.js injects its
# own style blocks, which the dashboard allows by hash where it needs them.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# HTTPS only, unless DEBUG or an intranet that serves plain http says so (PLAIN_HTTP=true).
PLAIN_HTTP = env_bool("PLAIN_HTTP", default=False)
HTTPS_ONLY = not DEBUG and not PLAIN_HTTP
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=HTTPS_ONLY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=HTTPS_ONLY)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=HTTPS_ONLY)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS_ONLY)
# Preloading commits the whole domain to HTTPS in every browser for months; an installation
# decides that itself (SECURE_HSTS_PRELOAD=true), so the check that nags about it is off.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS.append("security.W021")
# Load balancers probe the health check over plain http, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Failed logins are counted per account and per address, separately: guessing one person's
# password from many addresses is stopped, and so is trying many accounts from one address.
# A lockout ends by itself after LOGIN_LOCKOUT_MINUTES, or when an admin deletes the
# attempts (admin → Axes → Access attempts). A successful login clears the count.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "revops.login.lockout_response"
AXES_CLIENT_IP_CALLABLE = "revops.login.client_ip"

# The second factor (revops.twofactor): anyone may set up a code from an authenticator app;
# with REQUIRE_2FA_FOR_ADMINS on, RevOps admins must.
REQUIRE_2FA_FOR_ADMINS = env_bool("REQUIRE_2FA_FOR_ADMINS", default=False)
OTP_TOTP_ISSUER = "Handoff"

# Mail: SMTP in production (EMAIL_HOST etc.); while developing, one file per message in
# EMAIL_TO_FOLDER (`./dev serve` uses mail/) or printed to the console.
EMAIL_TO_FOLDER = env_str("EMAIL_TO_FOLDER", default="")
if EMAIL_TO_FOLDER:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": EMAIL_TO_FOLDER},
        }
    }
elif env_bool("EMAIL_TO_CONSOLE", default=DEBUG):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", default="localhost"),
                "port": env_int("EMAIL_PORT", default=25),
                "username": env_str("EMAIL_HOST_USER", default=""),
                "password": env_str("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=False),
                "timeout": 20,
            },
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="Handoff <handoff@localhost>")

# The funnel dashboard. (Its targets are the service level agreement's, edited in the admin.)
# Days in which most leads that get to a stage get there. A cohort mostly younger than that is
# marked "too early to judge" for the stage.
FUNNEL_MATURITY_DAYS = {"mql": 7, "sal": 7, "sql": 14, "opportunity": 30, "won": 90}

# The public address of this installation, used in links inside e-mails and chat messages.
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Handoff API",
    "DESCRIPTION": (
        "Leads and activities from marketing automation and CRM systems. Authenticate with "
        "`Authorization: Bearer hf_…` (a token an admin creates in the admin) or, in the "
        "browser, with your Handoff session."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [
        "integrations.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "leads.models.Lead.Stage",
        "SourceOwnerEnum": "leads.models.SourceOwner",
        "KindEnum": "leads.models.Activity.Kind",  # the name it had before account events
        "AccountEventKindEnum": "leads.models.AccountEvent.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.schema.document_error_responses",
    ],
}

# Every line goes to stderr through a filter that blanks `token=` in URLs (revops.logfilters):
# the Typeform webhook's token travels in its query string. Django's own handlers for
# "django" and "django.server" are replaced so that no line bypasses the filter; gunicorn's
# access and error logs are routed here too (its workers load these settings).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "revops.logfilters.RedactTokens"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
