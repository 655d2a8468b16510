"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples of README.md. The hidden grader uses counts, rates and seeds of its own, edge cases
(arms at 0% or 100%, invalid counts) and other confidence levels, alphas and powers.
"""

import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    diff_confidence_interval,
    normal_cdf,
    normal_ppf,
    relative_lift,
    sample_size_per_arm,
    simulate_peeking,
    two_proportion_ztest,
)


def test_readme_normal_distribution():
    assert math.isclose(normal_cdf(1.96), 0.9750021048517795, rel_tol=1e-12)
    assert math.isclose(normal_ppf(0.975), 1.9599639845400532, rel_tol=1e-9)
    assert math.isclose(normal_ppf(0.8), 0.8416212335729141, rel_tol=1e-9)
    with pytest.raises(ValueError):
        normal_ppf(1.0)


def test_readme_ztest():
    z, p_value = two_proportion_ztest(200, 2000, 250, 2000)
    assert math.isclose(z, 2.501955416802671, rel_tol=1e-9), f"z = {z}: (p_b - p_a) / pooled standard error"
    assert math.isclose(p_value, 0.012350947711191435, rel_tol=1e-7), f"p = {p_value}: two-sided, 2 * (1 - Phi(|z|))"
    z, p_value = two_proportion_ztest(250, 2000, 200, 2000)
    assert z < 0 and math.isclose(p_value, 0.012350947711191435, rel_tol=1e-7), "swapping the arms flips z, not p"
    with pytest.raises(ValueError):
        two_proportion_ztest(30, 20, 10, 20)


def test_readme_interval_and_lift():
    low, high = diff_confidence_interval(200, 2000, 250, 2000)
    assert np.allclose([low, high], [0.0054310085546560305, 0.04456899144534396], rtol=1e-9), f"got {(low, high)}"
    assert math.isclose(relative_lift(200, 2000, 250, 2000), 0.25, rel_tol=1e-9)
    with pytest.raises(ValueError):
        relative_lift(0, 100, 5, 100)


def test_readme_sample_size():
    assert sample_size_per_arm(0.10, 0.02) == 3841
    assert sample_size_per_arm(0.10, 0.02, alpha=0.01, power=0.9) == 7281
    assert isinstance(sample_size_per_arm(0.10, 0.02), int)


def test_readme_peeking():
    got = simulate_peeking(0.1, 1000, 10, 1000, rng=0)
    assert set(got) == {"fixed", "peeking"}, f"keys {sorted(got)}"
    assert got["fixed"] == pytest.approx(0.046) and got["peeking"] == pytest.approx(0.185), f"got {got}"
