"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples of README.md. The hidden grader replays your resamples on data and seeds of its
own, at other confidence levels, with groups of different sizes, and for both distributions of
estimate_coverage.
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    bootstrap_distribution,
    diff_means_ci,
    estimate_coverage,
    percentile_ci,
    standard_error,
)

DATA = [4.1, 5.3, 2.8, 6.0, 4.4, 3.9, 5.1, 4.7]
BEFORE = [72, 80, 65, 90, 77, 84, 69, 75]
AFTER = [75, 83, 66, 95, 79, 88, 70, 79]


def test_readme_bootstrap_distribution_uses_the_generator():
    rng = np.random.default_rng(0)
    first = bootstrap_distribution(DATA, "mean", 4, rng)
    assert np.allclose(first, [3.9125, 4.55, 4.1625, 4.875]), (
        f"got {np.round(first, 6).tolist()}: draw the indices at once with rng.integers(0, 8, size=(4, 8))"
    )
    second = bootstrap_distribution(DATA, "mean", 4, rng)
    assert np.allclose(second, [4.575, 4.325, 4.85, 4.675]), "a second call with the same Generator continues its stream"
    assert np.allclose(bootstrap_distribution(DATA, "mean", 4, rng=0), first), "an int seed makes a fresh Generator"


def test_readme_standard_error_and_intervals():
    assert np.isclose(standard_error(DATA, rng=42), 0.32648761110508095, rtol=1e-9)
    assert np.allclose(percentile_ci(DATA, rng=42), (3.8625, 5.15)), "the 2.5th and 97.5th percentiles"
    assert np.allclose(percentile_ci(DATA, "median", rng=42), (3.9, 5.3))
    with pytest.raises(ValueError):
        percentile_ci(DATA, confidence=95)
    with pytest.raises(ValueError):
        bootstrap_distribution(DATA, "mode")


def test_readme_paired_and_unpaired():
    assert np.allclose(diff_means_ci(AFTER, BEFORE, paired=True, rng=7), (2.0, 3.75)), "resample the pairs"
    assert np.allclose(diff_means_ci(AFTER, BEFORE, rng=7), (-5.0, 11.0)), "resample after, then before, on their own"
    with pytest.raises(ValueError):
        diff_means_ci([1.0, 2.0, 3.0], [1.0, 2.0], paired=True)


def test_readme_coverage():
    assert estimate_coverage(20, 400, rng=3) == pytest.approx(0.89)
    assert estimate_coverage(200, 400, rng=3) == pytest.approx(0.96)
