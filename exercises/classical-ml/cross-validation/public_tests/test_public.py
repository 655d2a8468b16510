"""Public tests: run them next to your solution.ipynb (or a solution.py with the same functions) with
plain pytest:

    pytest public_tests/

They run the code cells of solution.ipynb (save the notebook first), or import solution.py if there is one.
They check the example from the statement and the rules it states on tiny made-up data. The hidden grader
checks more (its own data, other numbers of folds and seeds).
"""

import json
import os
import sys
import types

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

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

from solution import cross_validate_model, make_folds  # noqa: E402

Y_SORTED = np.array([0] * 12 + [1] * 6)  # the statement's example: sorted labels, 2:1


def _tiny_data():
    """30 rows, 2 features, classes 2:1; row 4 has one huge value (a "sensor glitch")."""
    rng = np.random.default_rng(2024)
    y = np.array([0, 0, 1] * 10)
    X = rng.normal(0.0, 1.0, (30, 2)) + 1.2 * y[:, None]
    X[4, 0] = 250.0
    return X, y


def test_statement_example_folds():
    folds = make_folds(Y_SORTED, 3, seed=0)
    assert len(folds) == 3, f"make_folds(y, 3, seed=0) returned {len(folds)} folds, expected 3"
    assert [len(test) for _, test in folds] == [6, 6, 6], "each of the 3 test folds should hold 6 of the 18 rows"
    counts = [np.bincount(Y_SORTED[np.asarray(test)], minlength=2).tolist() for _, test in folds]
    assert counts == [[4, 2], [4, 2], [4, 2]], f"every test fold should keep the 2:1 ratio, got class counts {counts}"
    rows = sorted(np.concatenate([np.asarray(test) for _, test in folds]).tolist())
    assert rows == list(range(18)), "each row should be in exactly one test fold"
    for i, (train, test) in enumerate(folds):
        assert sorted(np.asarray(train).tolist()) == sorted(set(range(18)) - set(np.asarray(test).tolist())), (
            f"the training rows of fold {i} should be all the rows that are not in its test fold"
        )


def test_folds_are_those_of_a_shuffled_seeded_stratified_kfold():
    for seed in (0, 1):
        cutter = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
        want = [sorted(te.tolist()) for _, te in cutter.split(np.zeros((18, 1)), Y_SORTED)]
        got = [sorted(np.asarray(test).tolist()) for _, test in make_folds(Y_SORTED, 3, seed=seed)]
        assert got == want, (
            f"make_folds(y, 3, seed={seed}) gave the test folds {got}, expected those of "
            f"StratifiedKFold(n_splits=3, shuffle=True, random_state={seed}), in order: {want}"
        )


def test_same_seed_same_folds_other_seed_other_folds():
    first = [sorted(np.asarray(t).tolist()) for _, t in make_folds(Y_SORTED, 3, seed=0)]
    again = [sorted(np.asarray(t).tolist()) for _, t in make_folds(Y_SORTED, 3, seed=0)]
    other = [sorted(np.asarray(t).tolist()) for _, t in make_folds(Y_SORTED, 3, seed=1)]
    assert first == again, "the same seed should give the same folds"
    assert first != other, "seed=1 should give other folds than seed=0 (shuffle the rows with the seed)"


def test_scores_mean_and_population_std():
    X, y = _tiny_data()
    result = cross_validate_model(X, y, 3, 0)
    assert isinstance(result, dict) and {"scores", "mean", "std"} <= set(result), (
        f"cross_validate_model should return a dict with the keys 'scores', 'mean' and 'std', got {result!r:.200}"
    )
    scores = [float(s) for s in result["scores"]]
    assert len(scores) == 3, f"expected one accuracy per fold (3), got {len(scores)}"
    assert all(0.0 <= s <= 1.0 for s in scores), f"accuracies lie between 0 and 1, got {scores}"
    assert abs(result["mean"] - np.mean(scores)) < 1e-9, f"'mean' is {result['mean']}, np.mean(scores) is {np.mean(scores)}"
    assert abs(result["std"] - np.std(scores)) < 1e-9, (
        f"'std' is {result['std']}, expected the population standard deviation np.std(scores) = {np.std(scores)} (ddof=0)"
    )


def test_scaler_is_fitted_inside_each_fold():
    X, y = _tiny_data()
    want = []
    for train, test in StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(X, y):
        fresh = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X[train], y[train])
        want.append(fresh.score(X[test], y[test]))
    got = [float(s) for s in cross_validate_model(X, y, 3, 0)["scores"]]
    assert np.allclose(got, want, atol=1e-9), (
        f"cross_validate_model(X, y, 3, 0) gave the scores {np.round(got, 4).tolist()}, expected "
        f"{np.round(want, 4).tolist()}: fit a NEW StandardScaler + LogisticRegression(max_iter=1000) on each "
        "fold's training rows only (a scaler fitted on all rows lets row 4's huge value leak into every fold)"
    )
