"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the interface of train_and_predict on tiny made-up images (10 easy, well-separated patterns,
not real digits): one integer label from 0 to 9 per test row, and the same answer on a second call. They say
nothing about your accuracy on the grader's hidden images: measure that on your own split of
digits_practice.csv, as in the statement's example.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import train_and_predict  # noqa: E402


def _toy_images(n_per_class, seed):
    """Made-up 8x8 "images" (64 pixels, 0-16): class k is a fixed random pattern plus a little noise."""
    patterns = np.random.default_rng(0).integers(0, 17, (10, 64)).astype(float)
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(10), n_per_class)
    X = np.clip(patterns[y] + rng.normal(0, 1.0, (len(y), 64)), 0, 16)
    order = rng.permutation(len(y))
    return X[order], y[order]


X_TRAIN, Y_TRAIN = _toy_images(8, seed=1)  # 80 training images
X_TEST, Y_TEST = _toy_images(3, seed=2)
X_TEST, Y_TEST = X_TEST[:25], Y_TEST[:25]  # 25 test images: not as many as the training images


def test_one_label_per_test_image():
    pred = train_and_predict(X_TRAIN, Y_TRAIN, X_TEST)
    labels = np.asarray(pred)
    assert labels.ndim == 1 and len(labels) == len(X_TEST), (
        f"expected one label per row of X_test ({len(X_TEST)}), got {len(labels)}: predict on X_test, not X_train"
    )


def test_labels_are_integers_from_0_to_9():
    pred = list(train_and_predict(X_TRAIN, Y_TRAIN, X_TEST))
    for label in pred:
        assert isinstance(label, (int, np.integer)) and not isinstance(label, bool), (
            f"each label should be an integer, got {label!r} of type {type(label).__name__}"
        )
        assert 0 <= int(label) <= 9, f"each label should be a digit from 0 to 9, got {label!r}"


def test_same_data_same_predictions():
    first = [int(p) for p in train_and_predict(X_TRAIN, Y_TRAIN, X_TEST)]
    second = [int(p) for p in train_and_predict(X_TRAIN, Y_TRAIN, X_TEST)]
    assert first == second, "two calls with the same data gave different labels: fix random_state / seeds"


def test_learns_easy_patterns():
    # a sanity check, not the grader's metric: these 10 patterns are far apart, any real model separates them
    pred = np.asarray([int(p) for p in train_and_predict(X_TRAIN, Y_TRAIN, X_TEST)])
    assert len(pred) == len(Y_TEST), f"expected {len(Y_TEST)} labels (one per row of X_test), got {len(pred)}"
    accuracy = float((pred == Y_TEST).mean())
    assert accuracy >= 0.8, (
        f"accuracy {accuracy:.2f} on 10 easy, well-separated made-up patterns: is the model trained on "
        "X_train and y_train, and are the labels in the order of the rows of X_test?"
    )
