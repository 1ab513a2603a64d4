"""Import jobs: an upload from the import page becomes an ImportJob; the worker claims queued
jobs one at a time and runs them (`run_next()`), a small upload runs at once in the request
(`run_job()` directly). The import itself is `HistoryImport`, one transaction, either way.

Progress (rows read, bad rows) is written on a second database connection on PostgreSQL, so
the progress page sees it while the import's own transaction is still open. SQLite allows one
writer at a time: there the counts appear when the job ends.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from integrations.history import NotText, decoded_lines
from integrations.importer import HistoryImport, ImportReport
from integrations.models import ImportJob

logger = logging.getLogger(__name__)

# Uploads up to this size run at once in the request; larger ones wait for the worker.
RUN_AT_ONCE_BYTES = 256 * 1024
# A running job that reported no progress for this long belongs to a worker that died (an
# import reports progress every 1,000 rows).
STALLED = timedelta(minutes=30)


def queue_import(*, content: bytes, file_name: str, options: dict, user, language: str, now: datetime) -> ImportJob:
    return ImportJob.objects.create(
        created_by=user,
        created_at=now,
        file_name=file_name[:255],
        content=content,
        options=options,
        language=language,
        rows_total=max(0, content.count(b"\n") - 1 + (0 if content.endswith(b"\n") else 1)),
    )


def claim_next(*, worker: str, now: datetime) -> ImportJob | None:
    """The oldest queued job, marked running by this worker; None when there is none. Row
    locks with SKIP LOCKED: two workers never claim the same job."""
    with transaction.atomic():
        job = (
            ImportJob.objects.filter(status=ImportJob.Status.QUEUED)
            .select_for_update(skip_locked=True)
            .order_by("created_at", "id")
            .first()
        )
        if job is None:
            return None
        job.status, job.worker, job.started_at, job.progress_at = ImportJob.Status.RUNNING, worker, now, now
        job.save(update_fields=["status", "worker", "started_at", "progress_at"])
    return job


def run_next(*, worker: str, now: datetime) -> bool:
    """Claim and run one queued job; whether there was one."""
    fail_stalled(now)
    job = claim_next(worker=worker, now=now)
    if job is None:
        return False
    run_job(job, now=now)
    return True


def run_job(job: ImportJob, *, now: datetime) -> ImportJob:
    """Run the job's import and record its report, or why it failed. Never raises for a bad
    file: the job says what was wrong."""
    if job.status == ImportJob.Status.QUEUED:
        job.status, job.started_at, job.progress_at = ImportJob.Status.RUNNING, now, now
        job.save(update_fields=["status", "started_at", "progress_at"])
    failure = ""
    with translation.override(job.language):
        importer = HistoryImport(**job.options, now=now, user=job.created_by, file_name=job.file_name)
        progress = ProgressWriter(job.pk, importer.report)
        try:
            importer.run(decoded_lines(io.BytesIO(bytes(job.content))), progress=progress)
        except NotText as error:
            failure = _("%(problem)s Nothing was written.") % {"problem": error}
        except Exception as error:  # the job must say it failed, whatever the bug
            logger.exception("Import job %s failed", job.pk)
            failure = _("The import stopped on an unexpected error (%(error)s); nothing was written.") % {
                "error": type(error).__name__
            }
        finally:
            progress.close()
    report = importer.report
    job.status = ImportJob.Status.FAILED if failure else ImportJob.Status.DONE
    job.failure = failure
    job.report = None if failure else report.to_json()
    job.rows_done, job.rows_failed = report.rows, report.skipped
    job.finished_at = job.progress_at = timezone.now()
    job.content = b""  # the file is not kept once it is imported
    job.save()
    return job


def fail_stalled(now: datetime) -> int:
    return ImportJob.objects.filter(status=ImportJob.Status.RUNNING, progress_at__lt=now - STALLED).update(
        status=ImportJob.Status.FAILED,
        finished_at=now,
        content=b"",
        failure=_("The worker running this import stopped; nothing was written. Upload the file again."),
    )


def report_of(job: ImportJob) -> ImportReport | None:
    return ImportReport.from_json(job.report) if job.report else None


class ProgressWriter:
    """Called by the import after each chunk: stores rows read and bad rows on the job, on
    its own autocommitting connection (PostgreSQL only, see the module's docstring)."""

    def __init__(self, job_id: int, report: ImportReport):
        self.job_id = job_id
        self.report = report
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None

    def __call__(self, rows_done: int) -> None:
        if self.connection is None:
            return
        table = self.connection.ops.quote_name(ImportJob._meta.db_table)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rows_done = %s, rows_failed = %s, progress_at = %s WHERE id = %s",
                [rows_done, self.report.skipped, timezone.now(), self.job_id],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
