"""API tokens: how another system (a marketing automation tool, a CRM) proves who it is.

A token is shown once, when an admin creates it; only a hash of its secret is stored. Each
token belongs to one integration, which is also the `source_system` of everything it sends, so
one integration can never overwrite another's leads by guessing their ids.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "hf"


def hash_secret(secret: str) -> str:
    # The secret is 32 random bytes, so a fast hash is as safe as a slow one and costs
    # nothing per request.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        INGEST = "ingest", _("ingest (send leads and activities)")
        READ = "read", _("read (list leads and their history)")

    name = models.CharField(_("name"), max_length=100, help_text=_("Which integration uses it."))
    source_system = models.SlugField(
        _("source system"),
        max_length=50,
        help_text=_(
            "Leads and activities sent with this token are kept under this name, "
            "e.g. hubspot or typeform."
        ),
    )
    key_id = models.CharField(_("key id"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    can_ingest = models.BooleanField(_("scope: ingest"), default=True)
    can_read = models.BooleanField(_("scope: read"), default=False)
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=600,
        help_text=_("Requests above this number get 429 Too Many Requests until the minute is over."),
    )
    typeform_signing_secret = models.CharField(
        _("Typeform signing secret"),
        max_length=200,
        blank=True,
        help_text=_(
            "The secret set on the Typeform webhook. When given, a delivery without a valid "
            "Typeform-Signature header is refused (401) and nothing is stored."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The rate limit counts requests per clock minute on the token's own row, so every server
    # process shares the count and one atomic UPDATE both counts and reads it.
    rate_minute = models.BigIntegerField(default=0, editable=False)
    window_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.key_id})"

    @classmethod
    def issue(cls, **fields) -> tuple["ApiToken", str]:
        """A new, saved token and its plain text, which is never stored and never shown again."""
        token = cls(**fields)
        plain = token.generate_secret()
        token.save()
        return token, plain

    def generate_secret(self) -> str:
        """Give an unsaved token its key id and secret; returns the plain text."""
        self.key_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        self.secret_hash = hash_secret(secret)
        return f"{TOKEN_PREFIX}_{self.key_id}_{secret}"

    @staticmethod
    def split(plain: str) -> tuple[str, str] | None:
        """(key id, secret) of a presented token, or None when it is not shaped like one."""
        prefix, _, rest = plain.partition("_")
        key_id, _, secret = rest.partition("_")
        if prefix != TOKEN_PREFIX or not key_id or not secret:
            return None
        return key_id, secret

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def scopes(self) -> list[str]:
        return [
            scope
            for scope, granted in ((self.Scope.INGEST, self.can_ingest), (self.Scope.READ, self.can_read))
            if granted
        ]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def revoke(self, *, now: datetime) -> None:
        ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=now)
        self.refresh_from_db(fields=["revoked_at"])

    def record_use(self, *, now: datetime) -> int:
        """Stamp the token as used and count the request in the current minute; returns the
        number of requests in this minute so far. One atomic UPDATE on the token's row, so
        every server process shares the count."""
        minute = minute_number(now)
        table = connection.ops.quote_name(self._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET "
                "window_count = CASE WHEN rate_minute = %s THEN window_count + 1 ELSE 1 END, "
                "rate_minute = %s, last_used_at = %s WHERE id = %s RETURNING window_count",
                [minute, minute, connection.ops.adapt_datetimefield_value(now), self.pk],
            )
            (count,) = cursor.fetchone()
        self.last_used_at = now
        return count


def minute_number(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def seconds_left_in_minute(moment: datetime) -> int:
    return 60 - int(moment.timestamp() % 60)


class ImportJob(models.Model):
    """A CSV upload from the import page, run by the worker (`manage.py runworker`) or, when
    small, at once in the request: the same code either way. The file is kept in the
    database so any worker can run it, and dropped when the job ends."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    file_name = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(editable=False)
    # The form's choices (source system, mappings, decimal separator, open leads, dry run, …).
    options = models.JSONField(default=dict)
    # Row errors are written in the uploader's language when the job runs.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_failed = models.PositiveIntegerField(_("bad rows"), default=0)
    report = models.JSONField(_("report"), null=True, blank=True)
    failure = models.TextField(_("why it failed"), blank=True)
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [
            models.Index(fields=["created_at"], name="importjob_queued", condition=models.Q(status="queued")),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent_done(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0
