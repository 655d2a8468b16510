"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example and a few small cases. The hidden grader also replays the training
schedule and compares your accuracy with scikit-learn on data drawn for each submission.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402

X = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])
Y = np.array([1, 1, 0, 0])
W, B = np.array([1.0, -1.0]), 0.5


def test_example_objective_uses_signed_labels():
    got = solution.hinge_objective(W, B, X, Y, 0.1)
    assert np.isclose(got, 0.975), f"hinge_objective returned {got}, expected 0.975 (labels as -1/+1, b not penalised)"


def test_example_subgradient():
    gw, gb = solution.hinge_subgradient(W, B, X, Y, 0.1)
    assert np.allclose(gw, [0.1, -0.1]), f"grad_w is {np.asarray(gw).tolist()}, expected [0.1, -0.1]"
    assert np.isclose(gb, 0.25), f"grad_b is {gb}, expected 0.25"


def test_example_decision_predict_support_vectors():
    assert np.allclose(solution.decision_function(W, B, X), [2.5, -0.5, 0.5, -0.5])
    assert np.asarray(solution.predict(W, B, X)).tolist() == [1, 0, 1, 0]
    assert np.asarray(solution.support_vectors(W, B, X, Y)).tolist() == [1, 2, 3]


def test_example_rbf_kernel_uses_squared_distance():
    got = solution.rbf_kernel(np.array([[0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]]), gamma=0.5)
    assert np.asarray(got).shape == (1, 2)
    assert np.allclose(got, [[np.exp(-1.0), 1.0]]), f"rbf_kernel returned {np.asarray(got).tolist()}, expected [[exp(-1), 1]]"


def test_training_separates_two_clusters():
    rng = np.random.default_rng(1)
    Xs = np.vstack([rng.normal(-2, 0.5, size=(30, 2)), rng.normal(2, 0.5, size=(30, 2))])
    ys = np.repeat([0, 1], 30)
    w, b = solution.train_linear_svm(Xs, ys, seed=3)
    again = solution.train_linear_svm(Xs, ys, seed=3)
    assert np.allclose(w, again[0]) and np.isclose(b, again[1]), "the same seed should give the same (w, b)"
    assert (np.asarray(solution.predict(w, b, Xs)) == ys).mean() == 1.0, "two well-separated clusters should be classified perfectly"


def test_precomputed_svc_on_two_clusters():
    rng = np.random.default_rng(2)
    Xs = np.vstack([rng.normal(-2, 0.5, size=(20, 2)), rng.normal(2, 0.5, size=(20, 2))])
    ys = np.repeat([0, 1], 20)
    got = np.asarray(solution.fit_predict_rbf_svc(Xs, ys, np.array([[-2.0, -2.0], [2.0, 2.0]]), gamma=0.5))
    assert got.tolist() == [0, 1], f"fit_predict_rbf_svc predicted {got.tolist()} for the two cluster centres"
