"""Hidden grader for transformers/scaled-dot-product-attention."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from gradient_grader import assert_close, points, shows_expected


def _tensor(rng, *shape, dtype=torch.float64, scale=1.0):
    return torch.from_numpy(rng.normal(0.0, scale, size=shape)).to(dtype)


def _pair(got, call):
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"{call} should return a tuple (output, weights), got {type(got).__name__}: {got!r:.200}"
    )
    out, weights = got
    for name, value in (("output", out), ("weights", weights)):
        assert isinstance(value, torch.Tensor), (
            f"{call}: {name} should be a torch.Tensor, got {type(value).__name__}"
        )
    return out, weights


def _no_nan(value, call):
    arr = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    assert np.isfinite(arr).all(), f"{call} contains nan or inf: {arr!r:.300}"


@points(1)
def test_softmax_matches_torch(student, rng):
    x = _tensor(rng, 3, 4, 5)
    for dim in (-1, 0, 1):
        call = f"softmax(x of shape (3, 4, 5), dim={dim})"
        got = student.softmax(x, dim=dim)
        assert isinstance(got, torch.Tensor), f"{call} should return a torch.Tensor, got {type(got).__name__}"
        assert tuple(got.shape) == (3, 4, 5), f"{call} returned shape {tuple(got.shape)}, expected (3, 4, 5)"
        assert_close(got, torch.softmax(x, dim=dim), rtol=1e-6, atol=1e-9, what=call)
    got = student.softmax(x[0, 0])
    assert_close(got, torch.softmax(x[0, 0], dim=-1), rtol=1e-6, atol=1e-9,
                 what="softmax(x of shape (5,)) with the default dim=-1")


@points(2)
def test_softmax_is_stable(student):
    cases = [
        [1000.0, 1001.0, 1002.0],
        [-1000.0, -1000.0, -1001.0],
        [88.0, 89.0, 90.0, -90.0],
        [3.0e4, 0.0, -3.0e4],
    ]
    for values in cases:
        x = torch.tensor(values, dtype=torch.float32)
        call = f"softmax(torch.tensor({values}))"
        got = student.softmax(x)
        _no_nan(got, call + " (subtract the maximum before calling exp)")
        assert_close(got, torch.softmax(x.double(), dim=-1), rtol=1e-5, atol=1e-7, what=call)
    x = torch.tensor([[0.0, float("-inf"), 1.0], [5.0, 5.0, float("-inf")]], dtype=torch.float32)
    call = "softmax of [[0, -inf, 1], [5, 5, -inf]]"
    got = student.softmax(x)
    _no_nan(got, call)
    assert_close(got, torch.softmax(x, dim=-1), rtol=1e-6, atol=1e-7,
                 what=call + " (-inf entries get weight 0)")


@points(2)
def test_attention_single_sequence(student, rng):
    q, k, v = _tensor(rng, 4, 8), _tensor(rng, 6, 8), _tensor(rng, 6, 8)
    call = "scaled_dot_product_attention(q (4, 8), k (6, 8), v (6, 8))"
    out, weights = _pair(student.scaled_dot_product_attention(q, k, v), call)
    expected_w = torch.softmax(q @ k.T / math.sqrt(8), dim=-1)
    assert tuple(weights.shape) == (4, 6), f"{call}: weights have shape {tuple(weights.shape)}, expected (4, 6)"
    assert tuple(out.shape) == (4, 8), f"{call}: output has shape {tuple(out.shape)}, expected (4, 8)"
    assert_close(weights, expected_w, rtol=1e-6, atol=1e-9, what=f"{call}: weights")
    assert_close(out, expected_w @ v, rtol=1e-6, atol=1e-9, what=f"{call}: output")


@points(2)
def test_attention_with_batch_and_heads(student, rng):
    for q_shape, k_shape, v_shape in (
        ((2, 3, 5, 16), (2, 3, 7, 16), (2, 3, 7, 4)),
        ((3, 9, 6), (3, 4, 6), (3, 4, 10)),
    ):
        q, k, v = _tensor(rng, *q_shape), _tensor(rng, *k_shape), _tensor(rng, *v_shape)
        call = f"scaled_dot_product_attention(q {q_shape}, k {k_shape}, v {v_shape})"
        out, weights = _pair(student.scaled_dot_product_attention(q, k, v), call)
        want_out = F.scaled_dot_product_attention(q, k, v)
        weights_shape = q_shape[:-1] + (k_shape[-2],)
        assert tuple(weights.shape) == weights_shape, (
            f"{call}: weights have shape {tuple(weights.shape)}, expected {weights_shape} "
            "(transpose only the last two dimensions of k)"
        )
        assert tuple(out.shape) == tuple(want_out.shape), (
            f"{call}: output has shape {tuple(out.shape)}, expected {tuple(want_out.shape)}"
        )
        assert_close(out, want_out, rtol=1e-6, atol=1e-9,
                     what=f"{call}: output (compared with torch.nn.functional.scaled_dot_product_attention)")


@shows_expected
@points(1)
def test_scale_is_sqrt_of_key_size(student):
    d = 64
    q = torch.full((1, d), 0.25, dtype=torch.float64)
    k = torch.stack([torch.full((d,), 0.25), torch.zeros(d)]).to(torch.float64)
    v = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
    # q.k = 4 for the first key and 0 for the second; divided by sqrt(64) = 8 the scores are [0.5, 0].
    call = "scaled_dot_product_attention(q, k, v) with d = 64 and raw scores q.k = [4, 0]"
    out, weights = _pair(student.scaled_dot_product_attention(q, k, v), call)
    expected = torch.softmax(torch.tensor([[0.5, 0.0]], dtype=torch.float64), dim=-1)
    assert_close(weights, expected, rtol=1e-6, atol=1e-9,
                 what=f"{call}: weights (the scores should be [4/sqrt(64), 0] = [0.5, 0] before the softmax)")


@points(2)
def test_boolean_mask(student, rng):
    q, k, v = _tensor(rng, 2, 2, 5, 8), _tensor(rng, 2, 2, 6, 8), _tensor(rng, 2, 2, 6, 3)
    mask = torch.from_numpy(rng.random((2, 1, 5, 6)) < 0.5)
    mask[..., 0] = True  # every query may look at least at the first key
    call = "scaled_dot_product_attention(q (2, 2, 5, 8), k (2, 2, 6, 8), v (2, 2, 6, 3), mask (2, 1, 5, 6))"
    out, weights = _pair(student.scaled_dot_product_attention(q, k, v, mask=mask), call)
    _no_nan(weights, f"{call}: weights")
    full_mask = mask.expand(2, 2, 5, 6)
    masked = weights.detach()[~full_mask]
    assert torch.all(masked == 0), (
        f"{call}: keys where the mask is False should get weight exactly 0, got weights up to "
        f"{float(masked.abs().max()):.4g}"
    )
    assert_close(weights.sum(-1), torch.ones(2, 2, 5, dtype=torch.float64), rtol=1e-6, atol=1e-9,
                 what=f"{call}: the sum of each row of weights (the allowed weights must still sum to 1)")
    want = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert_close(out, want, rtol=1e-6, atol=1e-9,
                 what=f"{call}: output (compared with torch.nn.functional.scaled_dot_product_attention)")

    q1, k1, v1 = _tensor(rng, 3, 4), _tensor(rng, 3, 4), _tensor(rng, 3, 2)
    causal = torch.tril(torch.ones(3, 3, dtype=torch.bool))
    call = "scaled_dot_product_attention(q (3, 4), k (3, 4), v (3, 2), mask = lower-triangular (3, 3))"
    out, weights = _pair(student.scaled_dot_product_attention(q1, k1, v1, mask=causal), call)
    assert_close(out, F.scaled_dot_product_attention(q1, k1, v1, attn_mask=causal), rtol=1e-6, atol=1e-9,
                 what=f"{call}: output")
