"""Work on many leads in several worker processes at once, each with its own database
connection: what `bulk.rescore_leads(..., workers=N)` runs on.

The leads are split by id into N ranges of about the same number of leads, and a process works
through each range. Processes rather than threads because scoring is Python: threads would
share one interpreter lock and only overlap their waits on PostgreSQL, while processes score
on every core at once.

Each worker is started fresh ("spawn": no copy of the caller's memory, open connections or
locks), sets up Django with the caller's settings module and database settings (so a test's
database too), and runs `work(first_id, last_id, job, should_stop, report)`: a function that
the worker imports by name, so it must live at a module's top level, as must `job`'s class.
Messages come back over one pipe per worker: progress, then the result or the failure.

When one worker fails, the others are told to stop (they stop after their current chunk), and
once all have ended the first failure is raised in the caller: the worker's own exception when
it can be sent back, with the worker's traceback as a note, else a ParallelRescoreError
holding the same text. A worker that dies without a word (killed, out of memory) is a failure
too.

PostgreSQL only: SQLite lets one writer at a time, so the workers would wait on each other.
The workers' connections see only committed rows, so the caller must not be inside a
transaction.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable
from multiprocessing.connection import wait

from django.conf import settings
from django.db import connection, connections
from django.utils import translation

# A fresh interpreter per worker: fork would copy the caller's open connections and threads.
START_METHOD = "spawn"


class ParallelRescoreError(Exception):
    """Work in several processes was asked for where it cannot run, or a worker failed in a
    way its own exception cannot tell the caller."""


def check_can_run() -> None:
    if connection.vendor != "postgresql":
        raise ParallelRescoreError(
            f"Re-scoring with several workers needs PostgreSQL; this database is {connection.vendor}: use one worker."
        )
    if connection.in_atomic_block:
        raise ParallelRescoreError(
            "Re-scoring with several workers cannot run inside a transaction: the workers' "
            "connections would not see its changes."
        )


def id_ranges(queryset, workers: int) -> list[tuple[int, int]]:
    """(first id, last id) of `workers` consecutive ranges holding about as many of the
    queryset's rows each; fewer when there are fewer rows than workers, none without rows."""
    total = queryset.count()
    if not total:
        return []
    ordered = queryset.order_by("id").values_list("id", flat=True)
    starts = sorted({ordered[total * share // workers] for share in range(workers)})
    last = queryset.order_by("-id").values_list("id", flat=True)[0]
    ends = [start - 1 for start in starts[1:]] + [last]
    return list(zip(starts, ends))


Work = Callable[[int, int, object, Callable[[], bool], Callable[[int], None]], object]


def run_in_processes(
    ranges: list[tuple[int, int]],
    work: Work,
    job: object,
    *,
    progress: Callable[[int], None] | None = None,
) -> list:
    """`work(first_id, last_id, job, should_stop, report)` for each range, each in its own
    process and connection; returns the results in the order of `ranges`. `work` calls
    `report(count)` as it goes (passed on to `progress` here, in the calling thread) and
    should return soon after `should_stop()` turns true. Raises the first failure."""
    context = multiprocessing.get_context(START_METHOD)
    stop = context.Event()
    setup = WorkerSetup.of_this_process()
    workers, readers = [], {}
    try:
        for index, (first_id, last_id) in enumerate(ranges):
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(
                target=run_worker,
                # Pickled here, unpickled once the worker has set Django up: unpickling imports
                # `work`'s module, and with it the models.
                args=(setup, pickle.dumps((work, job)), first_id, last_id, stop, writer),
                name=f"rescore-worker-{index}",
                daemon=True,
            )
            process.start()
            writer.close()  # the worker's end: once the worker ends, reading ends too
            workers.append(process)
            readers[reader] = index
        results, failures = collect(readers, ranges, stop, progress)
    finally:
        stop.set()  # a no-op after a clean run; otherwise, no worker goes on unattended
        for reader in readers:
            reader.close()  # a worker still sending gets a broken pipe instead of waiting
        for process in workers:
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()
                process.join()
    if failures:
        raise failures[0]
    return [results[index] for index in range(len(ranges))]


def collect(readers: dict, ranges: list[tuple[int, int]], stop, progress) -> tuple[dict, list[BaseException]]:
    """Read the workers' messages until each has ended: progress as it comes, then each
    worker's result or failure. On the first failure the other workers are told to stop."""
    results: dict[int, object] = {}
    failures: list[BaseException] = []
    waiting = dict(readers)
    while waiting:
        for reader in wait(list(waiting)):
            index = waiting[reader]
            try:
                kind, payload = reader.recv()
            except EOFError:
                kind, payload = "died", None
            if kind == "progress":
                if progress:
                    progress(payload)
                continue
            del waiting[reader]
            if kind == "done":
                results[index] = payload
                continue
            stop.set()
            first_id, last_id = ranges[index]
            where = f"the re-scoring worker for lead ids {first_id}–{last_id}"
            failures.append(
                failure_from(payload, where)
                if kind == "failed"
                else ParallelRescoreError(f"{where.capitalize()} ended without a word (killed, or out of memory?).")
            )
    return results, failures


def failure_from(payload: tuple[bytes | None, str], where: str) -> BaseException:
    """The worker's exception, with its traceback as a note; a ParallelRescoreError with the
    same text when the exception could not be sent back."""
    pickled, text = payload
    error = None
    if pickled is not None:
        try:
            error = pickle.loads(pickled)
        except Exception:  # noqa: BLE001 - an exception class that does not come back whole
            error = None
    if not isinstance(error, BaseException):
        error = ParallelRescoreError(f"{where.capitalize()} failed:\n{text}")
    else:
        error.add_note(f"Raised in {where}:\n{text}")
    return error


class WorkerSetup:
    """What a fresh worker process needs to be set up like the caller: the settings module,
    the databases as the caller's connections use them (a test run's test database), and the
    active language (explanations are stored in it). Nothing else carries over: a setting a
    test overrides in the caller is the settings module's own in the workers."""

    def __init__(self, settings_module: str, databases: dict, language: str | None):
        self.settings_module = settings_module
        self.databases = databases
        self.language = language

    @classmethod
    def of_this_process(cls) -> WorkerSetup:
        databases = {alias: dict(connections[alias].settings_dict) for alias in settings.DATABASES}
        # Under test, settings are overridden and only the environment still names the module.
        module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE
        return cls(module, databases, translation.get_language())

    def apply(self) -> None:
        os.environ["DJANGO_SETTINGS_MODULE"] = self.settings_module
        import django
        from django.conf import settings as worker_settings

        worker_settings.DATABASES = self.databases  # before any connection is opened
        django.setup()
        if self.language:
            translation.activate(self.language)


def run_worker(setup: WorkerSetup, work_and_job: bytes, first_id: int, last_id: int, stop, messages) -> None:
    """A worker process's whole life: set up Django, run `work` over its range, send back
    its result or its failure, close its connection."""
    try:
        setup.apply()
        work, job = pickle.loads(work_and_job)
        result = work(first_id, last_id, job, stop.is_set, lambda count: messages.send(("progress", count)))
        messages.send(("done", result))
    except BaseException as error:  # noqa: BLE001 - sent to the caller, which raises it
        stop.set()
        text = traceback.format_exc()
        try:
            pickled = pickle.dumps(error)
        except Exception:  # noqa: BLE001 - sent as text alone
            pickled = None
        messages.send(("failed", (pickled, text)))
    finally:
        if setup_done():
            connections.close_all()
        messages.close()


def setup_done() -> bool:
    from django.apps import apps

    return apps.ready
