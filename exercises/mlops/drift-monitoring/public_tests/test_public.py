"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples. The hidden grader checks the same functions on data drawn anew for
each submission (shifted means and spreads, new categories, samples of different sizes, a longer window).
"""

import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    DriftMonitor,
    bin_proportions,
    categorical_psi,
    ks_pvalue,
    ks_statistic,
    psi,
    quantile_bin_edges,
)

REF = np.arange(1.0, 11.0)
PROD = np.arange(6.0, 16.0)


def test_example_bin_edges_come_from_reference_quantiles():
    edges = np.asarray(quantile_bin_edges(REF, n_bins=4), dtype=float)
    assert edges.tolist() == [-math.inf, 3.25, 5.5, 7.75, math.inf], (
        f"quantile_bin_edges(1..10, n_bins=4) returned {edges.tolist()}, expected [-inf, 3.25, 5.5, 7.75, inf]"
    )
    edges = np.asarray(quantile_bin_edges([1, 2, 2, 2, 3, 4, 5, 6, 7, 8], n_bins=4), dtype=float)
    assert edges.tolist() == [-math.inf, 2.0, 3.5, 5.75, math.inf], f"got {edges.tolist()}"


def test_example_bin_proportions():
    edges = np.array([-np.inf, 3.25, 5.5, 7.75, np.inf])
    assert np.allclose(bin_proportions(REF, edges), [0.3, 0.2, 0.2, 0.3])
    assert np.allclose(bin_proportions(PROD, edges), [0.0, 0.0, 0.2, 0.8])
    # a value equal to an inner edge goes to the bin on its right
    assert np.allclose(bin_proportions([3.25, 5.5], edges), [0.0, 0.5, 0.5, 0.0])


def test_example_psi_with_empty_bins_is_finite():
    got = psi(REF, PROD, n_bins=4)
    assert isinstance(got, float), f"psi should return a float, got {type(got).__name__}"
    assert math.isfinite(got), f"psi returned {got}: floor the proportions at eps before the logarithm"
    assert got == pytest.approx(4.410944661706635, rel=1e-9)
    assert psi(REF, REF, n_bins=4) == pytest.approx(0.0, abs=1e-12), "a sample compared with itself has PSI 0"


def test_example_categorical_psi_with_a_new_category():
    got = categorical_psi(["a", "a", "b", "b"], ["a", "b", "b", "c"])
    assert got == pytest.approx(2.1285158932529735, rel=1e-9), f"categorical_psi returned {got}"


def test_example_ks_looks_at_both_samples():
    got = ks_statistic([1, 2, 3, 4], [0, 0.5, 2.5])
    assert got == pytest.approx(2 / 3), (
        f"ks_statistic([1, 2, 3, 4], [0, 0.5, 2.5]) returned {got}, expected 0.6667 (at x = 0.5, a point of the "
        "SECOND sample, F_a = 0 and F_b = 2/3)"
    )
    assert ks_statistic([0, 0.5, 2.5], [1, 2, 3, 4]) == pytest.approx(2 / 3), "D does not depend on the order"


def test_example_ks_pvalue():
    assert ks_pvalue(0.5, 10, 10) == pytest.approx(0.1640791977266521, rel=1e-9)
    assert ks_pvalue(0.01, 100, 100) == 1.0, "lam < 0.2 gives exactly 1.0"


def test_example_monitor_window():
    monitor = DriftMonitor({"x": REF, "plan": list("aabbababab")}, categorical=["plan"], window_size=2)
    with pytest.raises(ValueError):
        monitor.report()
    monitor.add_batch({"x": [1, 2, 3, 4, 5], "plan": list("ababa")})
    monitor.add_batch({"x": PROD[:5], "plan": ["c"] * 5})
    monitor.add_batch({"x": PROD[5:], "plan": ["c"] * 5})
    report = monitor.report()
    assert report["window_batches"] == 2 and report["n_production"] == 10, (
        f"with window_size=2 after 3 batches of 5 rows, expected 2 batches and 10 rows, got {report['window_batches']} "
        f"and {report['n_production']}"
    )
    x = report["features"]["x"]
    assert x["kind"] == "numeric" and x["drift"] is True
    assert x["ks"] == pytest.approx(0.5) and x["p_value"] == pytest.approx(0.1640791977266521, rel=1e-9)
    assert x["psi"] == pytest.approx(psi(REF, PROD), rel=1e-9)
    plan = report["features"]["plan"]
    assert plan["kind"] == "categorical" and plan["drift"] is True and set(plan) == {"kind", "psi", "drift"}
    assert report["drifted"] == ["plan", "x"]
    with pytest.raises(ValueError):
        monitor.add_batch({"x": [1.0]})
