"""Tree ensembles: bagging with a random forest, and gradient boosting for regression.

The trees are scikit-learn's; the ensembles are yours. Replace each ``raise NotImplementedError`` with your
own code; README.md fixes every random draw, so the grader can rebuild your ensembles exactly.
"""

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: F401


def bootstrap_indices(n, rng) -> np.ndarray:
    """n row indices drawn WITH replacement: np.random.default_rng(rng).integers(0, n, size=n)."""
    raise NotImplementedError("bootstrap_indices is not written yet")


def majority_vote(predictions) -> np.ndarray:
    """For an (n_models, n_samples) array of labels: the most frequent label of each column (ties: smallest)."""
    raise NotImplementedError("majority_vote is not written yet")


class RandomForest:
    """Bagged DecisionTreeClassifiers with per-split feature subsampling, combined by a majority vote."""

    def __init__(self, n_estimators=25, max_features="sqrt", max_depth=None, random_state=0):
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X, y):
        """Fit tree t on a bootstrap sample (one generator seeded with random_state) with random_state + t;
        keep the trees in self.estimators_; return self."""
        raise NotImplementedError("RandomForest.fit is not written yet")

    def predict(self, X) -> np.ndarray:
        """The majority vote of the trees' predictions."""
        raise NotImplementedError("RandomForest.predict is not written yet")


class GradientBoostingRegressor:
    """Gradient boosting with squared error: each DecisionTreeRegressor is fit to the current residuals."""

    def __init__(self, n_estimators=100, learning_rate=0.1, max_depth=3, random_state=0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X, y, X_val=None, y_val=None, patience=None):
        """Set init_, estimators_, train_loss_, val_loss_ and n_estimators_ (early stopping with a validation
        set: keep the trees up to the stage with the lowest validation MSE); return self."""
        raise NotImplementedError("GradientBoostingRegressor.fit is not written yet")

    def staged_predict(self, X) -> np.ndarray:
        """(n_estimators_, len(X)): row m is the prediction after the first m + 1 trees."""
        raise NotImplementedError("GradientBoostingRegressor.staged_predict is not written yet")

    def predict(self, X) -> np.ndarray:
        """init_ + learning_rate * the sum of the kept trees' predictions."""
        raise NotImplementedError("GradientBoostingRegressor.predict is not written yet")
