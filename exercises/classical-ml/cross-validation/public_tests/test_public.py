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
from sklearn.model_selection import StratifiedKFold, cross_validate
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

from solution import (  # noqa: E402
    build_model,
    compare_splitters,
    make_folds,
    multi_metric_cv,
    shared_groups,
    summarize_scores,
    time_series_cv,
)

Y_SORTED = np.array([0] * 12 + [1] * 6)  # the statement's example: sorted labels, 2:1


def test_statement_example_folds():
    folds = make_folds(Y_SORTED, 3, seed=0)
    assert len(folds) == 3, f"make_folds(y, 3, seed=0) returned {len(folds)} folds, expected 3"
    counts = [np.bincount(Y_SORTED[np.asarray(test)], minlength=2).tolist() for _, test in folds]
    assert counts == [[4, 2], [4, 2], [4, 2]], f"every test fold should keep the 2:1 ratio, got class counts {counts}"
    for seed in (0, 1):
        cutter = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
        want = [sorted(te.tolist()) for _, te in cutter.split(np.zeros((18, 1)), Y_SORTED)]
        got = [sorted(np.asarray(test).tolist()) for _, test in make_folds(Y_SORTED, 3, seed=seed)]
        assert got == want, f"make_folds(y, 3, seed={seed}) should give the folds of a shuffled, seeded StratifiedKFold"


def test_statement_example_summary():
    s = summarize_scores([0.8, 0.9, 0.7, 0.6])
    assert s["scores"] == [0.8, 0.9, 0.7, 0.6] and (s["min"], s["max"]) == (0.6, 0.9)
    assert abs(s["mean"] - 0.75) < 1e-12
    assert abs(s["std"] - 0.1118034) < 1e-6, f"std is {s['std']}, expected the population std 0.1118 (ddof=0)"


def test_build_model_is_a_fresh_pipeline():
    first, second = build_model(), build_model()
    assert first is not second and [type(step).__name__ for step in first] == ["StandardScaler", "LogisticRegression"]


def test_shared_groups_small():
    groups = np.array(["a", "a", "b", "b", "c", "c"])
    assert shared_groups([0, 2, 4], [1, 3], groups) == ["a", "b"]
    assert shared_groups([0, 1, 2, 3], [4, 5], groups) == []


def test_statement_example_group_leak():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(8), 6)
    X = rng.normal(0, 2.0, (8, 3))[groups] + rng.normal(0, 0.3, (48, 3))
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0])[groups]
    result = compare_splitters(X, y, groups, 4, seed=0)
    got = {name: round(s["mean"], 4) for name, s in result.items()}
    assert got == {"kfold": 0.8333, "stratified": 0.8333, "group": 0.3542}, f"got means {got}"
    assert len(result["group"]["scores"]) == 4


def test_statement_example_time_series():
    t = np.arange(40.0)
    out = time_series_cv(np.column_stack([t, np.sin(t / 2)]), 0.5 * t + np.sin(t / 2), 4)
    assert out["train_sizes"] == [8, 16, 24, 32] and out["test_starts"] == [8, 16, 24, 32], f"got {out}"
    assert len(out["mae"]) == 4 and all(m >= 0 for m in out["mae"])


def test_multi_metric_cv_keeps_the_scaler_inside_the_folds():
    rng = np.random.default_rng(2024)
    y = np.array([0, 0, 1] * 20)
    X = rng.normal(0.0, 1.0, (60, 2)) + 1.2 * y[:, None]
    X[4, 0] = 250.0  # one sensor glitch
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    want = cross_validate(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), X, y, cv=cv,
                          scoring=["accuracy", "balanced_accuracy", "roc_auc"], return_train_score=True)
    got = multi_metric_cv(X, y, 3, 0)
    for metric in ("accuracy", "balanced_accuracy", "roc_auc"):
        assert np.allclose(got[metric]["test"]["scores"], want[f"test_{metric}"], atol=1e-9), (
            f"{metric}: fit a NEW pipeline (scaler included) on each fold's training rows"
        )
        assert abs(got[metric]["train_mean"] - np.mean(want[f"train_{metric}"])) < 1e-9
