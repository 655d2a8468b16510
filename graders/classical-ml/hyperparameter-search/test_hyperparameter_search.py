"""Hidden grader for classical-ml/hyperparameter-search.

Data sets are generated with fixed seeds; the grader recomputes the expected search results with
scikit-learn. The seeds were chosen so that the common mistakes give different answers: choosing by
training accuracy, breaking ties towards the last candidate, not refitting on all the data, and
cross-validating without shuffling.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from gradient_grader import Remote, assert_close, call_timeout, expected, points

CANDIDATES = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]
GRID = {"svc__C": [0.1, 1, 10], "svc__gamma": [0.01, 0.1, 1]}


def make_data(seed, n, d=12):
    """Features on very different scales; the label depends on two features and one interaction."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, d)) * rng.uniform(0.5, 20, d)
    z = X / X.std(axis=0)
    logit = 2.0 * z[:, 0] - 1.5 * z[:, 1] + 1.5 * z[:, 2] * z[:, 3]
    y = (logit + rng.logistic(0, 0.5, n) > 0).astype(np.int64)
    return X, y


def logistic(C):
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))


def validation_scores(X, y, seed, on_training=False):
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    scores = []
    for C in CANDIDATES:
        model = logistic(C).fit(X_train, y_train)
        scores.append(float(model.score(X_train, y_train) if on_training else model.score(X_val, y_val)))
    return scores


def manual(student, data_seed, seed):
    X, y = make_data(data_seed, 160)
    call = f"search_with_validation(X, y, {CANDIDATES}, seed={seed})"
    result = student.search_with_validation(X, y, CANDIDATES, seed)
    assert isinstance(result, dict), f"{call} should return a dict, got {type(result).__name__}: {result!r:.200}"
    missing = {"best_C", "val_scores", "model"} - set(result)
    assert not missing, f"{call} returned a dict without the key(s) {sorted(missing)}"
    return call, result, X, y


def grid(student, data_seed, seed):
    X, y = make_data(data_seed, 200)
    call = f"grid_search(X, y, {GRID}, seed={seed})"
    with call_timeout(30):
        result = student.grid_search(X, y, GRID, seed)
    assert isinstance(result, dict), f"{call} should return a dict, got {type(result).__name__}: {result!r:.200}"
    missing = {"best_params", "best_score", "model"} - set(result)
    assert not missing, f"{call} returned a dict without the key(s) {sorted(missing)}"
    return call, result, X, y


def expected_grid(X, y, seed, cv=None):
    folds = cv if cv is not None else StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), GRID, scoring="accuracy", cv=folds)
    return search.fit(X, y)


def check_model(model, call):
    assert isinstance(model, Remote), f"{call}['model'] should be a fitted scikit-learn model, got {model!r:.100}"
    return model


@points(2)
def test_validation_scores(student):
    call, result, X, y = manual(student, 4, 4)
    got = result["val_scores"]
    assert isinstance(got, (list, tuple, np.ndarray)) and len(got) == len(CANDIDATES), (
        f"{call}['val_scores'] should hold one accuracy per candidate, in order, got {got!r:.200}"
    )
    want = validation_scores(X, y, 4)
    got = [float(v) for v in got]
    if np.allclose(got, validation_scores(X, y, 4, on_training=True), atol=1e-9):
        raise AssertionError(
            f"{call}['val_scores'] are {np.round(got, 3).tolist()}: the accuracies on the TRAINING part. Measure each "
            f"candidate on the validation part instead (expected {expected(np.round(want, 3).tolist())})"
        )
    assert_close(got, want, atol=1e-9, what=f"{call}['val_scores']")


@points(2)
def test_best_C_judged_on_validation(student):
    call, result, X, y = manual(student, 3, 3)
    want_scores = validation_scores(X, y, 3)
    want = CANDIDATES[want_scores.index(max(want_scores))]
    got = result["best_C"]
    train_scores = validation_scores(X, y, 3, on_training=True)
    by_training = CANDIDATES[train_scores.index(max(train_scores))]
    if got == by_training and got != want:
        raise AssertionError(
            f"{call}['best_C'] is {got!r}, the C with the best TRAINING accuracy; expected {expected(want)}, the C "
            f"with the best validation accuracy (validation scores: {expected(np.round(want_scores, 3).tolist())})"
        )
    assert got == want, (
        f"{call}['best_C'] is {got!r}, expected {expected(want)} "
        f"(validation scores: {expected(np.round(want_scores, 3).tolist())})"
    )


@points(1)
def test_ties_go_to_the_earliest_candidate(student):
    call, result, X, y = manual(student, 10, 10)
    scores = validation_scores(X, y, 10)
    want = CANDIDATES[scores.index(max(scores))]
    got = result["best_C"]
    assert got == want, (
        f"{call}['best_C'] is {got!r}, expected {expected(want)}: the validation scores are "
        f"{expected(np.round(scores, 3).tolist())}, "
        "and among equal best scores the earliest candidate wins"
    )


@points(2)
def test_model_refitted_on_all_data(student):
    call, result, X, y = manual(student, 2, 2)
    model = check_model(result["model"], call)
    scores = validation_scores(X, y, 2)
    best = CANDIDATES[scores.index(max(scores))]
    X_new, _ = make_data(50, 40)
    got = np.asarray(model.decision_function(X_new), dtype=float)
    want = logistic(best).fit(X, y).decision_function(X_new)
    if got.shape == want.shape and not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=2, stratify=y)
        if np.allclose(got, logistic(best).fit(X_train, y_train).decision_function(X_new), rtol=1e-5, atol=1e-6):
            raise AssertionError(
                f"{call}['model'] is the best-C pipeline fitted on the training part only; once C is chosen, "
                "fit a new pipeline with it on all of X and y"
            )
    assert_close(got, want, rtol=1e-5, atol=1e-6,
                 what=f"{call}['model'].decision_function(new rows) (the best-C pipeline refitted on all of X, y)")


@points(2)
def test_grid_search_best_params_and_score(student):
    call, result, X, y = grid(student, 101, 1)
    want = expected_grid(X, y, 1)
    got_params = result["best_params"]
    unshuffled = expected_grid(X, y, 1, cv=5)
    if got_params != want.best_params_ and got_params == unshuffled.best_params_:
        raise AssertionError(
            f"{call}['best_params'] is {got_params!r}, expected {expected(want.best_params_)}: yours matches cv=5, which does "
            "not shuffle; pass cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)"
        )
    assert got_params == want.best_params_, f"{call}['best_params'] is {got_params!r}, expected {expected(want.best_params_)}"
    score = result["best_score"]
    assert isinstance(score, (int, float)) and not isinstance(score, bool), (
        f"{call}['best_score'] should be a float, got {score!r:.100}"
    )
    assert_close(score, want.best_score_, atol=1e-9, what=f"{call}['best_score'] (mean cross-validated accuracy)")


@points(1)
def test_grid_search_model(student):
    call, result, X, y = grid(student, 103, 3)
    model = check_model(result["model"], call)
    want = expected_grid(X, y, 3)
    X_new, _ = make_data(60, 50)
    got = np.asarray(model.decision_function(X_new), dtype=float)
    assert_close(got, want.best_estimator_.decision_function(X_new), rtol=1e-5, atol=1e-6,
                 what=f"{call}['model'].decision_function(new rows) (the best pipeline refitted on all of X, y)")
