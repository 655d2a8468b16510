"""Data drift monitoring with NumPy: PSI on quantile bins, the two-sample KS test and a windowed monitor.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import numpy as np


def quantile_bin_edges(reference, n_bins=10) -> np.ndarray:
    """-inf, the reference's quantiles at 1/n_bins .. (n_bins-1)/n_bins (duplicates once), +inf."""
    raise NotImplementedError("quantile_bin_edges is not written yet")


def bin_proportions(values, edges) -> np.ndarray:
    """The share of values in each bin [edges[i], edges[i+1]); sums to 1."""
    raise NotImplementedError("bin_proportions is not written yet")


def psi(reference, production, n_bins=10, eps=1e-4) -> float:
    """Population stability index on the reference's quantile bins; proportions below eps become eps."""
    raise NotImplementedError("psi is not written yet")


def categorical_psi(reference, production, eps=1e-4) -> float:
    """PSI over every category seen in either sample; proportions below eps become eps."""
    raise NotImplementedError("categorical_psi is not written yet")


def ks_statistic(a, b) -> float:
    """The largest gap between the empirical CDFs of a and b, over the points of both samples."""
    raise NotImplementedError("ks_statistic is not written yet")


def ks_pvalue(d, n, m) -> float:
    """The asymptotic p-value of the KS statistic d for samples of sizes n and m (1.0 when lam < 0.2)."""
    raise NotImplementedError("ks_pvalue is not written yet")


class DriftMonitor:
    """Compares a window of the last `window_size` production batches with a reference sample."""

    def __init__(self, reference, categorical=(), window_size=5, n_bins=10, psi_threshold=0.2, alpha=0.01,
                 eps=1e-4):
        raise NotImplementedError("DriftMonitor is not written yet")

    def add_batch(self, batch) -> None:
        """Add a batch (feature name -> values) to the window; only the last window_size batches stay."""
        raise NotImplementedError("add_batch is not written yet")

    def report(self) -> dict:
        """{"window_batches", "n_production", "features": {name: {...}}, "drifted": [sorted names]}."""
        raise NotImplementedError("report is not written yet")
