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
        # Rows of vt are the principal directions, sorted by singular value (largest first).
        _, singular_values, vt = np.linalg.svd(centered, full_matrices=False)
        variances = singular_values**2 / (n - 1)
        self.components_ = vt[:k]
        self.explained_variance_ = variances[:k]
        total = self.explained_variance_.sum()  # only the kept components
        self.explained_variance_ratio_ = self.explained_variance_ / total
        return self

    def transform(self, X) -> np.ndarray:
        return (np.asarray(X, dtype=float) - self.mean_) @ self.components_.T

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        return np.asarray(Z, dtype=float) @ self.components_ + self.mean_
