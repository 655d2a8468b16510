"""Hidden grader for classical-ml/digits-challenge (a leaderboard exercise).

The grader splits scikit-learn's bundled digits with a fixed seed. Only X_train, y_train and X_test are
sent to the student box; the test labels stay here. The test rows are split (fixed seed) into a public and
a private half; both accuracies are recorded for the leaderboard and points are awarded on the public half.
The student's function is called once and its answer reused by every test.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from gradient_grader import StudentError, call_timeout, points, record_metric

SPLIT_SEED = 20240917
HALF_SEED = 4177
CALL = "train_and_predict(X_train, y_train, X_test)"

_cache = {}


def split():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=SPLIT_SEED, stratify=y)
    order = np.random.default_rng(HALF_SEED).permutation(len(y_test))
    half = len(order) // 2
    return X_train, y_train.astype(np.int64), X_test, y_test.astype(np.int64), order[:half], order[half:]


def predictions(student):
    """The student's labels for the test rows (checked), computed once."""
    if "error" in _cache:
        raise AssertionError(_cache["error"])
    if "pred" in _cache:
        return _cache["pred"], _cache["truth"]
    X_train, y_train, X_test, y_test, public, private = split()
    try:
        with call_timeout(60):
            got = student.train_and_predict(X_train, y_train, X_test)
        pred = check_labels(got, len(X_test))
    except (AssertionError, StudentError) as error:
        _cache["error"] = str(error)
        raise
    _cache.update(pred=pred, truth=(y_test, public, private))
    return pred, (y_test, public, private)


def check_labels(got, n):
    assert isinstance(got, (list, tuple, np.ndarray)), (
        f"{CALL} should return a list of {n} integer labels, got {type(got).__name__}: {got!r:.200}"
    )
    try:
        labels = np.asarray(got)
    except Exception:  # noqa: BLE001
        raise AssertionError(f"{CALL} should return a list of {n} integer labels, got {got!r:.200}") from None
    assert labels.shape == (n,), (
        f"{CALL} returned {labels.shape[0] if labels.ndim else 'a scalar'} labels "
        f"(shape {labels.shape}), expected one per row of X_test: {n}"
    )
    assert labels.dtype.kind in "iuf" and np.all(labels == np.round(labels)), (
        f"{CALL} should return integer labels, got values like {labels[:5].tolist()}"
    )
    labels = labels.astype(np.int64)
    assert labels.min() >= 0 and labels.max() <= 9, (
        f"{CALL} returned labels from {labels.min()} to {labels.max()}, expected digits 0 to 9"
    )
    return labels


def public_accuracy(student):
    pred, (truth, public, _) = predictions(student)
    return float(np.mean(pred[public] == truth[public]))


def check_threshold(student, threshold):
    accuracy = public_accuracy(student)
    assert accuracy >= threshold, (
        f"{CALL}: accuracy on the public test half is {accuracy:.4f}, this level needs at least {threshold}"
    )


@points(1)
def test_predictions_are_digit_labels(student):
    pred, (truth, public, private) = predictions(student)
    record_metric("accuracy", float(np.mean(pred[public] == truth[public])), part="public")
    record_metric("accuracy", float(np.mean(pred[private] == truth[private])), part="private")


@points(2)
def test_accuracy_at_least_0_85(student):
    check_threshold(student, 0.85)


@points(2)
def test_accuracy_at_least_0_90(student):
    check_threshold(student, 0.90)


@points(3)
def test_accuracy_at_least_0_95(student):
    check_threshold(student, 0.95)


@points(2)
def test_accuracy_at_least_0_975(student):
    check_threshold(student, 0.975)
