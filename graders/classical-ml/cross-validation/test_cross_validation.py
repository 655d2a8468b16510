"""Hidden grader for classical-ml/cross-validation (a notebook exercise).

Data are drawn per submission with `submission_rng`; the grader recomputes the expected folds and scores
with scikit-learn. The classification data have one feature with a single extreme value, so a scaler fitted
on all rows before cross-validation (leakage) changes the scores, and the grader can say so. The grouped
data give every group its own offset in feature space, so folds that split a group leak.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedKFold,
    TimeSeriesSplit,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gradient_grader import assert_close, expected, points, shows_expected, submission_rng

threadpool_limits(limits=1)  # the grader box may have fewer cores than BLAS thinks: one thread is fastest here

SLUG = "classical-ml/cross-validation"
METRICS = ["accuracy", "balanced_accuracy", "roc_auc"]
SUMMARY_KEYS = {"scores", "mean", "std", "min", "max"}


def make_data(rng, n, n_features=5):
    """Imbalanced two-class data; feature 0 carries most of the signal and has one extreme glitch."""
    y = (rng.random(n) < 0.35).astype(np.int64)
    X = rng.normal(0, 1, (n, n_features))
    X[:, 0] += 2.0 * y
    X[:, 1] -= 0.8 * y
    X[:, 2] = X[:, 2] * 3 + 10
    X[rng.integers(n), 0] += 400 * rng.choice([-1, 1])
    return X, y


def make_grouped(rng, n_groups, per_group):
    """Rows of patients: each patient has an offset in feature space and a leaning towards one class."""
    groups = np.repeat(rng.permutation(np.arange(100, 100 + n_groups)), per_group)
    index = groups - 100
    offsets = rng.normal(0, 2.0, (n_groups, 4))
    leaning = rng.normal(0, 2.0, n_groups)
    X = offsets[index] + rng.normal(0, 0.5, (len(groups), 4))
    y = (leaning[index] + rng.normal(0, 1.0, len(groups)) > 0).astype(np.int64)
    order = rng.permutation(len(groups))
    return X[order], y[order], groups[order]


def make_series(rng, n):
    """An ordered series: a trend, a season and two informative features."""
    t = np.arange(n, dtype=float)
    X = np.column_stack([t, np.sin(2 * np.pi * t / 12), rng.normal(0, 1, n), rng.normal(0, 1, n)])
    y = 0.05 * t + 2.0 * X[:, 1] + 1.5 * X[:, 2] + rng.normal(0, 0.5, n)
    return X, y


def model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def expected_folds(y, n_splits, seed):
    return list(StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed).split(np.zeros((len(y), 1)), y))


def summary(scores):
    scores = [float(s) for s in scores]
    return {"scores": scores, "mean": float(np.mean(scores)), "std": float(np.std(scores)), "min": min(scores), "max": max(scores)}


def index_array(value, what):
    array = np.asarray(value)
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
        assert isinstance(fold, (list, tuple)) and len(fold) == 2, f"{call}[{i}] should be a pair (train, test), got {fold!r:.200}"
        pairs.append((index_array(fold[0], f"{call}[{i}][0]"), index_array(fold[1], f"{call}[{i}][1]")))
    return call, pairs


def check_summary(got, want, what):
    assert isinstance(got, dict) and set(got) >= SUMMARY_KEYS, (
        f"{what} should be a dict with the keys {sorted(SUMMARY_KEYS)}, got {got!r:.200}"
    )
    scores = np.asarray(got["scores"], dtype=float)
    assert scores.shape == (len(want["scores"]),), f"{what}['scores'] should hold one score per fold, got {got['scores']!r:.200}"
    assert_close(scores, np.asarray(want["scores"]), atol=1e-9, what=f"{what}['scores']")
    for key in ("mean", "std", "min", "max"):
        assert_close(float(got[key]), want[key], atol=1e-9, what=f"{what}[{key!r}]")


@points(2)
def test_folds_match_stratified_kfold(student):
    rng = submission_rng(f"{SLUG}:folds")
    _, y = make_data(rng, 90)
    seed = int(rng.integers(0, 1000))
    call, folds = get_folds(student, y, 5, seed)
    want = expected_folds(y, 5, seed)
    unshuffled = list(StratifiedKFold(n_splits=5).split(np.zeros((len(y), 1)), y))
    plain = list(KFold(n_splits=5, shuffle=True, random_state=seed).split(np.zeros((len(y), 1))))
    for i, ((train, test), (want_train, want_test)) in enumerate(zip(folds, want)):
        if not np.array_equal(test, want_test):
            hint = "the folds of StratifiedKFold(n_splits, shuffle=True, random_state=seed), in order"
            if np.array_equal(test, unshuffled[i][1]):
                hint = "these are the folds without shuffling: pass shuffle=True and random_state=seed"
            elif np.array_equal(test, np.sort(plain[i][1])):
                hint = "these are plain KFold folds: use StratifiedKFold so each fold keeps the class balance"
            raise AssertionError(f"{call}: the test rows of fold {i} are {test.tolist()[:12]}... ({hint})")
        assert np.array_equal(train, want_train), f"{call}: the training rows of fold {i} should be all rows not in its test part"


@points(1)
def test_folds_cover_rows_and_keep_balance(student):
    rng = submission_rng(f"{SLUG}:balance")
    _, y = make_data(rng, 100)
    call, folds = get_folds(student, y, 4, int(rng.integers(0, 1000)))
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(len(y))), f"{call}: every row should be in exactly one test fold"
    overall = y.mean()
    for i, (train, test) in enumerate(folds):
        assert set(train.tolist()) == set(range(len(y))) - set(test.tolist()), (
            f"{call}: the training rows of fold {i} should be exactly the rows not in its test part"
        )
        positives, balanced = int(y[test].sum()), overall * len(test)
        assert abs(positives - balanced) <= 1, (
            f"{call}: test fold {i} has {positives} positives out of {len(test)} rows, about {balanced:.1f} "
            f"({overall:.0%} of the rows) would keep the class balance: the folds are not stratified"
        )


@points(1)
def test_seed_controls_the_shuffle(student):
    rng = submission_rng(f"{SLUG}:seed")
    _, y = make_data(rng, 60)
    seed = int(rng.integers(0, 1000))
    call_a, first = get_folds(student, y, 3, seed)
    _, again = get_folds(student, y, 3, seed)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again)), f"calling {call_a} twice gave different folds"
    call_b, other = get_folds(student, y, 3, seed + 1)
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(first, other)), (
        f"{call_a} and {call_b} gave the same folds: shuffle the rows with the given seed (shuffle=True, random_state=seed)"
    )


@shows_expected
@points(1)
def test_summarize_scores_example(student):
    got = student.summarize_scores([0.75, 0.5, 1.0, 0.75])
    want = {"scores": [0.75, 0.5, 1.0, 0.75], "mean": 0.75, "std": float(np.std([0.75, 0.5, 1.0, 0.75])), "min": 0.5, "max": 1.0}
    assert isinstance(got, dict) and set(got) >= SUMMARY_KEYS, f"summarize_scores([0.75, 0.5, 1.0, 0.75]) returned {got!r:.200}"
    if abs(got["std"] - float(np.std(want["scores"], ddof=1))) < 1e-9:
        raise AssertionError(
            f"summarize_scores([0.75, 0.5, 1.0, 0.75])['std'] is {got['std']:.6f}, the sample standard deviation "
            f"(ddof=1); expected the population standard deviation np.std(scores) = {want['std']:.6f}"
        )
    check_summary(got, want, "summarize_scores([0.75, 0.5, 1.0, 0.75])")


@points(1)
def test_shared_groups(student):
    rng = submission_rng(f"{SLUG}:shared")
    _, _, groups = make_grouped(rng, 8, 4)
    train, test = np.arange(0, 20), np.arange(20, 32)
    got = student.shared_groups(train, test, groups)
    want = sorted(set(groups[train].tolist()) & set(groups[test].tolist()))
    assert got == want, f"shared_groups(rows 0-19, rows 20-31, groups) returned {got!r:.200}, expected {expected(want)}"
    split = next(GroupKFold(n_splits=4).split(np.zeros((len(groups), 1)), groups=groups))
    got = student.shared_groups(split[0], split[1], groups)
    assert got == [], f"shared_groups of a GroupKFold split returned {got!r:.200}: GroupKFold keeps each group on one side"


@points(2)
def test_compare_splitters(student):
    rng = submission_rng(f"{SLUG}:groups")
    X, y, groups = make_grouped(rng, int(rng.integers(12, 17)), int(rng.integers(8, 13)))
    seed = int(rng.integers(0, 1000))
    call = f"compare_splitters(X, y, groups, 4, seed={seed})"
    result = student.compare_splitters(X, y, groups, 4, seed)
    assert isinstance(result, dict) and set(result) >= {"kfold", "stratified", "group"}, (
        f"{call} should return a dict with 'kfold', 'stratified' and 'group', got {result!r:.200}"
    )
    splitters = {"kfold": KFold(n_splits=4, shuffle=True, random_state=seed),
                 "stratified": StratifiedKFold(n_splits=4, shuffle=True, random_state=seed),
                 "group": GroupKFold(n_splits=4)}
    for name, cv in splitters.items():
        want = summary(cross_val_score(model(), X, y, groups=groups if name == "group" else None, cv=cv))
        check_summary(result[name], want, f"{call}[{name!r}]")


@points(2)
def test_time_series_cv(student):
    rng = submission_rng(f"{SLUG}:series")
    n, n_splits = int(rng.integers(90, 130)), int(rng.integers(3, 6))
    X, y = make_series(rng, n)
    call = f"time_series_cv(X, y, {n_splits}) on {n} ordered rows"
    result = student.time_series_cv(X, y, n_splits)
    assert isinstance(result, dict) and {"train_sizes", "test_starts", "mae"} <= set(result), (
        f"{call} should return a dict with 'train_sizes', 'test_starts' and 'mae', got {result!r:.200}"
    )
    sizes, starts, maes = [], [], []
    for train, test in TimeSeriesSplit(n_splits=n_splits).split(X):
        fitted = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(X[train], y[train])
        sizes.append(len(train))
        starts.append(int(test[0]))
        maes.append(float(np.mean(np.abs(fitted.predict(X[test]) - y[test]))))
    got_sizes, got_starts = list(result["train_sizes"]), list(result["test_starts"])
    assert got_sizes == sizes and got_starts == starts, (
        f"{call} gave train_sizes {got_sizes} and test_starts {got_starts}: with TimeSeriesSplit every training "
        "part is the rows before its test block, and it grows fold by fold (never shuffle ordered data)"
    )
    assert_close(np.asarray(result["mae"], dtype=float), np.asarray(maes), rtol=1e-7, atol=1e-9,
                 what=f"{call}['mae'] (mean absolute error of each fold, model fitted on that fold's past)")


@points(2)
def test_multi_metric_cv(student):
    rng = submission_rng(f"{SLUG}:multi")
    X, y = make_data(rng, int(rng.integers(120, 160)))
    n_splits, seed = int(rng.integers(3, 6)), int(rng.integers(0, 1000))
    call = f"multi_metric_cv(X, y, {n_splits}, seed={seed})"
    result = student.multi_metric_cv(X, y, n_splits, seed)
    assert isinstance(result, dict) and set(result) >= set(METRICS), f"{call} should have the keys {METRICS}, got {result!r:.200}"
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    want = cross_validate(model(), X, y, cv=cv, scoring=METRICS, return_train_score=True)
    scaled = StandardScaler().fit_transform(X)
    leaky = cross_validate(LogisticRegression(max_iter=1000), scaled, y, cv=cv, scoring=["roc_auc"])
    part = result["roc_auc"]
    got_auc = part.get("test", {}).get("scores") if isinstance(part, dict) and isinstance(part.get("test"), dict) else None
    if got_auc is not None and len(got_auc) == n_splits and np.allclose(got_auc, leaky["test_roc_auc"], atol=1e-9) \
            and not np.allclose(got_auc, want["test_roc_auc"], atol=1e-9):
        raise AssertionError(
            f"{call}['roc_auc'] scores match a StandardScaler fitted on ALL rows before cross-validation: the test "
            "folds leaked into the scaling. Keep the scaler inside the model (a pipeline), fitted on each fold's training rows"
        )
    for metric in METRICS:
        entry = result[metric]
        assert isinstance(entry, dict) and {"test", "train_mean"} <= set(entry), (
            f"{call}[{metric!r}] should be a dict with 'test' and 'train_mean', got {entry!r:.200}"
        )
        check_summary(entry["test"], summary(want[f"test_{metric}"]), f"{call}[{metric!r}]['test']")
        assert_close(float(entry["train_mean"]), float(np.mean(want[f"train_{metric}"])), atol=1e-9,
                     what=f"{call}[{metric!r}]['train_mean'] (mean training score, return_train_score=True)")
