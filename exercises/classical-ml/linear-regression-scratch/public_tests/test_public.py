"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and its rules on tiny inputs. The hidden grader checks more
(noisy and generated data, more gradient steps, held-out predictions).
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    LinearRegression,
    add_bias,
    fit_gradient_descent,
    fit_normal_equation,
    mse,
)

# the statement's example: y = 3 + 2*x1 - x2 exactly
X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, -1.0], [4.0, 5.0]])
Y = 3 + 2 * X[:, 0] - X[:, 1]


def test_statement_example_add_bias():
    got = np.asarray(add_bias(X))
    assert got.shape == (5, 3), f"add_bias(X) has shape {got.shape}, expected (5, 3): a column of ones in front"
    assert np.allclose(got[:2], [[1, 0, 1], [1, 1, 0]]), f"add_bias(X)[:2] is {got[:2].tolist()}, expected [[1, 0, 1], [1, 1, 0]]"


def test_statement_example_normal_equation_and_class():
    w = np.asarray(fit_normal_equation(X, Y))
    assert np.allclose(w, [3, 2, -1], atol=1e-6), (
        f"fit_normal_equation(X, y) returned {np.round(w, 6).tolist()}, expected [3, 2, -1] (the intercept first)"
    )
    model = LinearRegression().fit(X, Y)
    assert isinstance(model, LinearRegression), "fit should return self"
    assert abs(model.intercept_ - 3.0) < 1e-6, f"intercept_ is {model.intercept_}, expected 3.0"
    assert np.allclose(model.coef_, [2, -1], atol=1e-6), f"coef_ is {model.coef_}, expected [2, -1]"
    assert np.allclose(model.predict(np.array([[1.0, 1.0]])), [4.0], atol=1e-6), "predict([[1, 1]]) should be 3 + 2 - 1 = 4"


def test_collinear_features_still_fit():
    # the second column is twice the first: Xb.T @ Xb cannot be inverted, but y = 1 + x1 fits exactly
    Xc = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]])
    yc = 1 + Xc[:, 0]
    w = np.asarray(fit_normal_equation(Xc, yc))
    assert np.all(np.isfinite(w)), f"fit_normal_equation returned {w}: use np.linalg.lstsq (or pinv), not inv"
    assert np.allclose(add_bias(Xc) @ w, yc, atol=1e-6), (
        "with collinear features the weights are not unique, but the predictions should still fit y = 1 + x1 exactly"
    )


def test_statement_example_one_gradient_step():
    w = np.asarray(fit_gradient_descent(X, Y, lr=0.01, n_iters=1))
    assert np.allclose(w, [0.112, 0.276, 0.128]), (
        f"one step from zeros returned {np.round(w, 6).tolist()}, expected [0.112, 0.276, 0.128]: "
        "gradient = (2 / n) * Xb.T @ (Xb @ w - y), w = w - lr * gradient"
    )


def test_gradient_descent_reaches_the_exact_line():
    w = np.asarray(fit_gradient_descent(X, Y, lr=0.02, n_iters=3000))
    assert np.allclose(w, [3, 2, -1], atol=1e-3), f"after 3000 steps with lr=0.02, w is {np.round(w, 4).tolist()}, expected about [3, 2, -1]"
    model = LinearRegression(method="gd", lr=0.02, n_iters=3000).fit(X, Y)
    assert abs(model.intercept_ - 3.0) < 1e-3, f"LinearRegression(method='gd') intercept_ is {model.intercept_}, expected about 3"


def test_statement_example_mse_and_unknown_method():
    got = mse([1, 2, 3, 4], [1.5, 2, 2, 6])
    assert isinstance(got, float) and abs(got - 1.3125) < 1e-12, f"mse returned {got!r}, expected the float 1.3125"
    with pytest.raises(ValueError):
        LinearRegression(method="magic")
