"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and a few rules it states. The hidden grader checks more
(batches, ties, tiny p, other seeds, and the frequencies of many draws).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import apply_temperature, probabilities, sample, top_k_filter, top_p_filter  # noqa: E402

LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0])
INF = float("inf")


def _close(got, want, atol=1e-4):
    return isinstance(got, torch.Tensor) and got.shape == want.shape and torch.allclose(got, want, atol=atol)


def test_temperature_examples():
    got = probabilities(LOGITS)
    want = torch.tensor([0.5630, 0.2071, 0.1256, 0.0762, 0.0280])
    assert _close(got, want), f"probabilities(logits) returned {got}, expected {want}"
    got = probabilities(LOGITS, temperature=0.5)
    want = torch.tensor([0.8292, 0.1122, 0.0413, 0.0152, 0.0021])
    assert _close(got, want), f"probabilities(logits, temperature=0.5) returned {got}, expected {want} (logits / 0.5)"
    try:
        apply_temperature(LOGITS, 0.0)
    except ValueError:
        return
    raise AssertionError("apply_temperature(logits, 0.0) should raise ValueError (temperature <= 0)")


def test_top_k_examples():
    got = top_k_filter(LOGITS, 2)
    want = torch.tensor([2.0, 1.0, -INF, -INF, -INF])
    assert torch.equal(got, want), f"top_k_filter(logits, 2) returned {got}, expected {want}"
    got = top_k_filter(torch.tensor([1.0, 3.0, 3.0, 2.0]), 1)
    want = torch.tensor([-INF, 3.0, 3.0, -INF])
    assert torch.equal(got, want), (
        f"top_k_filter([1., 3., 3., 2.], 1) returned {got}, expected {want} (a tie with the k-th largest value is kept)"
    )


def test_top_p_keeps_the_token_that_reaches_p():
    got = probabilities(LOGITS, top_p=0.8)
    want = torch.tensor([0.6285, 0.2312, 0.1402, 0.0, 0.0])
    assert _close(got, want), (
        f"probabilities(logits, top_p=0.8) returned {got}, expected {want}: the mass ranked above the 3rd token is "
        "0.770 < 0.8, so the 3rd token is kept"
    )
    got = top_p_filter(LOGITS, 1.0)
    assert torch.equal(got, LOGITS), f"top_p_filter(logits, 1.0) returned {got}, expected the logits unchanged"


def test_top_p_sees_the_distribution_after_the_temperature():
    # After temperature 0.5 the first token alone has probability 0.829 >= 0.8: it is the whole nucleus.
    got = probabilities(LOGITS, temperature=0.5, top_p=0.8)
    want = torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0])
    assert _close(got, want), (
        f"probabilities(logits, temperature=0.5, top_p=0.8) returned {got}, expected {want}: apply the temperature "
        "first, then top-p on the sharper distribution"
    )


def test_greedy_decoding():
    got = probabilities(LOGITS, temperature=0)
    assert _close(got, torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0])), f"probabilities(logits, temperature=0) returned {got}, expected one-hot at 0"
    got = sample(LOGITS, temperature=0)
    assert int(got) == 0, f"sample(logits, temperature=0) returned {got}, expected tensor(0) (the argmax)"


def test_seeded_sampling_is_reproducible():
    got = sample(LOGITS, seed=0)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.long and got.shape == (), (
        f"sample(1-D logits) should return a 0-d torch.long tensor, got {got!r}"
    )
    assert int(got) == 2, (
        f"sample(logits, seed=0) returned {got}, expected tensor(2): follow the statement's procedure exactly, "
        "with generator=torch.Generator().manual_seed(seed) passed to torch.multinomial"
    )
    batch = torch.zeros(40, 6)  # 40 rows of uniform logits
    probs = torch.softmax(batch, dim=-1)
    want = torch.multinomial(probs, num_samples=1, generator=torch.Generator().manual_seed(7)).reshape(40)
    got = sample(batch, seed=7)
    assert torch.equal(got, want), (
        f"sample(<40 rows of equal logits>, seed=7) returned {got.tolist()}, expected {want.tolist()}: follow the "
        "statement's procedure exactly and pass generator=torch.Generator().manual_seed(seed) to torch.multinomial"
    )
