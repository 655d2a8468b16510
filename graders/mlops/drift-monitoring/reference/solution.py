"""Reference solution for mlops/drift-monitoring: PSI, the two-sample KS test and a windowed monitor."""

from collections import deque

import numpy as np


def quantile_bin_edges(reference, n_bins=10):
    """Inner edges at the reference's quantiles (duplicates dropped), with -inf and +inf at the ends."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    reference = np.asarray(reference, dtype=np.float64)
    if reference.size == 0:
        raise ValueError("the reference sample is empty")
    inner = np.unique(np.quantile(reference, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
    return np.concatenate([[-np.inf], inner, [np.inf]])


def bin_proportions(values, edges):
    """The share of values in each bin [edges[i], edges[i+1])."""
    values = np.asarray(values, dtype=np.float64)
    index = np.searchsorted(edges[1:-1], values, side="right")
    return np.bincount(index, minlength=len(edges) - 1) / len(values)


def _psi(expected, actual, eps):
    expected = np.maximum(expected, eps)
    actual = np.maximum(actual, eps)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def psi(reference, production, n_bins=10, eps=1e-4):
    """Population stability index of production against reference, on the reference's quantile bins."""
    if len(production) == 0:
        raise ValueError("the production sample is empty")
    edges = quantile_bin_edges(reference, n_bins)
    return _psi(bin_proportions(reference, edges), bin_proportions(production, edges), eps)


def categorical_psi(reference, production, eps=1e-4):
    """PSI over the categories seen in either sample; a category missing from one side counts as eps."""
    if len(reference) == 0 or len(production) == 0:
        raise ValueError("both samples need at least one value")
    categories = sorted(set(reference) | set(production), key=str)
    ref, prod = list(reference), list(production)
    expected = np.array([ref.count(c) for c in categories]) / len(ref)
    actual = np.array([prod.count(c) for c in categories]) / len(prod)
    return _psi(expected, actual, eps)


def ks_statistic(a, b):
    """The largest gap between the two empirical CDFs, looked at on the points of BOTH samples."""
    a = np.sort(np.asarray(a, dtype=np.float64))
    b = np.sort(np.asarray(b, dtype=np.float64))
    if a.size == 0 or b.size == 0:
        raise ValueError("both samples need at least one value")
    points = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, points, side="right") / a.size
    cdf_b = np.searchsorted(b, points, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def ks_pvalue(d, n, m):
    """Asymptotic p-value: Q(lam) = 2 sum_j (-1)^(j-1) exp(-2 j^2 lam^2), lam = d sqrt(n m / (n + m))."""
    lam = d * np.sqrt(n * m / (n + m))
    if lam < 0.2:
        return 1.0
    j = np.arange(1, 101)
    total = 2.0 * np.sum((-1.0) ** (j - 1) * np.exp(-2.0 * j**2 * lam**2))
    return float(min(1.0, max(0.0, total)))


class DriftMonitor:
    def __init__(self, reference, categorical=(), window_size=5, n_bins=10, psi_threshold=0.2, alpha=0.01,
                 eps=1e-4):
        if window_size < 1:
            raise ValueError(f"window_size must be at least 1, got {window_size}")
        self.reference = {name: list(values) for name, values in reference.items()}
        self.categorical = set(categorical)
        self.n_bins, self.psi_threshold, self.alpha, self.eps = n_bins, psi_threshold, alpha, eps
        self.window = deque(maxlen=window_size)

    def add_batch(self, batch):
        missing = sorted(set(self.reference) - set(batch))
        if missing:
            raise ValueError(f"the batch lacks the features {missing}")
        self.window.append({name: list(batch[name]) for name in self.reference})

    def report(self):
        if not self.window:
            raise ValueError("no production batch yet: call add_batch first")
        features = {}
        for name, ref in self.reference.items():
            prod = [value for batch in self.window for value in batch[name]]
            if name in self.categorical:
                score = categorical_psi(ref, prod, self.eps)
                features[name] = {"kind": "categorical", "psi": score, "drift": score > self.psi_threshold}
            else:
                score = psi(ref, prod, self.n_bins, self.eps)
                d = ks_statistic(ref, prod)
                p = ks_pvalue(d, len(ref), len(prod))
                drift = score > self.psi_threshold or p < self.alpha
                features[name] = {"kind": "numeric", "psi": score, "ks": d, "p_value": p, "drift": drift}
        return {
            "window_batches": len(self.window),
            "n_production": sum(len(next(iter(batch.values()))) for batch in self.window),
            "features": features,
            "drifted": sorted(name for name, result in features.items() if result["drift"]),
        }
