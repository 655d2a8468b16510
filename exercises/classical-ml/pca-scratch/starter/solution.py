"""PCA from scratch, with NumPy only.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import numpy as np


class PCA:
    """Principal component analysis with the attribute names of scikit-learn's PCA."""

    def __init__(self, n_components: int) -> None:
        self.n_components = n_components

    def fit(self, X) -> "PCA":
        """Set mean_, components_ (k, d), explained_variance_ and explained_variance_ratio_; return self.

        Raise ValueError if n_components is not between 1 and min(n_samples, n_features).
        """
        raise NotImplementedError("fit is not written yet")

    def transform(self, X) -> np.ndarray:
        """Return (X - mean_) @ components_.T, shape (n, k)."""
        raise NotImplementedError("transform is not written yet")

    def fit_transform(self, X) -> np.ndarray:
        """fit(X), then transform(X)."""
        raise NotImplementedError("fit_transform is not written yet")

    def inverse_transform(self, Z) -> np.ndarray:
        """Return Z @ components_ + mean_, shape (n, d)."""
        raise NotImplementedError("inverse_transform is not written yet")
