"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked examples from the statement and compare your optimisers with torch.optim on one small
problem of their own (the tests may use torch.optim; your solution may not). The hidden grader draws other
problems and hyperparameters for each submission and checks the edge cases too.
"""

import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import SGD, Adam, AdamW, mlp_loss, train_classifier, trajectory  # noqa: E402

TORCH = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def steps_on_square(optimiser_class, n, **hyper):
    """Minimise p ** 2 from p = 1 for n steps; return p after each step."""
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    optimiser = optimiser_class([p], **hyper)
    values = []
    for _ in range(n):
        optimiser.zero_grad()
        (p**2).sum().backward()
        optimiser.step()
        values.append(p.item())
    return values


def test_statement_sgd_momentum_example():
    got = steps_on_square(SGD, 2, lr=0.1, momentum=0.9)
    assert got == pytest.approx([0.8, 0.46]), f"SGD(lr=0.1, momentum=0.9) on p**2 gave {got}, expected [0.8, 0.46]"


def test_statement_adam_examples():
    got = steps_on_square(Adam, 1, lr=0.1)
    assert got == pytest.approx([0.9]), (
        f"Adam(lr=0.1) moved p from 1.0 to {got[0]}; expected 0.9 (with bias correction the first step is lr)"
    )
    got = steps_on_square(AdamW, 1, lr=0.1, weight_decay=0.1)
    assert got == pytest.approx([0.89]), f"AdamW(lr=0.1, weight_decay=0.1) gave {got[0]}, expected 1.0 * (1 - 0.01) - 0.1 = 0.89"
    got = steps_on_square(Adam, 1, lr=0.1, weight_decay=0.1)
    assert got == pytest.approx([0.9]), f"Adam(lr=0.1, weight_decay=0.1) gave {got[0]}, expected 0.9 (L2 goes through the gradient)"


def test_zero_grad_sets_none_and_generators_work():
    layer = torch.nn.Linear(3, 2)
    optimiser = SGD(layer.parameters(), lr=0.1)  # a generator, read once
    layer(torch.ones(1, 3)).sum().backward()
    before = layer.weight.detach().clone()
    optimiser.step()
    assert not torch.equal(layer.weight, before), "step() did not change the weights of model.parameters()"
    optimiser.zero_grad()
    assert layer.weight.grad is None, "zero_grad() should set .grad to None"


def small_problem():
    generator = torch.Generator().manual_seed(0)

    def normal(*shape):
        return torch.randn(*shape, generator=generator, dtype=torch.float64)

    init = [normal(4, 2) * 0.8, normal(4) * 0.2, normal(1, 4) * 0.5, normal(1) * 0.1]
    X = normal(20, 2)
    y = torch.sin(2 * X[:, :1]) - 0.5 * X[:, 1:]
    return init, X, y


def torch_trajectory(name, hyper, init, X, y, steps):
    params = [t.clone().requires_grad_(True) for t in init]
    optimiser = TORCH[name](params, **hyper)
    snapshots = []
    for _ in range(steps):
        optimiser.zero_grad()
        mlp_loss(params, X, y).backward()
        optimiser.step()
        snapshots.append([p.detach().clone() for p in params])
    return snapshots


@pytest.mark.parametrize(
    "name, hyper",
    [
        ("sgd", {"lr": 0.1, "momentum": 0.8}),
        ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        ("adam", {"lr": 0.02, "betas": (0.8, 0.99)}),
        ("adamw", {"lr": 0.02, "weight_decay": 0.3}),
    ],
    ids=["momentum", "nesterov", "adam", "adamw"],
)
def test_trajectory_agrees_with_torch_optim(name, hyper):
    init, X, y = small_problem()
    originals = [t.clone() for t in init]
    got = trajectory(name, hyper, init, X, y, 10)
    want = torch_trajectory(name, hyper, init, X, y, 10)
    assert len(got) == 10, f"expected 10 snapshots, got {len(got)}"
    for step, (mine, theirs) in enumerate(zip(got, want, strict=True), start=1):
        assert len(mine) == 4, f"snapshot {step} should hold the 4 parameters, got {len(mine)}"
        for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert torch.allclose(a, b, rtol=1e-6, atol=1e-9), (
                f"{name} {hyper}: after step {step}, parameter {index} differs from torch.optim by up to "
                f"{float((a - b).abs().max()):.3g}"
            )
    assert all(torch.equal(a, b) for a, b in zip(init, originals, strict=True)), "trajectory changed the tensors of `init`"


def test_classifier_trains():
    generator = torch.Generator().manual_seed(1)
    X = torch.randn(200, 2, generator=generator)
    y = (X[:, 0] * X[:, 1] > 0).long()
    model, losses = train_classifier("adam", {"lr": 0.05}, X, y, steps=100, hidden=16, seed=0)
    assert len(losses) == 100, f"expected one loss per step (100), got {len(losses)}"
    assert losses[-1] < losses[0] / 2, f"the loss went from {losses[0]:.3f} to {losses[-1]:.3f}; expected it to halve"
    assert model.training is False, "train_classifier should return the model in evaluation mode"
