"""The lead times' fine histograms: buckets one second wide up to half a minute, then each 3 %
wider than the one before (and starting at the dashboard's own bucket edges, so its
distributions are exact). A bucket holds the number of lead times in it and their sum; a
percentile takes each lead time as its bucket's mean, so it is off by less than the bucket's
width: at most 3 %, or one second (`percentiles_from()`). Pure: no database."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

BUCKET_RATIO = 1.03
# Edges the dashboard's own buckets start at (speed to lead, the lead-time distributions).
ALIGNED_EDGES = (60, 300, 900, 1800, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 28 * 86400)


def _edges() -> tuple[int, ...]:
    edges, edge = set(ALIGNED_EDGES), 1
    while edge < 20 * 366 * 86400:
        edges.add(edge)
        edge = max(edge + 1, math.floor(edge * BUCKET_RATIO))
    return tuple(sorted(edges))


EDGES = _edges()  # seconds: bucket b ≥ 1 runs from EDGES[b - 1] up to EDGES[b]
EDGES_US = tuple(edge * 1_000_000 for edge in EDGES)


def bucket_of(microseconds: int) -> int:
    """0 for [0, 1 s), b for [EDGES[b-1], EDGES[b]); a negative time -1 - bucket_of(-time)."""
    if microseconds < 0:
        return -1 - bucket_of(-microseconds)
    return bisect.bisect_right(EDGES_US, microseconds)


def bucket_start(bucket: int) -> int:
    """Where a bucket of positive times starts, in seconds (0 for the first)."""
    return 0 if bucket <= 0 else EDGES[bucket - 1]


def percentiles_from(buckets: Iterable[tuple[int, int, int]], fractions: Iterable[float]) -> list[float] | None:
    """`percentile_cont` of the lead times in (bucket, n, sum of microseconds) rows, each time
    taken as its bucket's mean; None when there are none. Off by less than a bucket's width."""
    runs = sorted((bucket, n, total) for bucket, n, total in buckets if n)
    count = sum(n for _bucket, n, _total in runs)
    if not count:
        return None
    means = [(n, total / n / 1_000_000) for _bucket, n, total in runs]

    def value_at(rank: int) -> float:
        for n, mean in means:
            if rank < n:
                return mean
            rank -= n
        raise IndexError(rank)

    result = []
    for fraction in fractions:
        position = fraction * (count - 1)
        low = math.floor(position)
        high = min(low + 1, count - 1)
        below, above = value_at(low), value_at(high)
        result.append(below + (above - below) * (position - low))
    return result
