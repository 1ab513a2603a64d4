"""Import jobs: queued, claimed by one worker, run, and recorded — rows done and failed, the
report, or why the job failed."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connections, transaction
from django.utils import translation

from integrations import jobs
from integrations.importer import HistoryImport
from integrations.models import ImportJob
from leads.models import Lead

from .test_importleads import BAD, GOOD, HEADER

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
OPTIONS = {"source_system": "crm", "column_map": {}, "value_map": {}, "skip_bad_rows": True, "dry_run": False,
           "decimal_separator": "", "open_leads": "history"}


def queue(content: bytes, *, user=None, language="en", **options) -> ImportJob:
    return jobs.queue_import(content=content, file_name="crm.csv", options={**OPTIONS, **options}, user=user, language=language, now=NOW)


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def test_a_queued_job_knows_how_many_rows_to_expect(db):
    assert queue(csv_bytes(*GOOD)).rows_total == 2
    assert queue(csv_bytes(*GOOD).rstrip(b"\n")).rows_total == 2


def test_the_worker_claims_the_oldest_job_runs_it_and_records_rows_done_and_failed(db, revops_admin):
    first = queue(csv_bytes(GOOD[0], BAD, GOOD[1]), user=revops_admin)
    second = queue(csv_bytes(GOOD[0]))
    assert jobs.run_next(worker="w1", now=NOW)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.worker, first.rows_done, first.rows_failed) == (ImportJob.Status.DONE, "w1", 3, 1)
    assert second.status == ImportJob.Status.QUEUED
    report = jobs.report_of(first)
    assert (report.created, report.written) == (2, True)
    assert [(e.line, e.column) for e in report.errors] == [(3, "sql_at")]
    assert bytes(first.content) == b"" and first.finished_at is not None
    assert set(Lead.objects.values_list("stage_changes__changed_by", flat=True)) == {revops_admin.pk}


def test_without_queued_jobs_there_is_nothing_to_do(db):
    assert jobs.run_next(worker="w1", now=NOW) is False


def test_a_claimed_job_is_not_claimed_again(db):
    queue(csv_bytes(*GOOD))
    assert jobs.claim_next(worker="w1", now=NOW).status == ImportJob.Status.RUNNING
    assert jobs.claim_next(worker="w2", now=NOW) is None


def test_a_file_that_is_not_utf8_fails_saying_which_line(db):
    job = jobs.run_job(queue(csv_bytes(GOOD[0]) + "A2,Jos\xe9,,,,,,2025-01-01,,,,,,,\n".encode("latin-1")), now=NOW)
    assert job.status == ImportJob.Status.FAILED
    assert job.failure == "Line 3 is not UTF-8 text (invalid continuation byte). Save the file as “CSV UTF-8” and try again. Nothing was written."
    assert job.report is None and Lead.objects.count() == 0


def test_the_failure_is_written_in_the_uploaders_language(db):
    job = jobs.run_job(queue(csv_bytes(GOOD[0]) + b"A2,Jos\xe9\n", language="nl"), now=NOW)
    assert job.failure.startswith("Regel 3 is geen UTF-8-tekst")


def test_an_unexpected_error_fails_the_job_and_writes_nothing(db, monkeypatch):
    def broken(self, lines, progress=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(HistoryImport, "run", broken)
    with transaction.atomic():  # run_job itself must not leave a broken transaction behind
        job = jobs.run_job(queue(csv_bytes(*GOOD)), now=NOW)
    assert job.status == ImportJob.Status.FAILED
    assert job.failure == "The import stopped on an unexpected error (RuntimeError); nothing was written."


def test_a_job_whose_worker_died_fails_after_a_while(db):
    job = queue(csv_bytes(*GOOD))
    jobs.claim_next(worker="w1", now=NOW)
    assert jobs.fail_stalled(NOW + jobs.STALLED - timedelta(seconds=1)) == 0
    with translation.override("en"):
        assert jobs.fail_stalled(NOW + jobs.STALLED + timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "stopped" in job.failure


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_each_claim_a_different_job():
    for _ in range(4):
        queue(csv_bytes(*GOOD))
    claimed: list[int] = []
    barrier = threading.Barrier(4)

    def claim(name):
        barrier.wait()
        job = jobs.claim_next(worker=name, now=NOW)
        if job:
            claimed.append(job.pk)
        connections.close_all()

    threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == len(set(claimed)) == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_import_transaction_is_still_open():
    job = queue(csv_bytes(*GOOD))
    seen: list[tuple] = []

    def look():
        seen.append(tuple(ImportJob.objects.filter(pk=job.pk).values_list("rows_done", "rows_failed").get()))
        connections.close_all()

    importer = HistoryImport(**OPTIONS, now=NOW)
    writer = jobs.ProgressWriter(job.pk, importer.report)
    try:
        with transaction.atomic():
            Lead.objects.create(external_id="inside")
            importer.report.skipped = 1
            writer(1500)
            thread = threading.Thread(target=look)
            thread.start()
            thread.join()
    finally:
        writer.close()
    assert seen == [(1500, 1)]
