"""Hidden grader for classical-ml/hyperparameter-search.

Imbalanced data sets (about one positive in eight, features on very different scales) are drawn per
submission with `submission_rng`; the grader reruns each search with scikit-learn and compares. Fitted
searches stay in the student box and are read through handles (best_params_, cv_results_, cv, refit).
"""

import numpy as np
from scipy.stats import loguniform
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gradient_grader import (
    Remote,
    StudentError,
    assert_close,
    call_timeout,
    expected,
    points,
    shows_expected,
    submission_rng,
)

threadpool_limits(limits=1)  # the grader box may have fewer cores than BLAS thinks: one thread is fastest here

SLUG = "classical-ml/hyperparameter-search"
SCORING = {"balanced_accuracy": "balanced_accuracy", "accuracy": "accuracy"}


def make_data(rng, n=160, d=6):
    """About 12% positives; features on scales from 0.5 to 50; the label depends on three of them."""
    scales = rng.uniform(0.5, 50, d)
    X = rng.normal(0, 1, (n, d))
    logit = 1.8 * X[:, 0] - 1.2 * X[:, 1] + 0.8 * X[:, 2] - 2.6
    y = (logit + rng.logistic(0, 0.7, n) > 0).astype(np.int64)
    while y.sum() < 15:  # keep enough positives for five stratified folds
        y[rng.integers(n)] = 1
    return X * scales, y


def make_grid(rng):
    Cs = sorted(rng.choice([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], size=2, replace=False).tolist())
    return {"clf__C": Cs, "clf__class_weight": [None, "balanced"]}


def pipeline():
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))])


def folds(seed, n_splits=5):
    return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)


_SEARCHES = {}


def expected_grid(X, y, grid, seed, scoring=SCORING, refit="balanced_accuracy"):
    """The grader's own grid search (kept, since several tests ask about the same draw)."""
    key = (X.tobytes(), y.tobytes(), repr(grid), seed, repr(scoring), refit)
    if key not in _SEARCHES:
        _SEARCHES[key] = GridSearchCV(pipeline(), grid, scoring=scoring, refit=refit, cv=folds(seed)).fit(X, y)
    return _SEARCHES[key]


def expected_random(X, y, n_iter, seed):
    space = {"clf__C": loguniform(1e-3, 1e2), "clf__class_weight": [None, "balanced"]}
    return RandomizedSearchCV(pipeline(), space, n_iter=n_iter, scoring=SCORING, refit="balanced_accuracy",
                              cv=folds(seed), random_state=seed).fit(X, y)


def kind(value):
    return value._type_name if isinstance(value, Remote) else type(value).__name__


def setup(name):
    rng = submission_rng(f"{SLUG}:{name}")
    X, y = make_data(rng)
    return rng, X, y, make_grid(rng), int(rng.integers(0, 1000))


def student_grid(student, X, y, grid, seed):
    call = f"grid_search(X, y, {grid}, seed={seed})"
    with call_timeout(30):
        search = student.grid_search(X, y, grid, seed)
    assert kind(search) == "GridSearchCV", f"{call} returned a {kind(search)}, expected the fitted GridSearchCV"
    return call, search


def same_params(got, want):
    if not isinstance(got, dict) or set(got) != set(want):
        return False
    for key, value in want.items():
        if isinstance(value, float):
            if not isinstance(got[key], (int, float)) or abs(got[key] - value) > 1e-9 * max(1.0, abs(value)):
                return False
        elif got[key] != value:
            return False
    return True


