"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example by reading the returned figures back, as the hidden grader does
(which draws new data for each submission).
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402

CM = [[5, 1, 0], [2, 7, 1], [0, 3, 9]]
NAMES = ["cat", "dog", "owl"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _main_axes(fig):
    assert isinstance(fig, Figure), f"return the Figure (fig from plt.subplots()), not {type(fig).__name__}"
    return fig.axes[0]


def test_losses_example():
    fig = solution.plot_losses([2.0, 0.9, 0.4, 0.2, 0.1], [2.1, 1.0, 0.6, 0.45, 0.5])
    ax = _main_axes(fig)
    assert len(fig.axes) == 1
    assert ax.get_yscale() == "log", "the y axis should be logarithmic: ax.set_yscale('log')"
    assert ax.get_xlabel().strip().lower() == "epoch" and ax.get_ylabel().strip().lower() == "loss"
    assert ax.get_title().strip().lower() == "training and validation loss"
    lines = {line.get_label(): line.get_xydata().tolist() for line in ax.get_lines()}
    assert lines == {
        "train": [[1.0, 2.0], [2.0, 0.9], [3.0, 0.4], [4.0, 0.2], [5.0, 0.1]],
        "validation": [[1.0, 2.1], [2.0, 1.0], [3.0, 0.6], [4.0, 0.45], [5.0, 0.5]],
    }, f"lines (label: [[epoch, loss], ...]): {lines}"
    assert ax.get_legend() is not None, "add a legend: ax.legend()"


def test_histogram_example_counts_not_densities():
    fig = solution.plot_histogram([1.0, 2.0, 2.5, 3.0, 3.2, 7.5], [0, 2, 3, 8], "latency (ms)")
    ax = _main_axes(fig)
    bars = sorted((float(p.get_x()), float(p.get_width()), float(p.get_height())) for p in ax.patches)
    assert bars == [(0.0, 2.0, 1.0), (2.0, 1.0, 2.0), (3.0, 5.0, 3.0)], f"bars (x, width, height): {bars}"
    assert ax.get_title().strip().lower() == "histogram of latency (ms)"
    assert ax.get_xlabel().strip().lower() == "latency (ms)" and ax.get_ylabel().strip().lower() == "count"


def test_histogram_with_a_number_of_bins():
    values = [1.0, 2.0, 2.5, 3.0, 3.2, 7.5]
    ax = _main_axes(solution.plot_histogram(values, 3, "latency (ms)"))
    heights = [float(p.get_height()) for p in sorted(ax.patches, key=lambda p: p.get_x())]
    assert heights == np.histogram(values, bins=3)[0].tolist(), f"heights: {heights}"


def test_confusion_matrix_example():
    fig = solution.plot_confusion_matrix(CM, NAMES)
    ax = next(a for a in fig.axes if a.images)
    assert ax.images[0].get_array().tolist() == CM, "ax.imshow(cm): rows are true classes, unchanged"
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    cells = {(round(t.get_position()[0]), round(t.get_position()[1])): t.get_text().strip() for t in ax.texts}
    for i in range(3):
        for j in range(3):
            assert cells.get((j, i)) == str(CM[i][j]), f"the text at x={j}, y={i} should be cm[{i}][{j}] = {CM[i][j]}"
    assert ax.get_xlabel().strip().lower() == "predicted label" and ax.get_ylabel().strip().lower() == "true label"
    assert ax.get_title().strip().lower() == "confusion matrix"


def test_scatter_example():
    X = np.array([[0.0, 1.0], [1.0, 1.5], [4.0, 4.0], [5.0, 3.5]])
    y = np.array([0, 0, 1, 1])
    fig = solution.plot_scatter(X, y, ["cat", "dog"], ["height", "weight"])
    ax = next(a for a in fig.axes if a.collections and a.get_xlabel())
    assert ax.get_xlabel().strip().lower() == "height" and ax.get_ylabel().strip().lower() == "weight"
    groups = [c for c in ax.collections if type(c).__name__ == "PathCollection"]
    if len(groups) == 1:
        assert len(fig.axes) == 2, "one scatter with c=y needs a colorbar: fig.colorbar(points, ax=ax)"
        assert np.asarray(groups[0].get_array()).tolist() == y.tolist()
    else:
        by_label = {g.get_label(): np.asarray(g.get_offsets()).tolist() for g in groups}
        assert by_label == {"cat": [[0.0, 1.0], [1.0, 1.5]], "dog": [[4.0, 4.0], [5.0, 3.5]]}, by_label
        assert ax.get_legend() is not None, "add a legend: ax.legend()"
