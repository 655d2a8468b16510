"""Percentile bootstrap confidence intervals, with NumPy only.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules, including
the order in which the random generator must be used.
"""

import numpy as np


def bootstrap_distribution(data, statistic="mean", n_resamples=2000, rng=None) -> np.ndarray:
    """The statistic ("mean" or "median") of each of n_resamples resamples drawn WITH replacement.

    rng is a numpy Generator, an int seed or None: start with rng = np.random.default_rng(rng), then draw
    all indices at once with rng.integers(0, n, size=(n_resamples, n)).
    """
    raise NotImplementedError("bootstrap_distribution is not written yet")


def standard_error(data, statistic="mean", n_resamples=2000, rng=None) -> float:
    """The standard deviation (ddof=1) of the bootstrap distribution."""
    raise NotImplementedError("standard_error is not written yet")


def percentile_ci(data, statistic="mean", confidence=0.95, n_resamples=2000, rng=None) -> tuple[float, float]:
    """(low, high): the (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of the bootstrap distribution."""
    raise NotImplementedError("percentile_ci is not written yet")


def diff_means_ci(a, b, paired=False, confidence=0.95, n_resamples=2000, rng=None) -> tuple[float, float]:
    """Percentile interval for mean(a) - mean(b): each group resampled on its own, or the pairs if paired=True."""
    raise NotImplementedError("diff_means_ci is not written yet")


def estimate_coverage(n, n_trials, confidence=0.95, n_resamples=1000, distribution="normal", rng=None) -> float:
    """The fraction of n_trials simulated samples whose percentile interval for the mean contains the true mean."""
    raise NotImplementedError("estimate_coverage is not written yet")
