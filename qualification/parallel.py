"""Work on many leads in several threads at once, each with its own database connection: what
`bulk.rescore_leads(..., workers=N)` runs on.

The leads are split by id into N ranges of about the same number of leads, and a thread works
through each range. For re-scoring this pays although scoring is Python and holds the
interpreter lock: a chunk spends about as long waiting on PostgreSQL (reading facts, counting
activities, writing scores), and while one thread waits the other scores.

When one thread fails, the others are told to stop (they stop after their current chunk) and
the error is raised in the calling thread once all have ended.

PostgreSQL only: SQLite lets one writer at a time, so the threads would wait on each other.
The threads' connections see only committed rows, so the caller must not be inside a
transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection, connections


class ParallelRescoreError(Exception):
    """Work in several threads was asked for where it cannot run."""


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


def run_in_threads(ranges: list[tuple[int, int]], work: Callable[[int, int, threading.Event], None]) -> None:
    """`work(first_id, last_id, stop)` for each range, each in its own thread and connection;
    `work` should return soon after `stop` is set. Raises the first failure."""
    stop = threading.Event()
    failures: list[BaseException] = []

    def run(first_id: int, last_id: int) -> None:
        try:
            work(first_id, last_id, stop)
        except BaseException as error:  # noqa: BLE001 - raised again in the calling thread
            stop.set()
            failures.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=bounds, name=f"worker-{n}") for n, bounds in enumerate(ranges)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
