"""The lead times' fine histograms (leads.lead_times): buckets aligned with the dashboard's
edges and at most 3 % wide, and percentiles from them within that bound."""

import random
import statistics

import pytest

from leads import lead_times


def test_buckets_start_at_the_dashboards_edges_and_are_at_most_3_percent_wide():
    us = 1_000_000
    for edge in lead_times.ALIGNED_EDGES:
        assert lead_times.bucket_of(edge * us) == lead_times.bucket_of(edge * us - 1) + 1
    for low, high in zip(lead_times.EDGES, lead_times.EDGES[1:]):
        assert high - low <= max(1, low * (lead_times.BUCKET_RATIO - 1))
    assert lead_times.bucket_of(0) == 0 and lead_times.bucket_of(-1) == -1
    assert lead_times.bucket_of(-90 * us) < lead_times.bucket_of(-2 * us) < 0


def exact_percentile(values, fraction):
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.mark.parametrize("seed", range(20))
def test_percentiles_from_the_histogram_are_within_3_percent_or_a_second(seed):
    rng = random.Random(seed)
    count = rng.choice([1, 2, 3, 10, 100, 5000])
    values = [rng.lognormvariate(rng.uniform(2, 13), rng.uniform(0.2, 3)) for _ in range(count)]
    values += [-rng.uniform(0, 600) for _ in range(rng.choice([0, 0, 5]))]  # attempts before the MQL
    buckets = {}
    for value in values:
        us = round(value * 1_000_000)
        entry = buckets.setdefault(lead_times.bucket_of(us), [0, 0])
        entry[0] += 1
        entry[1] += us
    found = lead_times.percentiles_from([(b, n, total) for b, (n, total) in buckets.items()], (0.5, 0.9, 0.1))

    for fraction, estimate in zip((0.5, 0.9, 0.1), found):
        exact = exact_percentile([round(v * 1_000_000) / 1_000_000 for v in values], fraction)
        assert abs(estimate - exact) <= max(1.0, 0.03 * abs(exact)), (fraction, estimate, exact)


def test_percentiles_are_exact_when_each_bucket_holds_one_value():
    hours = [1, 2, 24]
    rows = [(lead_times.bucket_of(h * 3600 * 10**6), 1, h * 3600 * 10**6) for h in hours]
    assert lead_times.percentiles_from(rows, (0.5, 0.9)) == [2 * 3600, (2 + 0.8 * 22) * 3600]
    assert lead_times.percentiles_from([], (0.5,)) is None
    assert statistics.median(hours) * 3600 == lead_times.percentiles_from(rows, (0.5,))[0]
