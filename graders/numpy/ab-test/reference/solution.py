"""Reference solution for numpy/ab-test."""

import math

import numpy as np


def normal_cdf(x) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def normal_ppf(p) -> float:
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1, got {p}")
    low, high = -40.0, 40.0
    for _ in range(200):  # bisection: normal_cdf is increasing
        middle = (low + high) / 2
        if normal_cdf(middle) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _check_counts(conversions, visitors, arm):
    if visitors <= 0 or not 0 <= conversions <= visitors:
        raise ValueError(f"arm {arm}: need visitors > 0 and 0 <= conversions <= visitors, got {conversions}/{visitors}")
    return conversions / visitors


def two_proportion_ztest(conv_a, n_a, conv_b, n_b) -> tuple[float, float]:
    p_a, p_b = _check_counts(conv_a, n_a, "A"), _check_counts(conv_b, n_b, "B")
    pooled = (conv_a + conv_b) / (n_a + n_b)  # under H0 both arms share one rate
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0.0:  # both arms at 0% or both at 100%: no evidence of a difference
        return 0.0, 1.0
    z = (p_b - p_a) / se
    return z, math.erfc(abs(z) / math.sqrt(2.0))  # two-sided: 2 * (1 - Phi(|z|))


def diff_confidence_interval(conv_a, n_a, conv_b, n_b, confidence=0.95) -> tuple[float, float]:
    p_a, p_b = _check_counts(conv_a, n_a, "A"), _check_counts(conv_b, n_b, "B")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)  # unpooled: no H0 assumed here
    margin = normal_ppf(0.5 + confidence / 2) * se
    return (p_b - p_a) - margin, (p_b - p_a) + margin


def relative_lift(conv_a, n_a, conv_b, n_b) -> float:
    p_a, p_b = _check_counts(conv_a, n_a, "A"), _check_counts(conv_b, n_b, "B")
    if p_a == 0.0:
        raise ValueError("the lift relative to a 0% baseline is undefined")
    return (p_b - p_a) / p_a


def sample_size_per_arm(p_baseline, mde, alpha=0.05, power=0.8) -> int:
    p1, p2 = p_baseline, p_baseline + mde
    if mde == 0 or not (0 < p1 < 1 and 0 < p2 < 1):
        raise ValueError("need 0 < p_baseline < 1, 0 < p_baseline + mde < 1 and mde != 0")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError("alpha and power must be strictly between 0 and 1")
    z_alpha, z_power = normal_ppf(1 - alpha / 2), normal_ppf(power)
    p_bar = (p1 + p2) / 2
    root = z_alpha * math.sqrt(2 * p_bar * (1 - p_bar)) + z_power * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(root**2 / mde**2)


def simulate_peeking(p, n_per_arm, n_looks, n_experiments, alpha=0.05, rng=None) -> dict:
    if not 0 < p < 1 or not 1 <= n_looks <= n_per_arm or n_experiments < 1:
        raise ValueError("need 0 < p < 1, 1 <= n_looks <= n_per_arm and n_experiments >= 1")
    rng = np.random.default_rng(rng)
    converted_a = np.cumsum(rng.random((n_experiments, n_per_arm)) < p, axis=1)
    converted_b = np.cumsum(rng.random((n_experiments, n_per_arm)) < p, axis=1)
    looks = [k * n_per_arm // n_looks for k in range(1, n_looks + 1)]
    significant = np.zeros((n_experiments, n_looks), dtype=bool)
    for j, seen in enumerate(looks):
        for i in range(n_experiments):
            _, p_value = two_proportion_ztest(int(converted_a[i, seen - 1]), seen, int(converted_b[i, seen - 1]), seen)
            significant[i, j] = p_value < alpha
    return {"fixed": float(significant[:, -1].mean()), "peeking": float(significant.any(axis=1).mean())}
