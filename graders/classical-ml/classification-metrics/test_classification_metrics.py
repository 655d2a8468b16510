"""Hidden grader for classical-ml/classification-metrics.

Expected values are written out for the small cases; ROC-AUC on generated scores is checked against
the pairwise definition (every positive against every negative, ties counting one half).
"""

import math

import numpy as np

from gradient_grader import StudentError, assert_close, points, shows_expected


def _pairwise_auc(y, s):
    y, s = np.asarray(y), np.asarray(s, dtype=float)
    pos, neg = s[y == 1], s[y == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def _matrix(value, call):
    assert isinstance(value, np.ndarray), f"{call} should return a NumPy array, got {type(value).__name__}: {value!r:.200}"
    assert value.dtype.kind in "iu", f"{call} should hold integer counts, got dtype {value.dtype}"
    return value


def _triple(got, call):
    assert isinstance(got, (tuple, list)) and len(got) == 3, (
        f"{call} should return a tuple (precision, recall, f1), got {type(got).__name__}: {got!r:.200}"
    )
    for name, value in zip(("precision", "recall", "f1"), got):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (
            f"{call}: {name} should be a float, got {type(value).__name__}: {value!r}"
        )
    return [float(v) for v in got]


def _no_error(func, call, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except StudentError as error:
        raise AssertionError(
            f"{call} raised {error.type_name}: {error.message[:200]}; when a denominator is 0 the metric is 0.0"
        ) from None


@shows_expected
@points(1)
def test_confusion_matrix_binary(student):
    y_true = [1, 0, 1, 1, 0, 0, 1, 0]
    y_pred = [1, 0, 0, 1, 1, 0, 1, 0]
    call = f"confusion_matrix({y_true}, {y_pred})"
    got = _matrix(student.confusion_matrix(y_true, y_pred), call)
    want = [[3, 1], [1, 3]]
    assert got.tolist() == want, f"{call} returned {got.tolist()}, expected {want} (rows: true label 0, 1; columns: predicted)"

    y_true = [0, 0, 0, 1, 1]
    y_pred = [1, 1, 0, 1, 1]
    call = f"confusion_matrix({y_true}, {y_pred})"
    got = _matrix(student.confusion_matrix(y_true, y_pred), call)
    want = [[1, 2], [0, 2]]
    assert got.tolist() == want, (
        f"{call} returned {got.tolist()}, expected {want}: entry [i][j] counts examples whose TRUE label is "
        "labels[i] and whose PREDICTED label is labels[j]"
    )


@shows_expected
@points(2)
def test_confusion_matrix_labels(student):
    y_true = ["cat", "dog", "bird", "cat", "dog", "cat"]
    y_pred = ["cat", "cat", "bird", "dog", "dog", "fish"]
    call = f"confusion_matrix({y_true}, {y_pred})"
    got = _matrix(student.confusion_matrix(y_true, y_pred), call)
    want = [[1, 0, 0, 0], [0, 1, 1, 1], [0, 1, 1, 0], [0, 0, 0, 0]]
    assert got.tolist() == want, (
        f"{call} returned {got.tolist()}, expected {want} (labels: the sorted union ['bird', 'cat', 'dog', 'fish'])"
    )
    labels = ["dog", "cat", "horse"]
    call = f"confusion_matrix({y_true}, {y_pred}, labels={labels})"
    got = _matrix(student.confusion_matrix(y_true, y_pred, labels=labels), call)
    want = [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    assert got.tolist() == want, (
        f"{call} returned {got.tolist()}, expected {want} (rows and columns in the order of labels; "
        "pairs with a label outside the list are left out)"
    )


@shows_expected
@points(2)
def test_precision_recall_f1(student):
    y_true = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1]
    y_pred = [1, 1, 1, 0, 0, 0, 1, 1, 0, 1]
    call = f"precision_recall_f1({y_true}, {y_pred})"
    got = _triple(student.precision_recall_f1(y_true, y_pred), call)
    p, r = 4 / 6, 4 / 6
    assert_close(list(got), [p, r, 2 * p * r / (p + r)], rtol=1e-9, what=f"{call} (precision, recall, f1)")

    y_true = ["spam", "ham", "spam", "ham", "ham", "spam"]
    y_pred = ["spam", "spam", "ham", "ham", "ham", "spam"]
    call = f"precision_recall_f1({y_true}, {y_pred}, positive='ham')"
    got = _triple(student.precision_recall_f1(y_true, y_pred, positive="ham"), call)
    p, r = 2 / 3, 2 / 3
    assert_close(list(got), [p, r, 2 * p * r / (p + r)], rtol=1e-9, what=f"{call} (precision, recall, f1 for the class 'ham')")

    y_true = [1, 1, 1, 0]
    y_pred = [1, 0, 0, 0]
    call = f"precision_recall_f1({y_true}, {y_pred})"
    got = _triple(student.precision_recall_f1(y_true, y_pred), call)
    assert_close(list(got), [1.0, 1 / 3, 0.5], rtol=1e-9, what=f"{call} (precision, recall, f1)")


@shows_expected
@points(2)
def test_zero_division(student):
    cases = [
        ([1, 0, 1, 0], [0, 0, 0, 0], [0.0, 0.0, 0.0], "nothing is predicted positive: precision is 0/0"),
        ([0, 0, 0, 0], [1, 0, 1, 0], [0.0, 0.0, 0.0], "there are no actual positives: recall is 0/0"),
        ([0, 0, 0], [0, 0, 0], [0.0, 0.0, 0.0], "no positives at all"),
        ([1, 0, 1], [0, 1, 0], [0.0, 0.0, 0.0], "precision and recall are both 0: f1 is 0/0"),
    ]
    for y_true, y_pred, want, why in cases:
        call = f"precision_recall_f1({y_true}, {y_pred})"
        got = _triple(_no_error(student.precision_recall_f1, call, y_true, y_pred), call)
        assert not any(math.isnan(v) for v in got), f"{call} returned {got} ({why}); expected {want}: use 0.0, not NaN"
        assert_close(got, want, what=f"{call} ({why})")


@shows_expected
@points(1)
def test_macro_f1(student):
    y_true = ["a", "a", "b", "b", "c", "c", "c"]
    y_pred = ["a", "b", "b", "b", "c", "a", "d"]
    call = f"macro_f1({y_true}, {y_pred})"
    got = _no_error(student.macro_f1, call, y_true, y_pred)
    assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r}"
    f_a = 2 * 0.5 * 0.5 / 1.0
    f_b = 2 * (2 / 3) * 1.0 / (2 / 3 + 1.0)
    f_c = 2 * 1.0 * (1 / 3) / (1.0 + 1 / 3)
    want = (f_a + f_b + f_c + 0.0) / 4
    assert_close(got, want, rtol=1e-9, what=(
        f"{call} (the mean of the per-label F1 over the sorted union of labels ['a', 'b', 'c', 'd']; "
        "'d' is only predicted, so its F1 is 0)"
    ))


@shows_expected
@points(1)
def test_roc_auc_without_ties(student):
    y = [0, 0, 1, 1, 0, 1]
    s = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9]
    call = f"roc_auc({y}, {s})"
    got = student.roc_auc(y, s)
    assert isinstance(got, float), f"{call} should return a float, got {type(got).__name__}: {got!r}"
    assert_close(got, 8 / 9, rtol=1e-9, what=f"{call} (8 of the 9 positive-negative pairs are ordered correctly)")
    y = [1, 1, 0, 0]
    s = [0.1, 0.2, 0.3, 0.4]
    assert_close(student.roc_auc(y, s), 0.0, atol=1e-12, what=f"roc_auc({y}, {s}) (every pair in the wrong order)")


