"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and a few rules it states. The hidden grader checks more
(other shapes and dtypes, extreme values, random masks of every kind, with batch and head dimensions).
"""

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import mask_to_bias, scaled_dot_product_attention, softmax  # noqa: E402

Q = torch.tensor([[1.0, 0.0]])
K = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
V = torch.tensor([[10.0], [20.0]])
INF = float("inf")


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


def test_softmax_example_with_a_row_of_only_minus_inf():
    got = softmax(torch.tensor([[-INF, -INF], [0.0, -INF]]))
    assert not torch.isnan(got).any(), (
        f"softmax of [[-inf, -inf], [0, -inf]] returned {got}: a slice of only -inf must give zeros, not nan "
        "(its max is -inf, and -inf - (-inf) is nan; its exponentials also sum to 0)"
    )
    assert torch.equal(got, torch.tensor([[0.0, 0.0], [1.0, 0.0]])), f"got {got}, expected [[0., 0.], [1., 0.]]"


def test_mask_to_bias_examples():
    got = mask_to_bias(torch.tensor([[False, True]]))
    assert got.dtype == torch.float32 and torch.equal(got, torch.tensor([[-INF, 0.0]])), (
        f"mask_to_bias(torch.tensor([[False, True]])) returned {got}, expected tensor([[-inf, 0.]]) in float32"
    )
    bias = torch.tensor([0.5, -INF, -2.0])
    got = mask_to_bias(bias, dtype=torch.float64)
    assert got.dtype == torch.float64 and torch.equal(got, bias.double()), (
        f"mask_to_bias(float bias {bias.tolist()}, dtype=torch.float64) returned {got}: a floating-point mask "
        "comes back unchanged, in the dtype asked for"
    )


def test_example_without_mask():
    out, w = scaled_dot_product_attention(Q, K, V)
    assert torch.allclose(w, torch.tensor([[0.6698, 0.3302]]), atol=1e-4), (
        f"the weights are {w}, expected [[0.6698, 0.3302]] = softmax([1/sqrt(2), 0]): divide the scores by sqrt(d), d = 2"
    )
    assert torch.allclose(out, torch.tensor([[13.3024]]), atol=1e-3), f"the output is {out}, expected [[13.3024]]"


def test_examples_with_boolean_and_float_masks():
    out, w = scaled_dot_product_attention(Q, K, V, attn_mask=torch.tensor([[False, True]]))
    assert torch.allclose(w, torch.tensor([[0.0, 1.0]])), (
        f"with attn_mask [[False, True]] the weights are {w}, expected [[0., 1.]]: add -inf to the masked scores "
        "before the softmax, so the remaining weights still sum to 1"
    )
    assert torch.allclose(out, torch.tensor([[20.0]])), f"with attn_mask [[False, True]] the output is {out}, expected [[20.]]"
    out, w = scaled_dot_product_attention(Q, K, V, attn_mask=torch.tensor([[-0.7071, 0.0]]))
    assert torch.allclose(w, torch.tensor([[0.5, 0.5]]), atol=1e-4), (
        f"with the float attn_mask [[-0.7071, 0.]] the weights are {w}, expected [[0.5, 0.5]]: add the bias to the "
        "scores after scaling them (1/sqrt(2) - 0.7071 is about 0)"
    )
    assert torch.allclose(out, torch.tensor([[15.0]]), atol=1e-3), f"the output is {out}, expected [[15.]]"


def test_example_with_key_padding():
    x = torch.zeros(2, 3, 4)
    pad = torch.tensor([[True, True, True], [True, False, False]])
    out, w = scaled_dot_product_attention(x, x, x, key_padding_mask=pad)
    assert w.shape == (2, 3, 3), f"the weights have shape {tuple(w.shape)}, expected (2, 3, 3)"
    assert torch.allclose(w[1], torch.tensor([[1.0, 0.0, 0.0]] * 3)), (
        f"sequence 1 has a single real token, so every query should put all its weight on key 0; got\n{w[1]}"
    )
    assert torch.allclose(w[0], torch.full((3, 3), 1 / 3)), f"sequence 0 has no padding: the weights should be 1/3, got\n{w[0]}"


def test_batch_and_head_dimensions_match_pytorch():
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
    mask = torch.tril(torch.ones(4, 5, dtype=torch.bool))
    mask[2] = False  # query 2 may look at nothing
    out, w = scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.3)
    want = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.3)
    assert not torch.isnan(out).any(), f"{call} with a fully masked query row gave nan: that row should be all zeros"
    assert torch.allclose(out, want, atol=1e-5), (
        f"{call} with a boolean attn_mask (query 2 fully masked) and scale=0.3 differs from PyTorch's result"
    )


def test_keeps_float64():
    out, w = scaled_dot_product_attention(Q.double(), K.double(), V.double())
    assert out.dtype == torch.float64 and w.dtype == torch.float64, (
        f"float64 inputs gave output {out.dtype} and weights {w.dtype}, expected float64 for both"
    )
