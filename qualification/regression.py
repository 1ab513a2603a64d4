"""The arithmetic under the proposal (pure): a logistic regression on yes/no features fitted by
Newton's method, and the measures that rank its scores on the hold-out — AUC and the won rate
of the top share."""

from __future__ import annotations

import math
from collections.abc import Sequence

RIDGE = 1.0


def grouped(features: Sequence[Sequence[int]], outcomes: Sequence[bool]) -> list[tuple[tuple[int, ...], int, int]]:
    """Leads with the same features as one weighted row: (active feature indices, leads, won)."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for active, won in zip(features, outcomes):
        group = groups.setdefault(tuple(active), [0, 0])
        group[0] += 1
        group[1] += bool(won)
    return [(active, n, w) for active, (n, w) in groups.items()]


def fit_logistic(groups, size: int, *, ridge: float = RIDGE, iterations: int = 30) -> tuple[float, list[float]]:
    """(intercept, weights) of a logistic regression on yes/no features, by Newton's method;
    `groups` as `grouped()` makes them. The ridge penalty (not on the intercept) keeps the
    weights finite when a feature separates perfectly."""
    beta = [0.0] * (size + 1)
    for _round in range(iterations):
        gradient = [0.0] * (size + 1)
        hessian = [[0.0] * (size + 1) for _ in range(size + 1)]
        for active, leads, won in groups:
            indices = (0, *(index + 1 for index in active))
            eta = sum(beta[index] for index in indices)
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, eta))))
            weight, residual = leads * p * (1 - p), won - leads * p
            for a in indices:
                gradient[a] += residual
                row = hessian[a]
                for b in indices:
                    row[b] += weight
        for index in range(1, size + 1):
            gradient[index] -= ridge * beta[index]
            hessian[index][index] += ridge
        step = solve(hessian, gradient)
        beta = [b + s for b, s in zip(beta, step)]
        if max(map(abs, step)) < 1e-5:  # a thousandth of a point
            break
    return beta[0], beta[1:]


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """x with matrix · x = vector (Gaussian elimination with partial pivoting)."""
    size = len(vector)
    rows = [list(matrix[i]) + [vector[i]] for i in range(size)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        if abs(rows[column][column]) < 1e-12:
            continue
        for r in range(column + 1, size):
            factor = rows[r][column] / rows[column][column]
            if factor:
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[column])]
    result = [0.0] * size
    for r in range(size - 1, -1, -1):
        if abs(rows[r][r]) < 1e-12:
            continue
        result[r] = (rows[r][size] - sum(rows[r][c] * result[c] for c in range(r + 1, size))) / rows[r][r]
    return result


def auc(values: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    """The chance that a won lead ranks above a lead that was not won (ties count half):
    the Mann-Whitney statistic. None without both kinds of lead."""
    positives = sum(map(bool, outcomes))
    negatives = len(outcomes) - positives
    if not positives or not negatives:
        return None
    ordered = sorted(zip(values, outcomes), key=lambda pair: pair[0])
    rank_sum, index = 0.0, 0
    while index < len(ordered):
        end = index
        while end < len(ordered) and ordered[end][0] == ordered[index][0]:
            end += 1
        average_rank = (index + 1 + end) / 2  # ranks index+1 … end share their average
        rank_sum += average_rank * sum(won for _value, won in ordered[index:end])
        index = end
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def top_rate(values: Sequence[float], outcomes: Sequence[bool], share: float) -> float | None:
    """The won rate of the `share` best-ranked leads. Leads tied at the boundary count in
    proportion, as if the tie were broken at random."""
    if not values:
        return None
    wanted = max(1, round(len(values) * share))
    groups: dict[float, list[int]] = {}
    for value, won in zip(values, outcomes):
        group = groups.setdefault(value, [0, 0])
        group[0] += 1
        group[1] += bool(won)
    taken, won_taken = 0, 0.0
    for value in sorted(groups, reverse=True):
        leads, won = groups[value]
        part = min(leads, wanted - taken)
        won_taken += won * part / leads
        taken += part
        if taken == wanted:
            break
    return won_taken / wanted
