import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor


def bootstrap_indices(n, rng):
    """n row indices drawn uniformly WITH replacement."""
    return np.random.default_rng(rng).integers(0, n, size=n)


def majority_vote(predictions):
    """The most frequent label of each column of an (n_models, n_samples) array; ties go to the smallest."""
    predictions = np.asarray(predictions)
    labels, codes = np.unique(predictions, return_inverse=True)
    codes = codes.reshape(predictions.shape)
    counts = np.zeros((len(labels), predictions.shape[1]), dtype=int)
    for row in codes:
        counts[row, np.arange(predictions.shape[1])] += 1
    return labels[np.argmax(counts, axis=0)]  # argmax keeps the first (smallest) label on a tie


class RandomForest:
    def __init__(self, n_estimators=25, max_features="sqrt", max_depth=None, random_state=0):
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        rng = np.random.default_rng(self.random_state)
        self.estimators_ = []
        for t in range(self.n_estimators):
            rows = bootstrap_indices(len(X), rng)
            tree = DecisionTreeClassifier(
                max_features=self.max_features, max_depth=self.max_depth, random_state=self.random_state + t
            )
            self.estimators_.append(tree.fit(X[rows], y[rows]))
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return majority_vote(np.array([tree.predict(X) for tree in self.estimators_]))


def _mse(y, pred):
    return float(np.mean((np.asarray(y, dtype=float) - pred) ** 2))


class GradientBoostingRegressor:
    def __init__(self, n_estimators=100, learning_rate=0.1, max_depth=3, random_state=0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X, y, X_val=None, y_val=None, patience=None):
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        validate = X_val is not None
        self.init_ = float(np.mean(y))
        self.estimators_, self.train_loss_, self.val_loss_ = [], [], []
        pred = np.full(len(y), self.init_)
        if validate:
            X_val = np.asarray(X_val, dtype=float)
            val_pred = np.full(len(X_val), self.init_)
            best_loss, best_stage = np.inf, 0
        for stage in range(1, self.n_estimators + 1):
            tree = DecisionTreeRegressor(max_depth=self.max_depth, random_state=self.random_state)
            tree.fit(X, y)  # the targets again, not what is left to explain
            pred = pred + self.learning_rate * tree.predict(X)
            self.estimators_.append(tree)
            self.train_loss_.append(_mse(y, pred))
            if validate:
                val_pred = val_pred + self.learning_rate * tree.predict(X_val)
                self.val_loss_.append(_mse(y_val, val_pred))
                if self.val_loss_[-1] < best_loss:
                    best_loss, best_stage = self.val_loss_[-1], stage
                elif patience is not None and stage - best_stage >= patience:
                    break
        if validate:
            self.estimators_ = self.estimators_[:best_stage]
        self.n_estimators_ = len(self.estimators_)
        return self

    def staged_predict(self, X):
        X = np.asarray(X, dtype=float)
        steps = np.array([self.learning_rate * tree.predict(X) for tree in self.estimators_]).reshape(-1, len(X))
        return self.init_ + np.cumsum(steps, axis=0)

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return self.init_ + self.learning_rate * sum((tree.predict(X) for tree in self.estimators_), np.zeros(len(X)))
