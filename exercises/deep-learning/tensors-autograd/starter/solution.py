"""Tensors and autograd.

Replace each ``raise NotImplementedError`` with your own code; use autograd for every gradient.
Read README.md for the exact rules.
"""

import torch


def derivative(x: torch.Tensor) -> torch.Tensor:
    """Derivative of f(t) = t**2 * sin(t) at every element of the 1-D tensor x."""
    raise NotImplementedError("derivative is not written yet")


def linear_regression_grads(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor):
    """Return (dloss/dw, dloss/db) for loss = mean((X @ w + b - y) ** 2)."""
    raise NotImplementedError("linear_regression_grads is not written yet")


def sgd_steps(X: torch.Tensor, y: torch.Tensor, lr: float, steps: int):
    """Gradient descent from w = 0, b = 0 on the mean squared error.

    Returns (torch.cat([w, b]) after the last step, [loss before each step as a float]).
    """
    raise NotImplementedError("sgd_steps is not written yet")


def accumulated_gradient(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, chunk_size: int) -> torch.Tensor:
    """Gradient of mean((X @ w - y) ** 2) w.r.t. w, accumulated over chunks of chunk_size rows."""
    raise NotImplementedError("accumulated_gradient is not written yet")


def normalised_gradient(x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """d/dx of ((x / norm(x)) * c).sum(), with norm(x) treated as a constant (detached)."""
    raise NotImplementedError("normalised_gradient is not written yet")