@shows_expected
@points(1)
def test_pipeline_steps(student):
    pipe = student.build_pipeline()
    assert kind(pipe) == "Pipeline", f"build_pipeline() returned a {kind(pipe)}, expected a Pipeline"
    steps = pipe.steps
    got = [(name, kind(step)) for name, step in steps]
    assert got == [("scale", "StandardScaler"), ("clf", "LogisticRegression")], (
        f"build_pipeline() has steps {got}, expected [('scale', 'StandardScaler'), ('clf', 'LogisticRegression')]: "
        "the grid's keys 'clf__C' and 'clf__class_weight' address the step named 'clf'"
    )
    assert steps[1][1].max_iter == 1000, f"the LogisticRegression has max_iter={steps[1][1].max_iter}, expected 1000"
    try:
        steps[1][1].coef_
        fitted = True
    except (StudentError, AttributeError):
        fitted = False
    assert not fitted, "build_pipeline() returned a fitted pipeline; return a new, unfitted one"


@points(1)
def test_grid_search_settings(student):
    _, X, y, grid, seed = setup("settings")
    call, search = student_grid(student, X, y, grid, seed)
    refit = search.refit
    assert refit == "balanced_accuracy", (
        f"{call} has refit={refit!r}: with few positives, accuracy rewards a model that never predicts the "
        "positive class. Score with balanced accuracy (and accuracy), and choose and refit by 'balanced_accuracy'"
    )
    scoring = search.scoring
    names = sorted(scoring) if isinstance(scoring, (dict, list, tuple)) else scoring
    assert names == ["accuracy", "balanced_accuracy"], (
        f"{call} has scoring={scoring!r}, expected the two metrics 'balanced_accuracy' and 'accuracy'"
    )
    cv = search.cv
    assert kind(cv) == "StratifiedKFold", (
        f"{call} has cv={cv!r:.60}, expected StratifiedKFold(n_splits=5, shuffle=True, random_state=seed): cv=5 "
        "alone never shuffles, so the seed would change nothing"
    )
    got = (cv.n_splits, cv.shuffle, cv.random_state)
    assert got == (5, True, seed), (
        f"{call} has a StratifiedKFold with (n_splits, shuffle, random_state)={got}: expected 5 shuffled folds "
        "with random_state=seed"
    )


@points(2)
def test_grid_search_best(student):
    _, X, y, grid, seed = setup("grid")
    call, search = student_grid(student, X, y, grid, seed)
    want = expected_grid(X, y, grid, seed)
    got_params = search.best_params_
    wrong = not same_params(got_params, want.best_params_)
    if wrong and same_params(got_params, expected_grid(X, y, grid, seed, scoring="accuracy", refit=True).best_params_):
        raise AssertionError(
            f"{call}.best_params_ is {got_params!r}, the setting with the best ACCURACY; on data with about 12% "
            "positives choose by balanced accuracy (refit='balanced_accuracy')"
        )
    assert same_params(got_params, want.best_params_), f"{call}.best_params_ is {got_params!r}, expected {expected(want.best_params_)}"
    assert_close(float(search.best_score_), want.best_score_, atol=1e-9,
                 what=f"{call}.best_score_ (mean cross-validated balanced accuracy of the best setting)")


@points(1)
def test_grid_search_refits_the_best(student):
    rng, X, y, grid, seed = setup("grid")
    call, search = student_grid(student, X, y, grid, seed)
    want = expected_grid(X, y, grid, seed).best_estimator_
    try:
        model = search.best_estimator_
    except (StudentError, AttributeError):
        raise AssertionError(f"{call} has no best_estimator_: keep refit on (refit='balanced_accuracy')") from None
    X_new, _ = make_data(rng, 50)
    got = np.asarray(model.decision_function(X_new), dtype=float)
    assert_close(got, want.decision_function(X_new), rtol=1e-6, atol=1e-8,
                 what=f"{call}.best_estimator_.decision_function(new rows) (the best setting refitted on all of X, y)")


