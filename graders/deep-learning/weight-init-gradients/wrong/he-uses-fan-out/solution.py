"""Weight initialisation and gradient flow: Xavier/Glorot and He/Kaiming by hand, per-layer statistics
of a deep MLP, and gradient clipping by the global norm."""

import math

import torch

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}


def fans(shape):
    """(fan_in, fan_out) of a weight of this shape: (out, in) for Linear, (out, in, *kernel) for convolutions."""
    shape = tuple(int(n) for n in shape)
    if len(shape) < 2:
        raise ValueError(f"fan_in and fan_out need a shape of at least 2 dimensions, got {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def calculate_gain(nonlinearity):
    """The gain recommended for a nonlinearity: linear/sigmoid 1, tanh 5/3, relu sqrt(2)."""
    if nonlinearity not in GAINS:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}; expected one of {sorted(GAINS)}")
    return GAINS[nonlinearity]


def _uniform(shape, bound, generator):
    return torch.empty(tuple(shape)).uniform_(-bound, bound, generator=generator)


def _normal(shape, std, generator):
    return torch.empty(tuple(shape)).normal_(0.0, std, generator=generator)


def xavier_uniform(shape, gain=1.0, generator=None):
    fan_in, fan_out = fans(shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _uniform(shape, math.sqrt(3.0) * std, generator)


def xavier_normal(shape, gain=1.0, generator=None):
    fan_in, fan_out = fans(shape)
    return _normal(shape, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(shape, nonlinearity, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fans(shape)
    fan = fan_out  # "the number of units the signal goes to"
    return calculate_gain(nonlinearity) / math.sqrt(fan)


def kaiming_uniform(shape, nonlinearity="relu", mode="fan_in", generator=None):
    return _uniform(shape, math.sqrt(3.0) * _kaiming_std(shape, nonlinearity, mode), generator)


def kaiming_normal(shape, nonlinearity="relu", mode="fan_in", generator=None):
    return _normal(shape, _kaiming_std(shape, nonlinearity, mode), generator)


def make_weights(scheme, depth, width, seed, nonlinearity="relu"):
    """`depth` square (width, width) weights drawn one after the other from one seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    shape = (width, width)
    makers = {
        "xavier_uniform": lambda: xavier_uniform(shape, generator=generator),
        "xavier_normal": lambda: xavier_normal(shape, generator=generator),
        "kaiming_uniform": lambda: kaiming_uniform(shape, nonlinearity, generator=generator),
        "kaiming_normal": lambda: kaiming_normal(shape, nonlinearity, generator=generator),
        "small": lambda: _normal(shape, 0.01, generator),
    }
    if scheme not in makers:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {sorted(makers)}")
    return [makers[scheme]() for _ in range(depth)]


def layer_statistics(weights, activation, x):
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
    act = ACTIVATIONS[activation]
    params = [w.detach().clone().requires_grad_(True) for w in weights]
    h = x
    stds = []
    for w in params:
        h = act(h @ w.T)
        stds.append(h.std().item())
    loss = (h**2).mean()
    loss.backward()
    return {"activation_std": stds, "grad_norm": [w.grad.norm().item() for w in params], "loss": loss.item()}


def clip_grad_norm(grads, max_norm):
    if max_norm <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    total = math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads))
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        return [g * scale for g in grads], total
    return [g.clone() for g in grads], total
