"""Hidden grader for transformers/causal-masking."""

import math

import numpy as np
import torch

from gradient_grader import StudentError, assert_close, points, shows_expected


def _expected_causal(q_len, k_len):
    offset = k_len - q_len
    return np.array([[j <= i + offset for j in range(k_len)] for i in range(q_len)], dtype=bool).reshape(q_len, k_len)


def _as_bool_array(got, call, shape):
    assert isinstance(got, torch.Tensor), f"{call} should return a torch.Tensor, got {type(got).__name__}"
    assert got.dtype == torch.bool, f"{call} returned dtype {got.dtype}, expected torch.bool"
    assert tuple(got.shape) == tuple(shape), f"{call} returned shape {tuple(got.shape)}, expected {tuple(shape)}"
    return got.numpy()


def _show(array):
    return "\n".join(" ".join("1" if x else "0" for x in row) for row in np.asarray(array).reshape(-1, array.shape[-1]))


def _check_mask(got, want, call):
    if not np.array_equal(got, want):
        raise AssertionError(f"{call} returned (1 = True)\n{_show(got)}\nexpected\n{_show(want)}")


def _reference_softmax(scores, mask):
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask, 0.0)


@shows_expected
@points(2)
def test_causal_mask_square(student):
    for n in (1, 4, 7):
        call = f"causal_mask({n})"
        got = _as_bool_array(student.causal_mask(n), call, (n, n))
        _check_mask(got, _expected_causal(n, n), call + " (query i may attend keys 0..i, itself included)")
    call = "causal_mask(3, 3)"
    _check_mask(_as_bool_array(student.causal_mask(3, 3), call, (3, 3)), _expected_causal(3, 3), call)


@shows_expected
@points(1)
def test_causal_mask_with_cache(student):
    for q_len, k_len in ((2, 5), (1, 6), (3, 4)):
        call = f"causal_mask({q_len}, {k_len})"
        got = _as_bool_array(student.causal_mask(q_len, k_len), call, (q_len, k_len))
        _check_mask(got, _expected_causal(q_len, k_len),
                    call + " (the queries are the LAST q_len positions, so query i may attend keys 0..i + k_len - q_len)")
    call = "causal_mask(4, 2)"
    try:
        student.causal_mask(4, 2)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"{call} should raise ValueError (k_len < q_len)")


@shows_expected
@points(1)
def test_padding_mask(student):
    lengths = [3, 0, 5, 1]
    want = np.array([[j < n for j in range(5)] for n in lengths])
    call = f"padding_mask({lengths}, 5)"
    _check_mask(_as_bool_array(student.padding_mask(lengths, 5), call, (4, 5)), want, call)
    call = "padding_mask(torch.tensor([2, 6]), 6)"
    got = _as_bool_array(student.padding_mask(torch.tensor([2, 6]), 6), call, (2, 6))
    _check_mask(got, np.array([[j < n for j in range(6)] for n in (2, 6)]), call)


@shows_expected
@points(2)
def test_combine_masks(student):
    lengths = [4, 2, 0]
    for causal in (True, False):
        call = f"combine_masks({lengths}, 4, causal={causal})"
        got = _as_bool_array(student.combine_masks(lengths, 4, causal=causal), call, (3, 1, 4, 4))
        for b, n in enumerate(lengths):
            want = np.array([[j < n and (j <= i or not causal) for j in range(4)] for i in range(4)])
            _check_mask(got[b, 0], want, f"{call}[{b}, 0] (sequence of length {n})")


@points(2)
def test_masked_softmax(student, rng):
    scores = torch.from_numpy(rng.normal(0, 3, size=(2, 3, 5)))
    mask = torch.from_numpy(rng.random((2, 3, 5)) < 0.6)
    mask[0, 1] = False  # a fully masked row
    mask[1, 2] = True   # a row with nothing masked
    mask[1, 0] = False
    mask[1, 0, 4] = True  # a single allowed entry
    call = "masked_softmax(scores (2, 3, 5), mask (2, 3, 5)) with one fully masked row"
    got = student.masked_softmax(scores, mask)
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor, got {type(got).__name__}"
    assert not torch.isnan(got).any(), (
        f"{call} contains nan; a row where every entry is masked must be all zeros"
    )
    row = got[0, 1]
    assert torch.all(row == 0), f"{call}: the fully masked row is {row.tolist()}, expected all zeros"
    assert torch.all(got[~mask] == 0), f"{call}: masked entries should be exactly 0"
    assert_close(got, _reference_softmax(scores, mask), rtol=1e-6, atol=1e-9, what=call)

    call = "masked_softmax(scores (4, 6), causal mask (4, 6) broadcast against scores (2, 4, 6))"
    scores = torch.from_numpy(rng.normal(0, 1, size=(2, 4, 6)))
    mask = torch.from_numpy(_expected_causal(4, 6))
    got = student.masked_softmax(scores, mask)
    assert_close(got, _reference_softmax(scores, mask), rtol=1e-6, atol=1e-9, what=call)


@points(2)
def test_masked_attention_hides_future_and_padding(student, rng):
    length, d = 5, 4
    q = torch.from_numpy(rng.normal(size=(2, length, d)))
    k = torch.from_numpy(rng.normal(size=(2, length, d)))
    v = torch.from_numpy(rng.normal(size=(2, length, 3)))
    mask = torch.from_numpy(_expected_causal(length, length))
    call = "masked_attention(q, k, v, causal mask (5, 5))"
    out = student.masked_attention(q, k, v, mask)
    assert isinstance(out, torch.Tensor), f"{call} should return a tensor, got {type(out).__name__}"
    want = _reference_softmax(q @ k.transpose(-2, -1) / math.sqrt(d), mask) @ v
    assert_close(out, want, rtol=1e-6, atol=1e-9, what=call)

    k2, v2 = k.clone(), v.clone()
    k2[:, -1] += 5.0
    v2[:, -1] -= 7.0
    out2 = student.masked_attention(q, k2, v2, mask)
    assert_close(out2[:, :-1], out[:, :-1], rtol=1e-9, atol=1e-12,
                 what=f"{call}: outputs of positions 0..3 after changing only the LAST token's key and value "
                      "(a position must not see the future)")

    lengths = [3, 0]
    pad = torch.from_numpy(np.array([[[[j < n and j <= i for j in range(length)] for i in range(length)]]
                                     for n in lengths]))  # (2, 1, 5, 5)
    qh, kh, vh = q[:, None], k[:, None], v[:, None]
    call = "masked_attention(q (2, 1, 5, 4), k, v, mask = causal + padding with lengths [3, 0])"
    out = student.masked_attention(qh, kh, vh, pad)
    assert not torch.isnan(out).any(), f"{call} contains nan (the sequence of length 0 has fully masked rows)"
    assert torch.all(out[1] == 0), f"{call}: a query that may attend nothing should get a zero output vector"
    want = _reference_softmax(qh @ kh.transpose(-2, -1) / math.sqrt(d), pad) @ vh
    assert_close(out, want, rtol=1e-6, atol=1e-9, what=call)
    kh2, vh2 = kh.clone(), vh.clone()
    kh2[0, :, 3:] = 100.0
    vh2[0, :, 3:] = -100.0
    out2 = student.masked_attention(qh, kh2, vh2, pad)
    assert_close(out2[0, 0, :3], out[0, 0, :3], rtol=1e-9, atol=1e-12,
                 what=f"{call}: outputs of the 3 real tokens after changing the padding tokens' keys and values")