@points(2)
def test_summarize_reads_cv_results(student):
    _, X, y, grid, seed = setup("grid")
    call, search = student_grid(student, X, y, grid, seed)
    rows = student.summarize(search)
    n = len(grid["clf__C"]) * len(grid["clf__class_weight"])
    assert isinstance(rows, list) and len(rows) == n, (
        f"summarize({call}) should return one row per candidate (every combination of the grid), got {rows!r:.200}"
    )
    keys = {"params", "rank", "mean_balanced_accuracy", "std_balanced_accuracy", "mean_accuracy"}
    assert all(isinstance(r, dict) and set(r) == keys for r in rows), (
        f"each row of summarize({call}) should be a dict with the keys {sorted(keys)}, got {rows[0]!r:.200}"
    )
    results = expected_grid(X, y, grid, seed).cv_results_
    order = sorted(range(n), key=lambda i: results["rank_test_balanced_accuracy"][i])
    ranks = [r["rank"] for r in rows]
    assert ranks == sorted(ranks), f"summarize({call}) should put the best first (ascending rank), got ranks {ranks}"
    for position, i in enumerate(order):
        row, params = rows[position], results["params"][i]
        assert same_params(row["params"], params), (
            f"row {position} of summarize({call}) is {row['params']!r}, expected {expected(params)} "
            "(rows sorted by rank_test_balanced_accuracy, ties in candidate order)"
        )
        for key, column in [("mean_balanced_accuracy", "mean_test_balanced_accuracy"),
                            ("std_balanced_accuracy", "std_test_balanced_accuracy"), ("mean_accuracy", "mean_test_accuracy")]:
            assert_close(float(row[key]), float(results[column][i]), atol=1e-9, what=f"row {position} of summarize({call}): {key!r}")
        assert row["rank"] == int(results["rank_test_balanced_accuracy"][i]), (
            f"row {position} of summarize({call}) has rank {row['rank']}, expected {expected(int(results['rank_test_balanced_accuracy'][i]))}"
        )


@points(2)
def test_random_search(student):
    rng = submission_rng(f"{SLUG}:random")
    X, y = make_data(rng)
    n_iter, seed = int(rng.integers(3, 5)), int(rng.integers(0, 1000))
    call = f"random_search(X, y, n_iter={n_iter}, seed={seed})"
    with call_timeout(30):
        search = student.random_search(X, y, n_iter, seed)
    assert kind(search) == "RandomizedSearchCV", f"{call} returned a {kind(search)}, expected the fitted RandomizedSearchCV"
    settings = (search.n_iter, search.random_state, search.refit)
    assert settings == (n_iter, seed, "balanced_accuracy"), (
        f"{call} has (n_iter, random_state, refit) = {settings!r}; the statement asks for n_iter, "
        "random_state=seed and refit='balanced_accuracy'"
    )
    want = expected_random(X, y, n_iter, seed)
    assert same_params(search.best_params_, want.best_params_), (
        f"{call}.best_params_ is {search.best_params_!r}, expected {expected(want.best_params_)} (C drawn from "
        "loguniform(1e-3, 1e2), class_weight from [None, 'balanced'], in that dict)"
    )
    assert_close(float(search.best_score_), want.best_score_, atol=1e-9, what=f"{call}.best_score_")


def winners_fold_scores(search):
    """The outer-fold scores of every setting tied for best (a tie may break either way in another box)."""
    results = search.cv_results_
    means = results["mean_test_balanced_accuracy"]
    best = np.flatnonzero(means >= means.max() - 1e-9)
    return [np.array([results[f"split{k}_test_balanced_accuracy"][i] for k in range(5)]) for i in best]


def nested_draw(rng, tries=20):
    """A data set, grid and seed where nested CV and the one-search shortcut give different fold scores.

    When every inner search picks the global winner, both give the same numbers and the shortcut would
    pass; so draw again (from the same per-submission stream) until they differ.
    """
    for _ in range(tries):
        X, y = make_data(rng, 150)  # small and noisy: the outer folds need not agree on the best setting
        grid = {"clf__C": sorted(rng.choice([0.02, 0.05, 0.1, 0.2, 0.5], size=3, replace=False).tolist()),
                "clf__class_weight": [None, "balanced"]}
        seed = int(rng.integers(0, 1000))
        inner = GridSearchCV(pipeline(), grid, scoring="balanced_accuracy", cv=folds(seed + 1, 3))
        want = cross_val_score(inner, X, y, cv=folds(seed), scoring="balanced_accuracy")
        shortcuts = winners_fold_scores(expected_grid(X, y, grid, seed))
        if not any(np.allclose(want, reused, atol=1e-6) for reused in shortcuts):
            return X, y, grid, seed, want, shortcuts
    raise RuntimeError("no draw separated nested from one-search scores")  # a grader fault, not the student's


