"""Public tests: run them next to your solution.ipynb (or a solution.py with the same names) with plain
pytest:

    pytest public_tests/

They run the code cells of solution.ipynb (save the notebook first), or import solution.py if there is one.
They check the examples from the statement and its rules on tiny inputs. The hidden grader checks more
(other extreme inputs, more gradient steps, generated data, held-out accuracy).
"""

import json
import math
import os
import sys
import types

import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, HERE)


def _load_notebook_as_solution():
    """Run the code cells of ../solution.ipynb as the module `solution` (magics and ! lines are skipped)."""
    with open(os.path.join(HERE, "solution.ipynb"), encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    code = "\n\n".join(
        "\n".join(line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
        for cell in cells
        if cell["cell_type"] == "code"
    )
    module = types.ModuleType("solution")
    sys.modules["solution"] = module
    exec(compile(code, "solution.ipynb", "exec"), module.__dict__)  # noqa: S102 - your notebook, run as the grader runs it


if not os.path.exists(os.path.join(HERE, "solution.py")) and os.path.exists(os.path.join(HERE, "solution.ipynb")):
    _load_notebook_as_solution()

from solution import LogisticRegression, log_loss, log_loss_from_logits, sigmoid  # noqa: E402

# the statement's example
X = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
Y = np.array([0, 0, 1, 1])


def test_statement_example_sigmoid_with_extreme_inputs():
    z = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
    got = np.asarray(sigmoid(z))
    assert got.shape == z.shape, f"sigmoid should keep the shape {z.shape}, got {got.shape}"
    assert not np.isnan(got).any(), f"sigmoid({z.tolist()}) returned {got.tolist()}: no NaN allowed (exp overflowed?)"
    assert np.allclose(got, [0.0, 0.11920292, 0.5, 0.88079708, 1.0]), (
        f"sigmoid({z.tolist()}) returned {got.tolist()}, expected about [0, 0.1192, 0.5, 0.8808, 1]"
    )


def test_statement_example_losses():
    got = log_loss([1, 0, 1], [0.9, 0.2, 0.6])
    assert isinstance(got, float) and math.isclose(got, 0.2797765635793423), f"log_loss returned {got!r}, expected 0.27977..."
    got = log_loss_from_logits(np.array([1, 0]), np.array([-1000.0, 1000.0]))
    assert isinstance(got, float) and math.isclose(got, 1000.0), (
        f"log_loss_from_logits([1, 0], [-1000, 1000]) returned {got!r}, expected 1000.0: use np.logaddexp(0, z), "
        "not log_loss(y, sigmoid(z)) (clipping would cap the loss near 34.5)"
    )


def test_statement_example_one_gradient_step():
    model = LogisticRegression(lr=0.5, n_iters=1).fit(X, Y)
    assert isinstance(model, LogisticRegression), "fit should return self"
    assert np.allclose(model.coef_, [0.25, -0.0625]), f"coef_ after one step is {model.coef_}, expected [0.25, -0.0625]"
    assert isinstance(model.intercept_, float) and model.intercept_ == 0.0, f"intercept_ is {model.intercept_!r}, expected the float 0.0"
    assert len(model.loss_history_) == 1 and math.isclose(model.loss_history_[0], math.log(2)), (
        f"loss_history_ is {model.loss_history_}, expected [0.6931...] (the loss before the update, from w = 0, b = 0)"
    )


def test_statement_example_predictions_and_proba():
    model = LogisticRegression(lr=0.5, n_iters=500).fit(X, Y)
    assert np.asarray(model.predict(X)).tolist() == [0, 0, 1, 1], f"predict(X) returned {model.predict(X)}, expected [0, 0, 1, 1]"
    proba = np.asarray(model.predict_proba(X))
    assert proba.shape == (4, 2), f"predict_proba should have shape (n, 2), got {proba.shape}"
    assert np.allclose(proba.sum(axis=1), 1.0), "each row of predict_proba should sum to 1 (P(y=0), P(y=1))"
    assert np.allclose(proba[:, 1], sigmoid(model.decision_function(X))), "column 1 of predict_proba is P(y=1) = sigmoid(logits)"
    for threshold in (0.3, 0.9):
        want = (proba[:, 1] >= threshold).astype(int).tolist()
        got = np.asarray(model.predict(X, threshold=threshold)).tolist()
        assert got == want, f"predict(X, threshold={threshold}) returned {got}, expected {want}: 1 where P(y=1) >= threshold"


def test_intercept_is_learned():
    # one feature, classes split at x = 2.5: a boundary through the origin cannot separate them
    X1 = np.array([[1.0], [2.0], [3.0], [4.0]])
    model = LogisticRegression(lr=0.5, n_iters=200).fit(X1, Y)
    assert model.intercept_ < 0, f"intercept_ is {model.intercept_}: it should become negative here (update b too)"
    assert np.asarray(model.predict(X1)).tolist() == [0, 0, 1, 1], f"predict returned {model.predict(X1)}, expected [0, 0, 1, 1]"
