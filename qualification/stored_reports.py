"""The "what converts" report as a stored thing, computed in the background.

Computing the report reads the whole history (seconds on the demo, minutes at a million
leads), so no page does it: marketing asks for one (`request()`), the worker computes it
(`compute_due()`, also on its own when the newest is older than MAX_AGE), and the page reads
the newest stored one (`newest()`) and its data (`report_of()`). A request is claimed with a
conditional update; the unique constraint on the model keeps at most one waiting and one
being computed, so several workers never compute the same request twice, nor two at once.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import translation

from qualification import learning
from qualification.models import WhatConvertsReport

logger = logging.getLogger(__name__)

MAX_AGE = timedelta(days=1)  # a newer report than this is fresh enough: the history moves slowly
# A computation still running after this long belongs to a worker that stopped mid-way.
STALE_RUN = timedelta(hours=2)
IN_PROGRESS = (WhatConvertsReport.Status.QUEUED, WhatConvertsReport.Status.RUNNING)


def newest() -> WhatConvertsReport | None:
    """The newest computed report (none while the first one is still to be computed)."""
    return WhatConvertsReport.objects.filter(status=WhatConvertsReport.Status.DONE).order_by("-computed_at", "-id").first()


def waiting() -> WhatConvertsReport | None:
    """The request the worker has yet to finish: queued or being computed."""
    return WhatConvertsReport.objects.filter(status__in=IN_PROGRESS).order_by("requested_at", "id").first()


def report_of(stored: WhatConvertsReport) -> learning.Report:
    """The stored report, in the reader's language."""
    return learning.Report.from_data(stored.data)


def is_stale(last_computed_at: datetime | None, *, now: datetime) -> bool:
    """Whether a new report is due: none was ever attempted, or the last attempt ended
    MAX_AGE ago or longer."""
    return last_computed_at is None or now - last_computed_at >= MAX_AGE


def request(*, by, now: datetime) -> WhatConvertsReport:
    """Ask the worker for a fresh report; a request that is already queued stands (it is
    returned instead of a second one)."""
    queued = WhatConvertsReport.objects.filter(status=WhatConvertsReport.Status.QUEUED).first()
    if queued is not None:
        return queued
    try:
        with transaction.atomic():
            return WhatConvertsReport.objects.create(requested_by=by, requested_at=now)
    except IntegrityError:  # another request was queued in between
        return WhatConvertsReport.objects.get(status=WhatConvertsReport.Status.QUEUED)


def compute_due(*, now: datetime, worker: str) -> bool:
    """The worker's step: queue a report when the last one is a day old, then compute the
    oldest queued request unless another worker is computing one. Returns whether it
    computed one."""
    give_up_stale_runs(now=now)
    if not WhatConvertsReport.objects.filter(status__in=IN_PROGRESS).exists():
        last = (
            WhatConvertsReport.objects.exclude(computed_at=None).order_by("-computed_at").values_list("computed_at", flat=True).first()
        )
        if is_stale(last, now=now):
            request(by=None, now=now)
    candidate = WhatConvertsReport.objects.filter(status=WhatConvertsReport.Status.QUEUED).values_list("pk", flat=True).first()
    if candidate is None:
        return False
    try:
        with transaction.atomic():
            claimed = WhatConvertsReport.objects.filter(pk=candidate, status=WhatConvertsReport.Status.QUEUED).update(
                status=WhatConvertsReport.Status.RUNNING, started_at=now, worker=worker
            )
    except IntegrityError:  # another worker is computing one: this request waits its turn
        return False
    if not claimed:
        return False  # another worker was quicker
    compute(WhatConvertsReport.objects.get(pk=candidate), now=now)
    return True


def give_up_stale_runs(*, now: datetime) -> int:
    return WhatConvertsReport.objects.filter(
        status=WhatConvertsReport.Status.RUNNING, started_at__lt=now - STALE_RUN
    ).update(status=WhatConvertsReport.Status.FAILED, computed_at=now, error="The worker stopped before the report was done.")


def compute(stored: WhatConvertsReport, *, now: datetime) -> WhatConvertsReport:
    """Compute the report over the history up to `now` into the claimed row. A failure is
    recorded on the row (and logged); the page keeps showing the report before it."""
    started = time.monotonic()
    try:
        report = learning.report(until=now)
    except DatabaseError:
        raise  # the database, not the report: the worker reconnects; the claim goes stale
    except Exception as error:  # a bug in one report must not stop the worker
        logger.exception("The what-converts report %s could not be computed", stored.pk)
        stored.status, stored.error, stored.computed_at = WhatConvertsReport.Status.FAILED, f"{type(error).__name__}: {error}", now
        stored.save(update_fields=["status", "error", "computed_at"])
        return stored
    fill(stored, report, now=now, duration=timedelta(seconds=time.monotonic() - started))
    stored.save()
    return stored


def fill(stored: WhatConvertsReport, report: learning.Report, *, now: datetime, duration: timedelta) -> None:
    """The report's data and figures on the row; computed at `now` plus the time it took."""
    # Stored in the source language; the page and the command put the codes into words again.
    with translation.override("en"):
        stored.data = report.as_data()
    stored.status = WhatConvertsReport.Status.DONE
    stored.until, stored.leads, stored.won = report.until, report.table.leads, report.table.won
    stored.duration, stored.computed_at, stored.error = duration, now + duration, ""


def compute_and_store(*, until: datetime, now: datetime, by=None) -> WhatConvertsReport:
    """Compute the report over the history up to `until` here and now (the command's
    `--store`, the demo data set) and store it as done."""
    started = time.monotonic()
    report = learning.report(until=until)
    stored = WhatConvertsReport(requested_by=by, requested_at=now, started_at=now)
    fill(stored, report, now=now, duration=timedelta(seconds=time.monotonic() - started))
    stored.save()
    return stored
