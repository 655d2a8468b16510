"""Hidden grader for classical-ml/cross-validation (a notebook exercise).

The grader makes its own data with fixed seeds and recomputes the expected folds and scores with
scikit-learn. One feature has a single extreme value, so fitting the scaler on all rows (leakage) changes
the score of the fold that holds that row, and the grader can tell the student so.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gradient_grader import expected, points


def make_data(seed, n, n_features=5):
    """Imbalanced two-class data; feature 0 carries most of the signal and has one extreme glitch."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    X = rng.normal(0, 1, (n, n_features))
    X[:, 0] += 2.0 * y
    X[:, 1] -= 0.8 * y
    X[:, 2] = X[:, 2] * 3 + 10
    glitch = rng.integers(n)
    X[glitch, 0] += 400 * rng.choice([-1, 1])
    return X, y


def expected_folds(y, n_splits, seed):
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((len(y), 1)), y))


def model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def expected_scores(X, y, n_splits, seed):
    return [float(model().fit(X[tr], y[tr]).score(X[te], y[te])) for tr, te in expected_folds(y, n_splits, seed)]


def leaky_scores(X, y, n_splits, seed):
    scaled = StandardScaler().fit_transform(X)
    return [
        float(LogisticRegression(max_iter=1000).fit(scaled[tr], y[tr]).score(scaled[te], y[te]))
        for tr, te in expected_folds(y, n_splits, seed)
    ]


def index_array(value, what):
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001
        raise AssertionError(f"{what} should be an array or list of row indices, got {value!r:.200}") from None
    assert array.ndim == 1 and (array.size == 0 or array.dtype.kind in "iu"), (
        f"{what} should be a 1-D array or list of integer row indices, got {value!r:.200}"
    )
    return np.sort(array.astype(np.int64))


def get_folds(student, y, n_splits, seed):
    call = f"make_folds(y, {n_splits}, seed={seed})"
    folds = student.make_folds(y, n_splits, seed)
    assert isinstance(folds, (list, tuple)), f"{call} should return a list of (train, test) pairs, got {folds!r:.200}"
    assert len(folds) == n_splits, f"{call} returned {len(folds)} folds, expected {n_splits}"
    pairs = []
    for i, fold in enumerate(folds):
        assert isinstance(fold, (list, tuple)) and len(fold) == 2, (
            f"{call}[{i}] should be a pair (train_indices, test_indices), got {fold!r:.200}"
        )
        pairs.append((index_array(fold[0], f"{call}[{i}][0]"), index_array(fold[1], f"{call}[{i}][1]")))
    return call, pairs


def run_cv(student, X, y, n_splits, seed):
    call = f"cross_validate_model(X, y, {n_splits}, seed={seed})"
    result = student.cross_validate_model(X, y, n_splits, seed)
    assert isinstance(result, dict), f"{call} should return a dict, got {type(result).__name__}: {result!r:.200}"
    missing = {"scores", "mean", "std"} - set(result)
    assert not missing, f"{call} returned a dict without the key(s) {sorted(missing)}; got keys {sorted(map(str, result))}"
    scores = result["scores"]
    assert isinstance(scores, (list, tuple, np.ndarray)) and len(scores) == n_splits, (
        f"{call}['scores'] should hold {n_splits} accuracies (one per fold), got {scores!r:.200}"
    )
    return call, result, [float(s) for s in scores]


def check_scores(call, got, X, y, n_splits, seed):
    want = expected_scores(X, y, n_splits, seed)
    if np.allclose(got, want, atol=1e-9):
        return
    if np.allclose(got, leaky_scores(X, y, n_splits, seed), atol=1e-9):
        raise AssertionError(
            f"{call} returned scores {np.round(got, 4).tolist()}, expected {expected(np.round(want, 4).tolist())}: yours match "
            "a StandardScaler fitted on ALL rows before cross-validation. Fit the scaler inside each fold "
            "(on that fold's training rows only), e.g. with a pipeline"
        )
    if sorted(np.round(got, 9)) == sorted(np.round(want, 9)):
        raise AssertionError(
            f"{call} returned scores {np.round(got, 4).tolist()}, expected {expected(np.round(want, 4).tolist())}: the same "
            "values in another order; keep the fold order of make_folds"
        )
    raise AssertionError(
        f"{call} returned scores {np.round(got, 4).tolist()}, expected {expected(np.round(want, 4).tolist())} (a new "
        "StandardScaler + LogisticRegression(max_iter=1000) fitted on each fold's training rows, accuracy on its "
        "test rows, folds from make_folds)"
    )


