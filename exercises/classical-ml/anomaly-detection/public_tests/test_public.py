"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and a few small cases. The hidden grader uses data with planted
anomalies drawn for each submission and compares with SciPy and scikit-learn.
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402

X5 = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
SCORES = np.array([0.9, 0.2, 0.8, 0.4, 0.1])
Y = np.array([1, 0, 0, 1, 0])


def test_example_robust_z_scores_use_the_constant():
    got = solution.robust_z_scores(X5)
    assert np.allclose(got, (X5 - 3.0) / 1.4826), f"got {np.round(got, 4).tolist()}: median 3, MAD 1, scale 1.4826 * MAD"
    with pytest.raises(ValueError):
        solution.robust_z_scores(np.array([2.0, 2.0, 2.0, 9.0]))


def test_example_iqr_rule():
    assert np.asarray(solution.iqr_outliers(X5)).tolist() == [False, False, False, False, True]
    assert np.asarray(solution.iqr_outliers(X5, k=0.0)).tolist() == [True, False, False, False, True]


def test_example_threshold_and_ranking():
    t, f1 = solution.select_threshold(SCORES, Y)
    assert np.isclose(t, 0.4) and np.isclose(f1, 0.8), f"select_threshold returned {(t, f1)}, expected (0.4, 0.8)"
    assert np.isclose(solution.precision_at_k(SCORES, Y, 2), 0.5)
    assert np.isclose(solution.average_precision(SCORES, Y), (1 + 2 / 3) / 2)


def test_gaussian_score_of_a_standard_normal():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 2))
    mean, cov = solution.fit_gaussian(X)
    assert np.allclose(cov, np.cov(X, rowvar=False, bias=True)), "divide by n, not n - 1"
    got = solution.gaussian_scores(np.array([[0.0, 0.0], [3.0, 0.0]]), np.zeros(2), np.eye(2))
    assert np.allclose(got, [np.log(2 * np.pi), np.log(2 * np.pi) + 4.5]), "score = 0.5 * (d log 2pi + log det + Mahalanobis^2)"


def test_isolation_forest_scores_higher_for_an_outlier():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    scores, flags = solution.isolation_forest_scores(X, np.array([[0.0, 0.0], [8.0, 8.0]]), contamination=0.05, random_state=0)
    assert scores[1] > scores[0], "higher scores must mean MORE anomalous: negate score_samples"
    assert np.asarray(flags).tolist() == [0, 1]