@points(2)
def test_roc_auc_with_ties(student, rng):
    y = [1, 0, 1, 0, 1, 0]
    s = [0.5, 0.5, 0.5, 0.5, 0.9, 0.1]
    call = f"roc_auc({y}, {s})"
    assert_close(student.roc_auc(y, s), _pairwise_auc(y, s), rtol=1e-9,
                 what=f"{call} (a positive and a negative with the SAME score count as half a correct pair)")
    y = [0, 1, 0, 1]
    s = [3, 3, 3, 3]
    assert_close(student.roc_auc(y, s), 0.5, rtol=1e-9, what=f"roc_auc({y}, {s}) (all scores equal)")

    labels = (rng.random(400) < 0.35).astype(int)
    scores = np.round(rng.normal(size=400) + labels * 0.8, 1)  # rounding makes many ties
    call = "roc_auc(<400 generated labels>, <400 scores rounded to 1 decimal, with many ties>)"
    got = student.roc_auc(labels, scores)
    assert_close(got, _pairwise_auc(labels, scores), rtol=1e-9, what=call)
    order = rng.permutation(400)
    assert_close(student.roc_auc(labels[order], scores[order]), _pairwise_auc(labels, scores), rtol=1e-9,
                 what=f"{call} after shuffling the rows (the AUC must not depend on the order of tied scores)")


@shows_expected
@points(1)
def test_errors(student):
    for y, s, why in (([1, 1, 1], [0.2, 0.5, 0.9], "only positives"), ([0, 0], [0.3, 0.1], "only negatives")):
        call = f"roc_auc({y}, {s})"
        try:
            got = student.roc_auc(y, s)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message[:200]}, expected ValueError ({why})"
        else:
            raise AssertionError(f"{call} returned {got!r}, expected a ValueError: ROC-AUC is undefined with {why}")
    call = "confusion_matrix([0, 1, 1], [0, 1])"
    try:
        got = student.confusion_matrix([0, 1, 1], [0, 1])
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message[:200]}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r}, expected a ValueError (the inputs have different lengths)")