@points(2)
def test_folds_match_stratified_kfold(student):
    _, y = make_data(1, 90)
    call, folds = get_folds(student, y, 5, 42)
    want = expected_folds(y, 5, 42)
    for i, ((train, test), (want_train, want_test)) in enumerate(zip(folds, want)):
        if not np.array_equal(test, want_test):
            unshuffled = list(StratifiedKFold(n_splits=5).split(np.zeros((len(y), 1)), y))
            plain = list(KFold(n_splits=5, shuffle=True, random_state=42).split(np.zeros((len(y), 1))))
            hint = "the folds of StratifiedKFold(n_splits, shuffle=True, random_state=seed), in order"
            if np.array_equal(test, unshuffled[i][1]):
                hint = "these are the folds without shuffling: pass shuffle=True and random_state=seed"
            elif np.array_equal(test, plain[i][1]):
                hint = "these are plain KFold folds: use StratifiedKFold so each fold keeps the class balance"
            raise AssertionError(
                f"{call}: the test rows of fold {i} are {test.tolist()[:12]}..., expected "
                f"{expected(want_test.tolist()[:12])}... ({hint})"
            )
        assert np.array_equal(train, want_train), (
            f"{call}: the training rows of fold {i} should be all rows not in its test part"
        )


@points(1)
def test_folds_cover_rows_and_keep_balance(student):
    _, y = make_data(2, 100)
    call, folds = get_folds(student, y, 4, 0)
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(len(y))), (
        f"{call}: every row should be in exactly one test fold; the test folds hold {len(tests)} indices, "
        f"{len(set(tests.tolist()))} different, for {len(y)} rows"
    )
    everything = set(range(len(y)))
    overall = y.mean()
    for i, (train, test) in enumerate(folds):
        assert set(train.tolist()) == everything - set(test.tolist()), (
            f"{call}: the training rows of fold {i} should be exactly the rows not in its test part"
        )
        positives = int(y[test].sum())
        balanced = overall * len(test)  # a property of the fold, not a hidden value
        assert abs(positives - balanced) <= 1, (
            f"{call}: test fold {i} has {positives} positives out of {len(test)} rows, expected about "
            f"{balanced:.1f} ({overall:.0%} of the rows, like the whole data set): the folds are not stratified"
        )


@points(1)
def test_seed_controls_the_shuffle(student):
    _, y = make_data(3, 60)
    call_a, first = get_folds(student, y, 3, 7)
    _, again = get_folds(student, y, 3, 7)
    for (train_a, test_a), (train_b, test_b) in zip(first, again):
        assert np.array_equal(test_a, test_b), f"calling {call_a} twice gave different folds; the same seed must give the same folds"
    call_b, other = get_folds(student, y, 3, 8)
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(first, other)), (
        f"{call_a} and {call_b} gave the same folds: the rows should be shuffled with the given seed "
        "(shuffle=True, random_state=seed)"
    )


@points(3)
def test_cross_validation_scores(student):
    X, y = make_data(5, 150)
    call, _, got = run_cv(student, X, y, 5, 3)
    check_scores(call, got, X, y, 5, 3)


@points(1)
def test_mean_and_std(student):
    X, y = make_data(5, 150)
    call, result, scores = run_cv(student, X, y, 5, 3)
    for key in ("mean", "std"):
        value = result[key]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (
            f"{call}[{key!r}] should be a float, got {type(value).__name__}: {value!r:.100}"
        )
    mean_of_scores = float(np.mean(scores))
    assert abs(result["mean"] - mean_of_scores) < 1e-9, (
        f"{call}['mean'] is {result['mean']:.6f}, expected the mean of your scores {mean_of_scores:.6f}"
    )
    std_of_scores = float(np.std(scores))
    if abs(result["std"] - std_of_scores) >= 1e-9 and abs(result["std"] - float(np.std(scores, ddof=1))) < 1e-9:
        raise AssertionError(
            f"{call}['std'] is {result['std']:.6f}, the sample standard deviation (ddof=1); expected the "
            f"population standard deviation np.std(scores) = {std_of_scores:.6f}"
        )
    assert abs(result["std"] - std_of_scores) < 1e-9, (
        f"{call}['std'] is {result['std']:.6f}, expected np.std of your scores = {std_of_scores:.6f}"
    )


@points(2)
def test_other_folds_and_data(student):
    X, y = make_data(9, 120, n_features=4)
    call, _, got = run_cv(student, X, y, 4, 10)
    check_scores(call, got, X, y, 4, 10)
    X, y = make_data(12, 100, n_features=6)
    call, _, got = run_cv(student, X, y, 3, 0)
    check_scores(call, got, X, y, 3, 0)
