"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and a few rules it states. The hidden grader checks more
(other sizes, lengths given as a tensor, non-causal masks, attention outputs).
"""

import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import causal_mask, combine_masks, masked_attention, masked_softmax, padding_mask  # noqa: E402

T, F = True, False


def _bool(got, call):
    assert isinstance(got, torch.Tensor) and got.dtype == torch.bool, (
        f"{call} should return a torch.bool tensor, got {type(got).__name__} {getattr(got, 'dtype', '')}"
    )
    return got


def test_causal_mask_examples():
    got = _bool(causal_mask(3), "causal_mask(3)")
    want = torch.tensor([[T, F, F], [T, T, F], [T, T, T]])
    assert torch.equal(got, want), f"causal_mask(3) returned\n{got}\nexpected\n{want}\n(the diagonal is allowed: j <= i)"
    got = _bool(causal_mask(2, 4), "causal_mask(2, 4)")
    want = torch.tensor([[T, T, T, F], [T, T, T, T]])
    assert torch.equal(got, want), (
        f"causal_mask(2, 4) returned\n{got}\nexpected\n{want}\n(the 2 queries are the LAST 2 of the 4 positions)"
    )
    try:
        causal_mask(4, 2)
    except ValueError:
        return
    raise AssertionError("causal_mask(4, 2) should raise ValueError (k_len < q_len)")


def test_padding_mask_example():
    got = _bool(padding_mask([2, 4, 0], 4), "padding_mask([2, 4, 0], 4)")
    want = torch.tensor([[T, T, F, F], [T, T, T, T], [F, F, F, F]])
    assert torch.equal(got, want), f"padding_mask([2, 4, 0], 4) returned\n{got}\nexpected\n{want}"


def test_combine_masks_causal_and_padding():
    got = _bool(combine_masks([2], 3), "combine_masks([2], 3)")
    want = torch.tensor([[[[T, F, F], [T, T, F], [T, T, F]]]])
    assert got.shape == (1, 1, 3, 3), f"combine_masks([2], 3) has shape {tuple(got.shape)}, expected (1, 1, 3, 3)"
    assert torch.equal(got, want), (
        f"combine_masks([2], 3) returned\n{got[0, 0]}\nexpected\n{want[0, 0]}\n(key j allowed when j <= i and "
        "key j is a real token: the third key is padding)"
    )


def test_masked_softmax_example_and_fully_masked_row():
    scores = torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    mask = torch.tensor([[T, T, F], [F, F, F]])
    got = masked_softmax(scores, mask)
    want = torch.tensor([[1 / (1 + math.e), math.e / (1 + math.e), 0.0], [0.0, 0.0, 0.0]])
    assert not torch.isnan(got).any(), f"masked_softmax returned nan:\n{got}\na fully masked row must be all zeros"
    assert torch.allclose(got, want, atol=1e-4), (
        f"masked_softmax(scores, mask) returned\n{got}\nexpected\n{want}\n(masked entries are exactly 0, and a row "
        "with every entry masked is all zeros, not uniform)"
    )


def test_masked_attention_ignores_the_future():
    torch.manual_seed(0)
    q, k, v = torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 2)
    out = masked_attention(q, k, v, causal_mask(4))
    assert out.shape == (4, 2), f"masked_attention(q (4, 3), k (4, 3), v (4, 2), mask) has shape {tuple(out.shape)}, expected (4, 2)"
    k2, v2 = k.clone(), v.clone()
    k2[2:], v2[2:] = 5.0, 5.0  # change only the keys and values of positions 2 and 3
    out2 = masked_attention(q, k2, v2, causal_mask(4))
    assert torch.allclose(out[:2], out2[:2], atol=1e-6), (
        "the outputs of positions 0 and 1 changed when only positions 2 and 3 changed: with a causal mask, "
        "a query must not see later positions"
    )
    assert torch.allclose(out[0], v[0], atol=1e-6), "position 0 can only attend to itself, so its output should be v[0]"
