"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement, plus one uneven chunking. The hidden grader checks more
(random inputs of other sizes, compared with exact formulas).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    accumulated_gradient,
    derivative,
    linear_regression_grads,
    normalised_gradient,
    sgd_steps,
)

X = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
Y = torch.tensor([1.0, 2.0])


def close(got, want, atol=1e-4):
    return isinstance(got, torch.Tensor) and got.shape == want.shape and torch.allclose(got.double(), want.double(), atol=atol)


def test_derivative_example():
    got = derivative(torch.tensor([0.0, 1.0, 2.0]))
    want = torch.tensor([0.0, 2.2232, 1.9726])
    assert close(got, want), f"derivative(tensor([0., 1., 2.])) should be about {want}, got {got}"


def test_linear_regression_grads_example():
    grad_w, grad_b = linear_regression_grads(X, Y, torch.tensor([0.5, -0.5]), torch.tensor([0.0]))
    assert close(grad_w, torch.tensor([-9.0, -13.0])), f"dloss/dw should be tensor([-9., -13.]), got {grad_w}"
    assert close(grad_b, torch.tensor([-4.0])), f"dloss/db should be tensor([-4.]) (shape (1,)), got {grad_b}"


def test_sgd_steps_example():
    params, losses = sgd_steps(X, Y, lr=0.01, steps=3)
    assert isinstance(losses, list) and all(isinstance(v, float) for v in losses), (
        f"losses should be a list of Python floats (loss.item()), got {losses!r}"
    )
    assert [round(v, 4) for v in losses] == [2.5, 1.1698, 0.5478], (
        f"sgd_steps(X, y, lr=0.01, steps=3) recorded losses {[round(v, 4) for v in losses]}, expected "
        "[2.5, 1.1698, 0.5478] (is .grad reset after each update?)"
    )
    assert isinstance(params, torch.Tensor) and tuple(params.shape) == (3,), (
        f"params should be torch.cat([w, b]), a tensor of shape (3,), got {params!r}"
    )


def test_accumulated_gradient_example_and_uneven_chunks():
    got = accumulated_gradient(X, Y, torch.tensor([0.5, -0.5]), chunk_size=1)
    assert close(got, torch.tensor([-9.0, -13.0])), (
        f"accumulated_gradient(X, y, w, chunk_size=1) should equal the full-batch gradient tensor([-9., -13.]), got {got} "
        "(what should each chunk's loss be divided by?)"
    )
    # 5 rows in chunks of 2: the last chunk has a single row.
    X5 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0], [0.5, 0.5]])
    y5 = torch.tensor([1.0, 0.0, 2.0, -1.0, 0.0])
    w = torch.tensor([0.2, -0.3])
    want = 2 * X5.T @ (X5 @ w - y5) / 5  # the gradient of the full-batch mean((X @ w - y)^2)
    got = accumulated_gradient(X5, y5, w, chunk_size=2)
    assert close(got, want), f"with 5 rows in chunks of 2 the result should be the full-batch gradient {want}, got {got}"


def test_normalised_gradient_example():
    got = normalised_gradient(torch.tensor([3.0, 4.0]), torch.tensor([1.0, 0.0]))
    assert close(got, torch.tensor([0.2, 0.0])), (
        f"normalised_gradient(tensor([3., 4.]), tensor([1., 0.])) should be tensor([0.2, 0.0]), got {got} "
        "(is the norm detached?)"
    )
