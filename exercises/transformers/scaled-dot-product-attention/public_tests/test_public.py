"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and a few rules it states. The hidden grader checks more
(other shapes and dtypes, extreme values, masks with batch and head dimensions).
"""

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import scaled_dot_product_attention, softmax  # noqa: E402

Q = torch.tensor([[1.0, 0.0]])
K = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
V = torch.tensor([[10.0], [20.0]])


def test_softmax_is_stable_and_follows_dim():
    got = softmax(torch.tensor([1000.0, 1000.0]))
    assert torch.allclose(got, torch.tensor([0.5, 0.5])), (
        f"softmax(torch.tensor([1000.0, 1000.0])) returned {got}, expected [0.5, 0.5]: subtract the largest value "
        "before calling exp, or exp(1000) overflows to inf and inf / inf is nan"
    )
    x = torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    got = softmax(x, dim=0)
    assert got.shape == x.shape and torch.allclose(got, torch.softmax(x, dim=0), atol=1e-6), (
        f"softmax(x, dim=0) returned\n{got}\nexpected\n{torch.softmax(x, dim=0)}\n(normalise along the dimension dim)"
    )


def test_example_without_mask():
    out, w = scaled_dot_product_attention(Q, K, V)
    assert torch.allclose(w, torch.tensor([[0.6698, 0.3302]]), atol=1e-4), (
        f"the weights are {w}, expected [[0.6698, 0.3302]] = softmax([1/sqrt(2), 0]): divide the scores by sqrt(d), d = 2"
    )
    assert torch.allclose(out, torch.tensor([[13.3024]]), atol=1e-3), f"the output is {out}, expected [[13.3024]]"


def test_example_with_mask():
    out, w = scaled_dot_product_attention(Q, K, V, mask=torch.tensor([[False, True]]))
    assert torch.allclose(w, torch.tensor([[0.0, 1.0]])), (
        f"with mask [[False, True]] the weights are {w}, expected [[0., 1.]]: set the masked scores to -inf "
        "before the softmax, so the remaining weights still sum to 1"
    )
    assert torch.allclose(out, torch.tensor([[20.0]])), f"with mask [[False, True]] the output is {out}, expected [[20.]]"


def test_batch_and_head_dimensions():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 4, 6), torch.randn(2, 3, 5, 6), torch.randn(2, 3, 5, 2)
    call = "scaled_dot_product_attention(q (2, 3, 4, 6), k (2, 3, 5, 6), v (2, 3, 5, 2))"
    try:
        out, w = scaled_dot_product_attention(q, k, v)
    except RuntimeError as error:
        raise AssertionError(
            f"{call} raised RuntimeError: {error}. With batch and head dimensions, transpose only the last two "
            "dimensions of k: k.transpose(-2, -1)"
        ) from error
    assert w.shape == (2, 3, 4, 5), f"{call}: the weights have shape {tuple(w.shape)}, expected (2, 3, 4, 5)"
    want = F.scaled_dot_product_attention(q, k, v)
    assert out.shape == want.shape and torch.allclose(out, want, atol=1e-5), (
        f"{call}: the output differs from torch.nn.functional.scaled_dot_product_attention "
        "(scores = q @ k^T / sqrt(d), with only the last two dimensions of k transposed)"
    )


def test_keeps_float64():
    out, w = scaled_dot_product_attention(Q.double(), K.double(), V.double())
    assert out.dtype == torch.float64 and w.dtype == torch.float64, (
        f"float64 inputs gave output {out.dtype} and weights {w.dtype}, expected float64 for both"
    )
