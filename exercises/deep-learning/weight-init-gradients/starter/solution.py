"""Weight initialisation and vanishing gradients.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Do not call torch.nn.init or torch.nn.utils.clip_grad_norm_ here (the tests compare your work with them).
"""

import math  # noqa: F401  (you will want math.sqrt and math.prod)

import torch


def fans(shape):
    """(fan_in, fan_out) of a weight of this shape: (out, in) for Linear, (out, in, *kernel) for a conv,
    both multiplied by the receptive field prod(shape[2:]). Fewer than 2 dimensions: ValueError."""
    raise NotImplementedError("fans is not written yet")


def calculate_gain(nonlinearity):
    """linear/sigmoid: 1, tanh: 5/3, relu: sqrt(2); anything else: ValueError."""
    raise NotImplementedError("calculate_gain is not written yet")


def xavier_uniform(shape, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), drawn from `generator`."""
    raise NotImplementedError("xavier_uniform is not written yet")


def xavier_normal(shape, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)), drawn from `generator`."""
    raise NotImplementedError("xavier_normal is not written yet")


def kaiming_uniform(shape, nonlinearity="relu", mode="fan_in", generator=None):
    """U(-a, a) with a = sqrt(3) * calculate_gain(nonlinearity) / sqrt(fan), fan chosen by `mode`."""
    raise NotImplementedError("kaiming_uniform is not written yet")


def kaiming_normal(shape, nonlinearity="relu", mode="fan_in", generator=None):
    """N(0, std^2) with std = calculate_gain(nonlinearity) / sqrt(fan), fan chosen by `mode`."""
    raise NotImplementedError("kaiming_normal is not written yet")


def make_weights(scheme, depth, width, seed, nonlinearity="relu"):
    """`depth` (width, width) weights drawn one after the other from torch.Generator().manual_seed(seed);
    scheme: xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal or small (N(0, 0.01^2))."""
    raise NotImplementedError("make_weights is not written yet")


def layer_statistics(weights, activation, x):
    """h_0 = x, h_i = activation(h_{i-1} @ W_i.T), loss = (h_L ** 2).mean(); return
    {"activation_std": [...], "grad_norm": [...], "loss": float} (one value per layer)."""
    raise NotImplementedError("layer_statistics is not written yet")


def clip_grad_norm(grads, max_norm):
    """Scale every gradient by max_norm / (total_norm + 1e-6) when that is below 1, where total_norm is the
    norm of all the gradients together; return (clipped gradients, total_norm before clipping)."""
    raise NotImplementedError("clip_grad_norm is not written yet")
