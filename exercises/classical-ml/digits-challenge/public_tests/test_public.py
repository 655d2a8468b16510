"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the interface of every function on tiny made-up inputs: the statement's examples, candidates that
are Pipelines, a model choice made by honest cross-validation, and train_and_predict on tiny made-up images
(10 easy, well-separated patterns, not real digits). They say nothing about your accuracy on the grader's
hidden images: measure that on your own split of digits_practice.csv, as in the statement's example.
"""

import os
import sys

import numpy as np
from sklearn.pipeline import Pipeline

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    augment,
    build_candidates,
    confusion_matrix,
    most_confused,
    per_class_report,
    select_model,
    train_and_predict,
)


def _toy_images(n_per_class, seed):
    """Made-up 8x8 "images" (64 pixels, 0-16): class k is a fixed random pattern plus a little noise."""
    patterns = np.random.default_rng(0).integers(0, 17, (10, 64)).astype(float)
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(10), n_per_class)
    X = np.clip(patterns[y] + rng.normal(0, 1.0, (len(y), 64)), 0, 16)
    order = rng.permutation(len(y))
    return X[order], y[order]


X_TRAIN, Y_TRAIN = _toy_images(10, seed=1)  # 100 training images
X_TEST, Y_TEST = _toy_images(3, seed=2)
X_TEST, Y_TEST = X_TEST[:25], Y_TEST[:25]  # 25 test images: not as many as the training images
_first = []


def _predictions():
    """train_and_predict(X_TRAIN, Y_TRAIN, X_TEST), called once for the tests that only read its answer."""
    if not _first:
        _first.append(train_and_predict(X_TRAIN, Y_TRAIN, X_TEST))
    return _first[0]


def test_augment_splits_a_lone_pixel():
    image = np.zeros((1, 64))
    image[0, 8 * 2 + 5] = 16.0  # row 2, column 5
    X_aug, y_aug = augment(image, np.array([4]))
    X_aug = np.asarray(X_aug).reshape(5, 8, 8)
    assert np.asarray(y_aug).tolist() == [4, 4, 4, 4, 4], "y_aug repeats the labels once per block"
    assert X_aug[0, 2, 5] == 16.0, "the first block is the original images"
    assert X_aug[1, 2, 5] == 8.0 and X_aug[1, 3, 5] == 8.0, "block 2 moves DOWN by half a pixel: half the ink moves to row 3"
    assert X_aug[2, 1, 5] == 8.0, "block 3 moves UP"
    assert X_aug[3, 2, 6] == 8.0, "block 4 moves RIGHT"
    assert X_aug[4, 2, 4] == 8.0, "block 5 moves LEFT"


def test_build_candidates_gives_pipelines():
    candidates = build_candidates()
    assert isinstance(candidates, dict) and len(candidates) >= 2, "build_candidates should return at least two named candidates"
    assert all(isinstance(model, Pipeline) for model in candidates.values()), "every candidate should be a sklearn Pipeline"
    assert any(len(model.steps) >= 2 for model in candidates.values()), "at least one candidate transforms the pixels first"


def test_select_model_returns_the_best_cv_score():
    best, scores = select_model(X_TRAIN, Y_TRAIN)
    assert sorted(scores) == sorted(build_candidates()), "select_model should score every candidate of build_candidates()"
    assert all(0.0 <= float(v) <= 1.0 for v in scores.values()), f"scores are mean accuracies, got {scores}"
    assert scores[best] == max(scores.values()), f"picked {best!r} but the scores are {scores}"
    assert scores[best] >= 0.8, f"on 10 easy, well-separated patterns some candidate should do well: {scores}"


def test_select_model_is_honest_on_random_labels():
    rng = np.random.default_rng(3)
    y_random = rng.permutation(np.arange(100) % 10)
    _, scores = select_model(X_TRAIN, y_random)
    assert max(scores.values()) <= 0.35, (
        f"cross-validation scores {scores} on RANDOM labels: an honest estimate stays near 0.10. Score each fold's "
        "model on its held-out fold only, and do not augment before cross-validating"
    )


def test_statement_confusion_matrix_and_report():
    y_true, y_pred = np.array([0, 1, 2, 2, 1]), np.array([0, 2, 2, 1, 1])
    cm = np.asarray(confusion_matrix(y_true, y_pred, n_classes=3))
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 1, 1]], f"got {cm.tolist()}: rows are true labels, columns predictions"
    report = per_class_report(y_true, y_pred, n_classes=3)
    assert report[1] == {"label": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}, f"got {report[1]}"
    report = per_class_report(np.array([0, 0, 1]), np.array([0, 0, 0]), n_classes=2)
    assert report[1]["precision"] == 0.0 and report[1]["f1"] == 0.0, "a class never predicted has precision 0.0, not NaN"
    assert np.asarray(confusion_matrix(np.array([3]), np.array([3]))).shape == (10, 10), "n_classes defaults to 10"


def test_most_confused_orders_and_skips_zeros():
    cm = np.array([[4, 0, 2], [1, 5, 0], [2, 2, 3]])
    got = [tuple(cell) for cell in most_confused(cm, k=5)]
    assert got == [(0, 2, 2), (2, 0, 2), (2, 1, 2), (1, 0, 1)], f"got {got}"
    assert [tuple(cell) for cell in most_confused(cm, k=1)] == [(0, 2, 2)]


def test_one_label_per_test_image():
    pred = _predictions()
    labels = np.asarray(pred)
    assert labels.ndim == 1 and len(labels) == len(X_TEST), (
        f"expected one label per row of X_test ({len(X_TEST)}), got {len(labels)}: predict on X_test, not X_train"
    )


def test_labels_are_integers_from_0_to_9():
    pred = list(_predictions())
    for label in pred:
        assert isinstance(label, (int, np.integer)) and not isinstance(label, bool), (
            f"each label should be an integer, got {label!r} of type {type(label).__name__}"
        )
        assert 0 <= int(label) <= 9, f"each label should be a digit from 0 to 9, got {label!r}"


def test_same_data_same_predictions():
    first = [int(p) for p in _predictions()]
    second = [int(p) for p in train_and_predict(X_TRAIN, Y_TRAIN, X_TEST)]
    assert first == second, "two calls with the same data gave different labels: fix random_state / seeds"


def test_learns_easy_patterns():
    # a sanity check, not the grader's metric: these 10 patterns are far apart, any real model separates them
    pred = np.asarray([int(p) for p in _predictions()])
    assert len(pred) == len(Y_TEST), f"expected {len(Y_TEST)} labels (one per row of X_test), got {len(pred)}"
    accuracy = float((pred == Y_TEST).mean())
    assert accuracy >= 0.8, (
        f"accuracy {accuracy:.2f} on 10 easy, well-separated made-up patterns: is the model trained on "
        "X_train and y_train, and are the labels in the order of the rows of X_test?"
    )
