"""Hidden grader for transformers/scaled-dot-product-attention.

Inputs are drawn per submission (submission_rng); expected values come from torch.softmax and
torch.nn.functional.scaled_dot_product_attention (which, in the image's torch, also gives zeros for fully
masked rows), computed here in float64.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from gradient_grader import StudentError, assert_close, points, shows_expected, submission_rng

SLUG = "transformers/scaled-dot-product-attention"
NEG_INF = float("-inf")


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


def _tensor(rng, *shape, dtype=torch.float64, scale=1.0):
    return torch.from_numpy(rng.normal(0.0, scale, size=shape)).to(dtype)


def _pair(got, call):
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"{call} should return a tuple (output, weights), got {type(got).__name__}: {got!r:.200}"
    )
    out, weights = got
    for name, value in (("output", out), ("weights", weights)):
        assert isinstance(value, torch.Tensor), f"{call}: {name} should be a torch.Tensor, got {type(value).__name__}"
    return out, weights


def _finite(value, call):
    arr = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    bad = int((~np.isfinite(arr)).sum())
    assert bad == 0, f"{call} contains {bad} nan or inf values (of {arr.size}): {arr!r:.300}"


def _attend(student, call, q, k, v, **kwargs):
    out, weights = _pair(student.scaled_dot_product_attention(q, k, v, **kwargs), call)
    weights_shape = tuple(q.shape[:-1]) + (k.shape[-2],)
    output_shape = tuple(q.shape[:-1]) + (v.shape[-1],)
    assert tuple(weights.shape) == weights_shape, (
        f"{call}: weights have shape {tuple(weights.shape)}, expected {weights_shape} (..., Lq, Lk)"
    )
    assert tuple(out.shape) == output_shape, f"{call}: output has shape {tuple(out.shape)}, expected {output_shape}"
    return out, weights


@points(1)
def test_softmax_matches_torch(student):
    rng = _rng("softmax")
    x = _tensor(rng, 3, 4, 5, scale=2.0)
    for dim in (-1, 0, 1):
        call = f"softmax(x of shape (3, 4, 5), dim={dim})"
        got = student.softmax(x, dim=dim)
        assert isinstance(got, torch.Tensor), f"{call} should return a torch.Tensor, got {type(got).__name__}"
        assert tuple(got.shape) == (3, 4, 5), f"{call} returned shape {tuple(got.shape)}, expected (3, 4, 5)"
        assert_close(got, torch.softmax(x, dim=dim), rtol=1e-6, atol=1e-9, what=call)
    got = student.softmax(x[0, 0])
    assert_close(got, torch.softmax(x[0, 0], dim=-1), rtol=1e-6, atol=1e-9,
                 what="softmax(x of shape (5,)) with the default dim=-1")


@points(1)
def test_softmax_is_stable(student):
    rng = _rng("stable")
    offset = float(rng.uniform(500.0, 3000.0))
    cases = [
        [offset, offset + 1.0, offset + 2.0],
        [-offset, -offset, -offset - 1.0],
        [88.0, 89.0, 90.0, -90.0],
        [3.0e4, 0.0, -3.0e4],
    ]
    for values in cases:
        x = torch.tensor(values, dtype=torch.float32)
        call = f"softmax(torch.tensor({values}))"
        got = student.softmax(x)
        _finite(got, call + " (subtract the largest value before calling exp)")
        assert_close(got, torch.softmax(x.double(), dim=-1), rtol=1e-5, atol=1e-7, what=call)
    x = torch.tensor([[0.0, NEG_INF, 1.0], [5.0, 5.0, NEG_INF]], dtype=torch.float32)
    call = "softmax of [[0, -inf, 1], [5, 5, -inf]]"
    got = student.softmax(x)
    _finite(got, call)
    assert_close(got, torch.softmax(x, dim=-1), rtol=1e-6, atol=1e-7, what=call + " (-inf entries get weight 0)")


@points(1)
def test_softmax_all_inf_slice_is_zero(student):
    rng = _rng("all-inf")
    x = _tensor(rng, 4, 6)
    rows = sorted(rng.choice(4, size=2, replace=False).tolist())
    x[rows] = NEG_INF
    x[[r for r in range(4) if r not in rows][0], 2] = NEG_INF
    call = f"softmax(x (4, 6)) where rows {rows} are all -inf"
    got = student.softmax(x)
    _finite(got, call + ": a slice of only -inf must give zeros, never nan (its max is -inf, and -inf - -inf is nan)")
    assert torch.all(got[rows] == 0), f"{call}: the all -inf rows should be exactly 0, got {got[rows].tolist()}"
    keep = [r for r in range(4) if r not in rows]
    assert_close(got[keep], torch.softmax(x[keep], dim=-1), rtol=1e-6, atol=1e-9,
                 what=f"{call}: the other rows (unchanged by the all -inf ones)")
    y = x.T.contiguous()
    call = f"softmax(x (6, 4), dim=0) where columns {rows} are all -inf"
    got = student.softmax(y, dim=0)
    _finite(got, call)
    assert torch.all(got[:, rows] == 0), f"{call}: the all -inf columns should be exactly 0"
    assert_close(got[:, keep], torch.softmax(y[:, keep], dim=0), rtol=1e-6, atol=1e-9, what=f"{call}: the other columns")


@points(1)
def test_mask_to_bias(student):
    rng = _rng("bias")
    mask = torch.from_numpy(rng.random((3, 4, 5)) < 0.5)
    call = "mask_to_bias(boolean mask (3, 4, 5))"
    got = student.mask_to_bias(mask)
    assert isinstance(got, torch.Tensor), f"{call} should return a torch.Tensor, got {type(got).__name__}"
    assert got.dtype == torch.float32, f"{call} returned dtype {got.dtype}, expected the default torch.float32"
    assert tuple(got.shape) == (3, 4, 5), f"{call} returned shape {tuple(got.shape)}, expected (3, 4, 5)"
    assert torch.all(got[mask] == 0), f"{call}: where the mask is True (may attend) the bias should be 0.0"
    assert torch.all(got[~mask] == NEG_INF), (
        f"{call}: where the mask is False (may not attend) the bias should be -inf, got values "
        f"{sorted(set(got[~mask].tolist()))[:5]}"
    )
    bias = torch.from_numpy(rng.normal(0.0, 2.0, size=(4, 5))).float()
    bias[0, int(rng.integers(5))] = NEG_INF
    call = "mask_to_bias(float32 bias (4, 5) holding finite values and one -inf)"
    got = student.mask_to_bias(bias)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32, (
        f"{call} returned {getattr(got, 'dtype', type(got).__name__)}, expected a float32 tensor"
    )
    assert torch.equal(torch.isinf(got), torch.isinf(bias)), (
        f"{call}: the -inf entries moved or changed; a floating-point mask already is a bias (not booleans)"
    )
    finite = torch.isfinite(bias)
    assert_close(got[finite], bias[finite], rtol=0, atol=0,
                 what=f"{call}: a floating-point mask already is a bias and should come back unchanged")
    call = "mask_to_bias(float64 bias (2, 3) of zeros and -inf)"
    got = student.mask_to_bias(torch.tensor([[0.0, NEG_INF, 0.0], [NEG_INF, 0.0, 0.0]], dtype=torch.float64))
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32, (
        f"{call} returned {getattr(got, 'dtype', type(got).__name__)}, expected float32 (the default dtype)"
    )


@points(1)
def test_attention_single_sequence(student):
    rng = _rng("single")
    q, k, v = _tensor(rng, 4, 8), _tensor(rng, 6, 8), _tensor(rng, 6, 8)
    call = "scaled_dot_product_attention(q (4, 8), k (6, 8), v (6, 8))"
    out, weights = _attend(student, call, q, k, v)
    want_w = torch.softmax(q @ k.T / math.sqrt(8), dim=-1)
    assert_close(weights, want_w, rtol=1e-6, atol=1e-9, what=f"{call}: weights")
    assert_close(out, want_w @ v, rtol=1e-6, atol=1e-9, what=f"{call}: output")


@points(2)
def test_attention_with_batch_and_heads(student):
    rng = _rng("batch")
    for q_shape, k_shape, v_shape, dtype in (
        ((2, 3, 5, 16), (2, 3, 7, 16), (2, 3, 7, 4), torch.float64),
        ((3, 9, 6), (3, 4, 6), (3, 4, 10), torch.float64),
        ((2, 2, 3, 8), (2, 2, 3, 8), (2, 2, 3, 8), torch.float32),
    ):
        q, k, v = (_tensor(rng, *shape, dtype=dtype) for shape in (q_shape, k_shape, v_shape))
        call = f"scaled_dot_product_attention(q {q_shape}, k {k_shape}, v {v_shape}) in {dtype}"
        out, weights = _attend(student, call + " (transpose only the last two dimensions of k)", q, k, v)
        assert out.dtype == dtype and weights.dtype == dtype, (
            f"{call} returned output {out.dtype} and weights {weights.dtype}: keep the dtype of the inputs"
        )
        tol = 1e-9 if dtype == torch.float64 else 1e-5
        assert_close(out, F.scaled_dot_product_attention(q, k, v), rtol=tol, atol=tol,
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
    _, weights = _attend(student, call, q, k, v)
    want = torch.softmax(torch.tensor([[0.5, 0.0]], dtype=torch.float64), dim=-1)
    assert_close(weights, want, rtol=1e-6, atol=1e-9,
                 what=f"{call}: weights (the scores should be [4/sqrt(64), 0] = [0.5, 0] before the softmax)")
    call = "scaled_dot_product_attention(q, k, v, scale=0.25) with raw scores q.k = [4, 0]"
    _, weights = _attend(student, call, q, k, v, scale=0.25)
    want = torch.softmax(torch.tensor([[1.0, 0.0]], dtype=torch.float64), dim=-1)
    assert_close(weights, want, rtol=1e-6, atol=1e-9,
                 what=f"{call}: weights (with scale given, the scores are q.k * scale = [1, 0])")


@points(1)
def test_boolean_mask(student):
    rng = _rng("bool-mask")
    q, k, v = _tensor(rng, 2, 2, 5, 8), _tensor(rng, 2, 2, 6, 8), _tensor(rng, 2, 2, 6, 3)
    mask = torch.from_numpy(rng.random((2, 1, 5, 6)) < 0.5)
    mask[..., int(rng.integers(6))] = True  # every query may look at least at one key
    call = "scaled_dot_product_attention(q (2, 2, 5, 8), k (2, 2, 6, 8), v (2, 2, 6, 3), attn_mask=bool (2, 1, 5, 6))"
    out, weights = _attend(student, call, q, k, v, attn_mask=mask)
    _finite(weights, f"{call}: weights")
    masked = weights.detach()[~mask.expand(2, 2, 5, 6)]
    assert torch.all(masked == 0), (
        f"{call}: keys where the mask is False should get weight exactly 0, got weights up to "
        f"{float(masked.abs().max()):.4g}"
    )
    assert_close(weights.sum(-1), torch.ones(2, 2, 5, dtype=torch.float64), rtol=1e-6, atol=1e-9,
                 what=f"{call}: the sum of each row of weights (mask the scores BEFORE the softmax, so the allowed "
                      "weights still sum to 1)")
    assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), rtol=1e-6, atol=1e-9,
                 what=f"{call}: output (compared with torch.nn.functional.scaled_dot_product_attention)")
    q1, k1, v1 = _tensor(rng, 3, 4), _tensor(rng, 3, 4), _tensor(rng, 3, 2)
    causal = torch.tril(torch.ones(3, 3, dtype=torch.bool))
    call = "scaled_dot_product_attention(q (3, 4), k (3, 4), v (3, 2), attn_mask=lower-triangular bool (3, 3))"
    out, _ = _attend(student, call, q1, k1, v1, attn_mask=causal)
    assert_close(out, F.scaled_dot_product_attention(q1, k1, v1, attn_mask=causal), rtol=1e-6, atol=1e-9,
                 what=f"{call}: output")


@points(1)
def test_additive_mask(student):
    rng = _rng("float-mask")
    q, k, v = _tensor(rng, 2, 3, 4, 16), _tensor(rng, 2, 3, 6, 16), _tensor(rng, 2, 3, 6, 5)
    distance = torch.arange(4)[:, None] - torch.arange(6)[None, :]
    slope = float(rng.uniform(0.5, 1.5))
    bias = (-slope * distance.abs()).to(torch.float64)  # a distance penalty, finite everywhere
    bias[int(rng.integers(4)), int(rng.integers(1, 6))] = NEG_INF
    call = (f"scaled_dot_product_attention(q (2, 3, 4, 16), k (2, 3, 6, 16), v (2, 3, 6, 5), "
            f"attn_mask=float64 bias (4, 6) = -{slope:.3f} * |i - j| with one -inf)")
    out, weights = _attend(student, call, q, k, v, attn_mask=bias)
    _finite(out, f"{call}: output")
    want_w = torch.softmax(q @ k.transpose(-2, -1) / 4.0 + bias, dim=-1)
    assert_close(weights, want_w, rtol=1e-6, atol=1e-9,
                 what=f"{call}: weights (a floating-point mask is added to the scores AFTER they are scaled by "
                      "1/sqrt(d), not treated as booleans)")
    assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=bias), rtol=1e-6, atol=1e-9,
                 what=f"{call}: output (compared with torch.nn.functional.scaled_dot_product_attention)")
    call = call.replace("attn_mask=", "scale=0.5, attn_mask=")
    out, _ = _attend(student, call, q, k, v, attn_mask=bias, scale=0.5)
    assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=0.5), rtol=1e-6, atol=1e-9,
                 what=f"{call}: output")


@points(1)
def test_fully_masked_rows(student):
    rng = _rng("full-rows")
    q, k, v = _tensor(rng, 2, 5, 8), _tensor(rng, 2, 7, 8), _tensor(rng, 2, 7, 3)
    mask = torch.from_numpy(rng.random((2, 5, 7)) < 0.6)
    mask[..., 0] = True
    dead = (int(rng.integers(2)), int(rng.integers(5)))
    mask[dead] = False
    call = f"scaled_dot_product_attention(q (2, 5, 8), k (2, 7, 8), v (2, 7, 3), attn_mask=bool with row {dead} all False)"
    out, weights = _attend(student, call, q, k, v, attn_mask=mask)
    _finite(weights, f"{call}: weights")
    _finite(out, f"{call}: output")
    assert torch.all(weights[dead] == 0), f"{call}: the fully masked row should get all-zero weights"
    assert torch.all(out[dead] == 0), f"{call}: the query that may attend to nothing should get an all-zero output"
    assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), rtol=1e-6, atol=1e-9,
                 what=f"{call}: output (the other rows must be unchanged; compared with PyTorch's)")
    bias = torch.zeros(5, 7, dtype=torch.float64)
    bias[dead[1]] = NEG_INF
    call = f"scaled_dot_product_attention(q (2, 5, 8), k (2, 7, 8), v (2, 7, 3), attn_mask=float bias with row {dead[1]} all -inf)"
    out, weights = _attend(student, call, q, k, v, attn_mask=bias)
    _finite(out, f"{call}: output")
    assert torch.all(weights[:, dead[1]] == 0), f"{call}: the fully masked row should get all-zero weights"
    assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=bias), rtol=1e-6, atol=1e-9,
                 what=f"{call}: output")


@points(1)
def test_key_padding_mask(student):
    rng = _rng("padding")
    for shape in ((3, 6, 8), (3, 2, 6, 8), (2, 2, 6, 8)):
        batch = shape[0]
        q, k, v = _tensor(rng, *shape), _tensor(rng, *shape), _tensor(rng, *shape[:-1], 4)
        lengths = torch.from_numpy(rng.integers(1, 7, size=batch))
        lengths[0] = 6
        lengths[-1] = int(rng.integers(1, 4))
        keep = torch.arange(6)[None, :] < lengths[:, None]  # (B, Lk): True at real tokens
        lined_up = keep.reshape(batch, *([1] * (len(shape) - 2)), 6)
        call = (f"scaled_dot_product_attention(q, k {shape}, v (..., 4), key_padding_mask (B={batch}, Lk=6) "
                f"for lengths {lengths.tolist()})")
        try:
            out, weights = _attend(student, call, q, k, v, key_padding_mask=keep)
        except StudentError as error:
            raise AssertionError(
                f"{call} raised {error.type_name}: {error.message[:200]}. The (B, Lk) mask must be reshaped to "
                "(B, 1, ..., 1, Lk) so that it lines up with the batch dimension and the key dimension"
            ) from None
        padded = weights.detach()[~lined_up.expand(weights.shape)]
        assert torch.all(padded == 0), (
            f"{call}: padding keys should get weight exactly 0 for every head and every query, got weights up to "
            f"{float(padded.abs().max()):.4g} (True marks the REAL tokens; and the mask must line up with the batch "
            "dimension, not the heads)"
        )
        assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=lined_up), rtol=1e-6, atol=1e-9,
                     what=f"{call}: output")
        causal = torch.tril(torch.ones(6, 6, dtype=torch.bool))
        call = call.replace("key_padding_mask", "attn_mask=causal (6, 6), key_padding_mask")
        out, _ = _attend(student, call, q, k, v, attn_mask=causal, key_padding_mask=keep)
        _finite(out, f"{call}: output")
        assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=causal & lined_up), rtol=1e-6, atol=1e-9,
                     what=f"{call}: output (both masks apply: a key must be allowed by each)")
    q = _tensor(rng, 3, 4)
    try:
        student.scaled_dot_product_attention(q, q, q, key_padding_mask=torch.ones(1, 3, dtype=torch.bool))
    except StudentError as error:
        assert error.type_name == "ValueError", (
            f"scaled_dot_product_attention(q (3, 4), ..., key_padding_mask (1, 3)) raised {error.type_name}, "
            "expected ValueError (a 2-D q has no batch dimension)"
        )
    else:
        raise AssertionError(
            "scaled_dot_product_attention(q (3, 4), ..., key_padding_mask (1, 3)) should raise ValueError: "
            "a 2-D q has no batch dimension for the padding mask to line up with"
        )
