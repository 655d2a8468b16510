"""Plotting figures with matplotlib, returned as Figure objects.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Each function creates its own figure (``fig, ax = plt.subplots()``), draws on ``ax`` and returns ``fig``.
Never call ``plt.show()`` inside these functions: the figure is returned, not shown.
"""

import matplotlib

matplotlib.use("Agg")  # draw without a window (also how the grader runs your code)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_losses(train_loss, val_loss):
    """Two lines, 'train' and 'validation', against epochs 1..n, log y axis, labelled, with a legend."""
    raise NotImplementedError("plot_losses is not written yet")


def plot_histogram(values, bins, name):
    """A histogram of counts (not densities) with the given bins, labelled with `name`."""
    raise NotImplementedError("plot_histogram is not written yet")


def plot_confusion_matrix(cm, class_names):
    """cm[i][j] = examples of true class i predicted as j: image, tick labels, a count in every cell."""
    raise NotImplementedError("plot_confusion_matrix is not written yet")


def plot_scatter(X, y, class_names, feature_names):
    """Points X[i] coloured by class y[i], with a legend (or a colorbar) and both axes labelled."""
    raise NotImplementedError("plot_scatter is not written yet")


if __name__ == "__main__":
    plot_losses([2.0, 0.9, 0.4, 0.2, 0.1], [2.1, 1.0, 0.6, 0.45, 0.5]).savefig("losses.png")
    plot_histogram([1.0, 2.0, 2.5, 3.0, 3.2, 7.5], 3, "latency (ms)").savefig("histogram.png")
    plot_confusion_matrix([[5, 1, 0], [2, 7, 1], [0, 3, 9]], ["cat", "dog", "owl"]).savefig("confusion.png")
    X = np.array([[0.0, 1.0], [1.0, 1.5], [4.0, 4.0], [5.0, 3.5]])
    plot_scatter(X, np.array([0, 0, 1, 1]), ["cat", "dog"], ["height", "weight"]).savefig("scatter.png")
    print("wrote losses.png, histogram.png, confusion.png and scatter.png")
