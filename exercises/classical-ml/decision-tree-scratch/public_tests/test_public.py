"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and its rules on tiny inputs. The hidden grader checks more: generated
data with repeated values, min_samples_split, feature importances, the entropy criterion, and accuracy
against scikit-learn's DecisionTreeClassifier.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import DecisionTree, best_split, best_split_feature, entropy, gini  # noqa: E402

# the statement's example
X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 6.0], [4.0, 6.0], [5.0, 7.0], [6.0, 7.0]])
Y = np.array([0, 0, 1, 1, 2, 2])


def test_statement_impurities():
    assert np.isclose(gini(np.array([0, 0, 1, 1])), 0.5), "gini([0, 0, 1, 1]) should be 1 - (0.25 + 0.25) = 0.5"
    assert np.isclose(entropy(np.array([0, 0, 1, 1])), 1.0), "entropy([0, 0, 1, 1]) should be 1.0 (log base 2)"
    assert np.isclose(gini(np.array([1, 2, 2, 2])), 0.375), "gini([1, 2, 2, 2]) should be 1 - (1/16 + 9/16) = 0.375"
    assert gini(np.array([], dtype=int)) == 0.0 and entropy(np.array([], dtype=int)) == 0.0, "an empty y has impurity 0.0"
    assert isinstance(gini(np.array([7, 7])), float), "gini should return a Python float"


def test_statement_thresholds_are_midpoints():
    threshold, gain = best_split_feature(np.array([1.0, 2.0, 2.0, 3.0, 4.0, 4.0]), np.array([0, 0, 0, 1, 1, 1]))
    assert np.isclose(threshold, 2.5), f"threshold {threshold}, expected 2.5: the midpoint between 2 and 3"
    assert np.isclose(gain, 0.5), f"gain {gain}, expected 0.5"


def test_tie_goes_to_the_smallest_threshold():
    threshold, gain = best_split_feature(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 1, 1, 0]))
    assert np.isclose(threshold, 1.5) and np.isclose(gain, 1 / 6), (
        f"got ({threshold}, {gain}), expected (1.5, 0.1666...): 1.5 and 3.5 tie, the smallest threshold wins"
    )


def test_unequal_children_are_weighted_by_size():
    # cutting 1..4 from 5..6 leaves a pure child of 4 rows and a mixed child of 2 rows
    x, y = np.arange(1.0, 7.0), np.array([0, 0, 0, 0, 1, 0])
    threshold, gain = best_split_feature(x, y)
    assert np.isclose(threshold, 4.5), f"threshold {threshold}, expected 4.5 (the largest WEIGHTED gain)"
    assert np.isclose(gain, 5 / 18 - 2 / 6 * 0.5), f"gain {gain}, expected 5/18 - (2/6) * 0.5 = 0.1111..."


def test_constant_feature_has_no_split():
    assert best_split_feature(np.array([3.0, 3.0, 3.0]), np.array([0, 1, 1])) == (None, 0.0)
    assert best_split(np.ones((4, 2)), np.array([0, 1, 0, 1])) == (None, None, 0.0)


def test_statement_best_split_tie_between_features():
    feature, threshold, gain = best_split(X, Y)
    assert (feature, threshold) == (0, 2.5), f"got feature {feature}, threshold {threshold}; expected 0 and 2.5"
    assert np.isclose(gain, 1 / 3), f"gain {gain}, expected 1/3"


def test_statement_stump():
    tree = DecisionTree(max_depth=1).fit(X, Y)
    assert isinstance(tree, DecisionTree), "fit should return self"
    assert (tree.get_depth(), tree.get_n_leaves()) == (1, 2), "max_depth=1: one split, two leaves at depth 1"
    assert np.asarray(tree.predict(np.array([[2.4, 0.0], [2.6, 0.0]]))).tolist() == [0, 1]
    assert np.allclose(tree.predict_proba(np.array([[9.0, 0.0]])), [[0.0, 0.5, 0.5]])


def test_statement_full_tree():
    tree = DecisionTree().fit(X, Y)
    assert (tree.get_depth(), tree.get_n_leaves()) == (2, 3)
    assert np.allclose(tree.feature_importances_, [1.0, 0.0])
    assert np.asarray(tree.predict(X)).tolist() == Y.tolist(), "a fully grown tree classifies its training rows exactly"


def test_labels_keep_their_values():
    tree = DecisionTree().fit(X, np.array([3, 3, 5, 5, 8, 8]))
    assert np.asarray(tree.classes_).tolist() == [3, 5, 8]
    assert np.asarray(tree.predict(np.array([[1.2, 0.0], [5.5, 0.0]]))).tolist() == [3, 8]


def test_max_depth_zero_is_a_single_leaf():
    tree = DecisionTree(max_depth=0).fit(X, Y)
    assert (tree.get_depth(), tree.get_n_leaves()) == (0, 1)
    assert np.allclose(tree.feature_importances_, [0.0, 0.0]), "a tree without a split has importances all 0.0"
