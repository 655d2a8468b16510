import numpy as np

TIE_TOL = 1e-12


def _impurity(counts, criterion="gini"):
    """Impurity of class counts; counts may be one row (k,) or many rows (m, k)."""
    counts = np.asarray(counts, dtype=float)
    n = counts.sum(axis=-1, keepdims=True)
    p = np.divide(counts, n, out=np.zeros_like(counts), where=n > 0)
    if criterion == "gini":
        return 1.0 - np.sum(p**2, axis=-1)
    if criterion == "entropy":
        logs = np.log2(p, out=np.zeros_like(p), where=p > 0)
        return -np.sum(p * logs, axis=-1) + 0.0  # + 0.0 turns -0.0 into 0.0
    raise ValueError(f"unknown criterion {criterion!r}: use 'gini' or 'entropy'")


def _counts(y):
    return np.unique(np.asarray(y), return_counts=True)[1]


def gini(y) -> float:
    return float(_impurity(_counts(y), "gini")) if len(y) else 0.0


def entropy(y) -> float:
    return float(_impurity(_counts(y), "entropy")) if len(y) else 0.0


def best_split_feature(x, y, criterion="gini"):
    """(threshold, gain) of the best cut of one feature; (None, 0.0) when the feature is constant."""
    x, y = np.asarray(x, dtype=float), np.asarray(y)
    if len(x) < 2:
        return None, 0.0
    order = np.argsort(x, kind="stable")
    xs = x[order]
    _, codes = np.unique(y[order], return_inverse=True)
    onehot = np.eye(codes.max() + 1)[codes]
    left = np.cumsum(onehot, axis=0)[:-1]  # row i: class counts of xs[0..i]
    cuts = np.flatnonzero(xs[1:] > xs[:-1])  # a cut after position i needs xs[i] < xs[i+1]
    if len(cuts) == 0:
        return None, 0.0
    left = left[cuts]
    right = onehot.sum(axis=0) - left
    n = len(y)
    n_left = cuts + 1.0
    children = (n_left * _impurity(left, criterion) + (n - n_left) * _impurity(right, criterion)) / n
    gains = _impurity(onehot.sum(axis=0), criterion) - children
    best = 0
    for i in range(1, len(gains)):  # smallest threshold wins a tie
        if gains[i] > gains[best] + TIE_TOL:
            best = i
    threshold = (xs[cuts[best]] + xs[cuts[best] + 1]) / 2
    return float(threshold), float(gains[best])


def best_split(X, y, criterion="gini"):
    """(feature, threshold, gain) of the best cut over all features; (None, None, 0.0) if none exists."""
    X = np.asarray(X, dtype=float)
    best = (None, None, 0.0)
    for j in range(X.shape[1]):  # lowest feature index wins a tie
        threshold, gain = best_split_feature(X[:, j], y, criterion)
        if threshold is not None and (best[0] is None or gain > best[2] + TIE_TOL):
            best = (j, threshold, gain)
    return best


class DecisionTree:
    def __init__(self, max_depth=None, min_samples_split=2, criterion="gini"):
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.criterion = criterion

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        self.n_features_ = X.shape[1]
        self._importance = np.zeros(X.shape[1])
        self._n = len(y)
        self.root_ = self._grow(X, codes, depth=0)
        total = self._importance.sum()
        self.feature_importances_ = self._importance / total if total > 0 else self._importance
        return self

    def _grow(self, X, codes, depth):
        counts = np.bincount(codes, minlength=len(self.classes_))
        leaf = {"proba": counts / counts.sum(), "depth": depth}
        if (self.max_depth is not None and depth > self.max_depth) or len(codes) < self.min_samples_split:
            return leaf
        if np.count_nonzero(counts) == 1:  # pure
            return leaf
        feature, threshold, gain = best_split(X, codes, self.criterion)
        if feature is None:  # every feature is constant here
            return leaf
        self._importance[feature] += len(codes) / self._n * gain
        go_left = X[:, feature] <= threshold
        return {
            "feature": feature, "threshold": threshold,
            "left": self._grow(X[go_left], codes[go_left], depth + 1),
            "right": self._grow(X[~go_left], codes[~go_left], depth + 1),
        }

    def _leaf(self, row):
        node = self.root_
        while "feature" in node:
            node = node["left"] if row[node["feature"]] <= node["threshold"] else node["right"]
        return node

    def predict_proba(self, X):
        return np.array([self._leaf(row)["proba"] for row in np.asarray(X, dtype=float)])

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def _leaves(self, node=None):
        node = self.root_ if node is None else node
        return [node] if "proba" in node else self._leaves(node["left"]) + self._leaves(node["right"])

    def get_depth(self) -> int:
        return max(leaf["depth"] for leaf in self._leaves())

    def get_n_leaves(self) -> int:
        return len(self._leaves())
