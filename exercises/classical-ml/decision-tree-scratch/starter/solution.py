"""A CART classification tree from scratch, with NumPy only.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules (midpoint
thresholds, weighted child impurity, the tie rule, the stopping rules).
"""

import numpy as np


def gini(y) -> float:
    """Gini impurity 1 - sum(p_k**2) of the labels y; 0.0 for an empty y."""
    raise NotImplementedError("gini is not written yet")


def entropy(y) -> float:
    """Entropy -sum(p_k * log2(p_k)) of the labels y; 0.0 for an empty y."""
    raise NotImplementedError("entropy is not written yet")


def best_split_feature(x, y, criterion="gini"):
    """(threshold, gain) of the best split `x <= threshold` of one feature, or (None, 0.0) if x is constant.

    Thresholds are midpoints between consecutive distinct sorted values; the gain weights each child's
    impurity by its share of the rows; among gains equal within 1e-12 the smallest threshold wins.
    """
    raise NotImplementedError("best_split_feature is not written yet")


def best_split(X, y, criterion="gini"):
    """(feature, threshold, gain) of the best split over all columns of X (ties: the lowest feature index),
    or (None, None, 0.0) if every column is constant."""
    raise NotImplementedError("best_split is not written yet")


class DecisionTree:
    """A classification tree grown with best_split until max_depth, min_samples_split, purity or no split."""

    def __init__(self, max_depth=None, min_samples_split=2, criterion="gini"):
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.criterion = criterion

    def fit(self, X, y):
        """Grow the tree; set self.classes_ (sorted labels) and self.feature_importances_; return self."""
        raise NotImplementedError("DecisionTree.fit is not written yet")

    def predict_proba(self, X) -> np.ndarray:
        """(n, n_classes): the class shares of the leaf each row reaches, in the order of classes_."""
        raise NotImplementedError("DecisionTree.predict_proba is not written yet")

    def predict(self, X) -> np.ndarray:
        """(n,): the most frequent class of each row's leaf, as labels from classes_."""
        raise NotImplementedError("DecisionTree.predict is not written yet")

    def get_depth(self) -> int:
        """The largest depth of a leaf (the root is at depth 0)."""
        raise NotImplementedError("DecisionTree.get_depth is not written yet")

    def get_n_leaves(self) -> int:
        """The number of leaves."""
        raise NotImplementedError("DecisionTree.get_n_leaves is not written yet")
