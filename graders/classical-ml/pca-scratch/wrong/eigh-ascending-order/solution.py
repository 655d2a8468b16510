import numpy as np


class PCA:
    def __init__(self, n_components: int) -> None:
        self.n_components = n_components

    def fit(self, X) -> "PCA":
        X = np.asarray(X, dtype=float)
        n, d = X.shape
        k = self.n_components
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= min(n, d):
            raise ValueError(f"n_components must be an int between 1 and {min(n, d)}, got {k!r}")
        self.mean_ = X.mean(axis=0)
        centered = X - self.mean_
        values, vectors = np.linalg.eigh(np.cov(centered, rowvar=False))
        variances = values  # ascending: the smallest variance comes first
        self.components_ = vectors[:, :k].T
        self.explained_variance_ = variances[:k]
        total = centered.var(axis=0, ddof=1).sum()
        self.explained_variance_ratio_ = self.explained_variance_ / total
        return self

    def transform(self, X) -> np.ndarray:
        return (np.asarray(X, dtype=float) - self.mean_) @ self.components_.T

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        return np.asarray(Z, dtype=float) @ self.components_ + self.mean_
