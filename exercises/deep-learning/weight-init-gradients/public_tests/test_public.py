"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples, compare your initialisers with torch.nn.init's statistics and your
clipping with torch.nn.utils.clip_grad_norm_ on small problems of their own. The hidden grader draws other
shapes, seeds and gradients for each submission.
"""

import math
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    calculate_gain,
    clip_grad_norm,
    fans,
    kaiming_normal,
    kaiming_uniform,
    layer_statistics,
    make_weights,
    xavier_normal,
    xavier_uniform,
)


def test_statement_fans_and_gains():
    assert fans((64, 3, 5, 5)) == (75, 1600)
    assert fans((10, 20)) == (20, 10), "a Linear weight is (out_features, in_features)"
    assert calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError):
        fans((5,))


@pytest.mark.parametrize(
    "mine, theirs, kwargs",
    [
        (xavier_uniform, torch.nn.init.xavier_uniform_, {"gain": 1.5}),
        (xavier_normal, torch.nn.init.xavier_normal_, {}),
        (kaiming_uniform, torch.nn.init.kaiming_uniform_, {"nonlinearity": "relu", "mode": "fan_out"}),
        (kaiming_normal, torch.nn.init.kaiming_normal_, {"nonlinearity": "relu", "mode": "fan_in"}),
    ],
    ids=["xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"],
)
@pytest.mark.parametrize("shape", [(400, 100), (32, 96, 3, 3)], ids=["linear", "conv"])
def test_same_statistics_as_torch_nn_init(mine, theirs, kwargs, shape):
    got = mine(shape, generator=torch.Generator().manual_seed(0), **kwargs)
    want = theirs(torch.empty(shape), generator=torch.Generator().manual_seed(1), **kwargs)
    assert got.shape == torch.Size(shape) and got.dtype == torch.float32
    assert got.std().item() == pytest.approx(want.std().item(), rel=0.04), "the standard deviation is off"
    if "uniform" in mine.__name__:
        assert got.abs().max().item() == pytest.approx(want.abs().max().item(), rel=0.01), "the bound a of U(-a, a) is off"


def test_generator_is_used():
    a = kaiming_normal((30, 30), generator=torch.Generator().manual_seed(3))
    b = kaiming_normal((30, 30), generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b), "two generators seeded alike should give the same weights"


def test_statement_deep_network_example():
    x = torch.randn(64, 128, generator=torch.Generator().manual_seed(1))
    he = layer_statistics(make_weights("kaiming_normal", 12, 128, seed=0), "relu", x)
    assert len(he["activation_std"]) == 12 and len(he["grad_norm"]) == 12
    assert 0.5 < he["activation_std"][-1] / he["activation_std"][0] < 2, "He init should keep a ReLU network's signal steady"
    sigmoid = layer_statistics(make_weights("xavier_normal", 12, 128, seed=0), "sigmoid", x)
    assert sigmoid["grad_norm"][0] < 1e-6 * sigmoid["grad_norm"][-1], "the sigmoid network's gradient should vanish"


def test_layer_statistics_small():
    torch.manual_seed(0)
    weights = [torch.randn(5, 4) * 0.5, torch.randn(3, 5) * 0.5]
    x = torch.randn(6, 4)
    got = layer_statistics(weights, "tanh", x)
    params = [w.clone().requires_grad_(True) for w in weights]
    h1 = torch.tanh(x @ params[0].T)
    h2 = torch.tanh(h1 @ params[1].T)
    loss = (h2**2).mean()
    loss.backward()
    assert got["activation_std"] == pytest.approx([h1.std().item(), h2.std().item()], rel=1e-5)
    assert got["grad_norm"] == pytest.approx([p.grad.norm().item() for p in params], rel=1e-5)
    assert got["loss"] == pytest.approx(loss.item(), rel=1e-5)


@pytest.mark.parametrize("max_norm", [6.5, 20.0, 12.9])
def test_clip_matches_torch(max_norm):
    grads = [torch.tensor([3.0, 4.0]), torch.tensor([[0.0, 12.0]])]
    clipped, total = clip_grad_norm(grads, max_norm)
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=False):
        p.grad = g.clone()
    want_total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    assert total == pytest.approx(float(want_total))
    for mine, p in zip(clipped, params, strict=False):
        assert torch.allclose(mine, p.grad), f"max_norm={max_norm}: got {clipped}, torch gives {[q.grad for q in params]}"
