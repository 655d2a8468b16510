"""Reference solution for pandas/plotting-figures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_losses(train_loss, val_loss):
    epochs = np.arange(1, len(train_loss) + 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, train_loss, label="train")
    ax.plot(epochs, val_loss, label="validation")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("Training and validation loss")
    ax.legend()
    return fig


def plot_histogram(values, bins, name):
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(values, bins=bins)
    ax.set_xlabel(name)
    ax.set_ylabel("count")
    ax.set_title(f"Histogram of {name}")
    return fig


def plot_confusion_matrix(cm, class_names):
    cm = np.asarray(cm)
    k = len(class_names)
    fig, ax = plt.subplots(figsize=(5, 5))
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax)
    ax.set_xticks(range(k), labels=class_names)
    ax.set_yticks(range(k), labels=class_names)
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    ax.set_title("Confusion matrix")
    threshold = cm.max() / 2
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(int(cm[i, j])), ha="center", va="center",
                    color="white" if cm[i, j] > threshold else "black")
    return fig


def plot_scatter(X, y, class_names, feature_names):
    X = np.asarray(X)
    y = np.asarray(y)
    fig, ax = plt.subplots(figsize=(6, 5))
    for k, name in enumerate(class_names):
        mask = y == k
        ax.scatter(X[mask, 0], X[mask, 1], label=name, s=12)
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.legend(title="class")
    return fig
