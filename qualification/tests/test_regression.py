"""The proposal's arithmetic: AUC, the top rate, the logistic regression."""

import math

import pytest

from qualification.regression import auc, fit_logistic, grouped, top_rate


def test_auc_matches_the_hand_computed_value_with_ties_counted_half():
    # Won at 3 and 2, not won at 2 and 1: pairs (3>2) 1, (3>1) 1, (2=2) ½, (2>1) 1 → 3.5 / 4.
    assert auc([3, 2, 2, 1], [True, True, False, False]) == pytest.approx(0.875)
    assert auc([1, 2, 3], [True, False, False]) == 0.0
    assert auc([1, 1], [True, False]) == 0.5
    assert auc([1, 2], [True, True]) is None


def test_the_top_rate_counts_the_tie_at_the_boundary_in_proportion():
    values = [9, 8, 8, 8, 1, 1, 1, 1, 1, 1]
    outcomes = [True, True, False, False, False, False, False, True, False, False]
    assert top_rate(values, outcomes, 0.1) == 1.0
    # Top 3: the 9 (won) and two of the three 8s (one of them won): (1 + 2/3) / 3.
    assert top_rate(values, outcomes, 0.3) == pytest.approx((1 + 2 / 3) / 3)


def test_the_logistic_regression_finds_the_log_odds():
    # Without the feature 10 of 40 won, with it 30 of 40: log-odds −ln 3 and the weight ln 9.
    groups = grouped([[]] * 40 + [[0]] * 40, [True] * 10 + [False] * 30 + [True] * 30 + [False] * 10)
    intercept, (weight,) = fit_logistic(groups, 1, ridge=0.0)
    assert intercept == pytest.approx(-math.log(3), abs=1e-6)
    assert weight == pytest.approx(math.log(9), abs=1e-6)
