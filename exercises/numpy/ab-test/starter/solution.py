"""A/B testing conversion rates with math and NumPy (no SciPy).

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact formulas and rules.
"""

import math

import numpy as np


def normal_cdf(x) -> float:
    """P(Z <= x) for a standard normal Z, from math.erfc."""
    raise NotImplementedError("normal_cdf is not written yet")


def normal_ppf(p) -> float:
    """The x with normal_cdf(x) == p (accurate to about 1e-9); ValueError unless 0 < p < 1."""
    raise NotImplementedError("normal_ppf is not written yet")


def two_proportion_ztest(conv_a, n_a, conv_b, n_b) -> tuple[float, float]:
    """(z, two-sided p-value) for p_b - p_a, with the pooled standard error; (0.0, 1.0) when se == 0."""
    raise NotImplementedError("two_proportion_ztest is not written yet")


def diff_confidence_interval(conv_a, n_a, conv_b, n_b, confidence=0.95) -> tuple[float, float]:
    """(low, high) for p_b - p_a with the unpooled standard error."""
    raise NotImplementedError("diff_confidence_interval is not written yet")


def relative_lift(conv_a, n_a, conv_b, n_b) -> float:
    """(p_b - p_a) / p_a; ValueError when p_a == 0."""
    raise NotImplementedError("relative_lift is not written yet")


def sample_size_per_arm(p_baseline, mde, alpha=0.05, power=0.8) -> int:
    """Visitors per arm to detect an absolute difference mde with a two-sided test (rounded up)."""
    raise NotImplementedError("sample_size_per_arm is not written yet")


def simulate_peeking(p, n_per_arm, n_looks, n_experiments, alpha=0.05, rng=None) -> dict:
    """{"fixed": ..., "peeking": ...}: false-positive rates of A/A tests at the last look and at any look."""
    raise NotImplementedError("simulate_peeking is not written yet")
