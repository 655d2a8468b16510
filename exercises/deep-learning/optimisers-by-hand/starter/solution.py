"""Optimisers by hand: SGD (momentum, Nesterov), Adam (bias correction) and AdamW (decoupled weight decay).

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact update rules.
Do not use torch.optim anywhere in this file.
"""

import torch
from torch import nn


def mlp_loss(params, X, y):
    """Given: the mean squared error of a one-hidden-layer tanh network; params[0:4] = W1, b1, W2, b2."""
    W1, b1, W2, b2 = params[:4]
    return ((torch.tanh(X @ W1.T + b1) @ W2.T + b2 - y) ** 2).mean()


class SGD:
    """p -= lr * g, with optional weight decay (L2), momentum (a velocity per parameter) and Nesterov."""

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        raise NotImplementedError("SGD.__init__ is not written yet")

    def zero_grad(self):
        """Set every parameter's .grad to None."""
        raise NotImplementedError("SGD.zero_grad is not written yet")

    def step(self):
        """Update every parameter that has a gradient, in place, under torch.no_grad()."""
        raise NotImplementedError("SGD.step is not written yet")


class Adam:
    """Adam with bias-corrected moments; weight_decay is an L2 term added to the gradient."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        raise NotImplementedError("Adam.__init__ is not written yet")

    def zero_grad(self):
        raise NotImplementedError("Adam.zero_grad is not written yet")

    def step(self):
        raise NotImplementedError("Adam.step is not written yet")


class AdamW:
    """Adam whose weight decay is decoupled: p *= (1 - lr * weight_decay), outside the moments."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        raise NotImplementedError("AdamW.__init__ is not written yet")

    def zero_grad(self):
        raise NotImplementedError("AdamW.zero_grad is not written yet")

    def step(self):
        raise NotImplementedError("AdamW.step is not written yet")


def trajectory(name, hyper, init, X, y, steps):
    """Optimise copies of `init` on mlp_loss with optimiser `name` ("sgd", "adam", "adamw") and keyword
    arguments `hyper`; return a list of `steps` snapshots, each a list of detached copies of the parameters."""
    raise NotImplementedError("trajectory is not written yet")


def train_classifier(name, hyper, X, y, steps=150, hidden=16, seed=0):
    """Seed, build Linear -> Tanh -> Linear, train full-batch with cross-entropy and your optimiser;
    return (model in eval mode, list of per-step losses)."""
    raise NotImplementedError("train_classifier is not written yet")