@points(2)
def test_nested_cross_validation(student):
    X, y, grid, seed, want, shortcuts = nested_draw(submission_rng(f"{SLUG}:nested"))
    call = f"nested_cv_score(X, y, {grid}, seed={seed})"
    with call_timeout(60):
        result = student.nested_cv_score(X, y, grid, seed)
    assert isinstance(result, dict) and {"scores", "mean", "std"} <= set(result), (
        f"{call} should return a dict with 'scores', 'mean' and 'std', got {result!r:.200}"
    )
    got = np.asarray(result["scores"], dtype=float)
    assert got.shape == (5,), f"{call}['scores'] should hold 5 outer-fold scores, got {result['scores']!r:.200}"
    if any(np.allclose(got, reused, atol=1e-9) for reused in shortcuts):
        raise AssertionError(
            f"{call}['scores'] are the fold scores of the best setting of ONE grid search: those folds "
            "also chose the setting, so the estimate is optimistic. Run the search inside each outer fold "
            "(cross_val_score of a GridSearchCV)"
        )
    assert_close(got, want, atol=1e-9, what=f"{call}['scores'] (outer folds folds(seed), inner GridSearchCV on folds(seed + 1, 3))")
    assert_close(float(result["mean"]), float(np.mean(got)), atol=1e-9, what=f"{call}['mean'] (the mean of your scores)")
    assert_close(float(result["std"]), float(np.std(got)), atol=1e-9, what=f"{call}['std'] (np.std of your scores, ddof=0)")


@points(1)
def test_compare_searches(student):
    rng, X, y, grid, seed = setup("compare")
    n_iter = int(rng.integers(2, 4))
    call = f"compare_searches(X, y, {grid}, n_iter={n_iter}, seed={seed})"
    with call_timeout(60):
        report = student.compare_searches(X, y, grid, n_iter, seed)
    assert isinstance(report, dict) and {"grid", "random", "better"} <= set(report), (
        f"{call} should return a dict with 'grid', 'random' and 'better', got {report!r:.200}"
    )
    grid_search, rand_search = expected_grid(X, y, grid, seed), expected_random(X, y, n_iter, seed)
    for name, search in (("grid", grid_search), ("random", rand_search)):
        part = report[name]
        assert isinstance(part, dict) and {"best_params", "best_score", "n_candidates"} <= set(part), (
            f"{call}[{name!r}] should be a dict with 'best_params', 'best_score' and 'n_candidates', got {part!r:.200}"
        )
        assert part["n_candidates"] == len(search.cv_results_["params"]), (
            f"{call}[{name!r}]['n_candidates'] is {part['n_candidates']!r}: count the settings the search tried"
        )
        assert same_params(part["best_params"], search.best_params_), (
            f"{call}[{name!r}]['best_params'] is {part['best_params']!r}, expected {expected(search.best_params_)}"
        )
        assert_close(float(part["best_score"]), search.best_score_, atol=1e-9, what=f"{call}[{name!r}]['best_score']")
    gap = report["random"]["best_score"] - report["grid"]["best_score"]
    want = "tie" if abs(gap) < 1e-12 else ("random" if gap > 0 else "grid")
    assert report["better"] == want, (
        f"{call}['better'] is {report['better']!r}, but the best scores are grid {report['grid']['best_score']:.4f} "
        f"and random {report['random']['best_score']:.4f}"
    )
