"""Hidden grader for transformers/sampling-strategies."""

import numpy as np
import torch

from gradient_grader import StudentError, assert_close, call_timeout, expected, points, shows_expected


def _top_k(logits, k):
    if k >= logits.shape[-1]:
        return logits.clone()
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def _top_p(logits, p):
    if p == 1:
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True, stable=True)
    keep_sorted = (torch.cumsum(sorted_probs, dim=-1) - sorted_probs) < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    return logits.masked_fill(~keep, float("-inf"))


def _probs(logits, temperature=1.0, top_k=None, top_p=None):
    if temperature == 0:
        return torch.zeros_like(logits).scatter(-1, torch.argmax(logits, dim=-1, keepdim=True), 1.0)
    scores = logits / temperature
    if top_k is not None:
        scores = _top_k(scores, top_k)
    if top_p is not None:
        scores = _top_p(scores, top_p)
    return torch.softmax(scores, dim=-1)


def _sample(logits, temperature=1.0, top_k=None, top_p=None, seed=0):
    if temperature == 0:
        return torch.argmax(logits, dim=-1)
    probs = _probs(logits, temperature, top_k, top_p)
    gen = torch.Generator().manual_seed(seed)
    return torch.multinomial(probs.reshape(-1, probs.shape[-1]), 1, generator=gen).reshape(logits.shape[:-1])


def _logits(rng, *shape, scale=2.0):
    return torch.from_numpy(rng.normal(0.0, scale, size=shape))


def _check_probs(student, logits, what, **kwargs):
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    call = f"probabilities({what}{', ' + args if args else ''})"
    got = student.probabilities(logits, **kwargs)
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor, got {type(got).__name__}"
    assert not torch.isnan(got).any(), f"{call} contains nan"
    assert_close(got, _probs(logits, **kwargs), rtol=1e-6, atol=1e-9, what=call)


def _value_error(func, call):
    try:
        func()
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"{call} should raise ValueError")


@points(1)
def test_temperature(student, rng):
    logits = _logits(rng, 3, 7)
    for t in (0.5, 1.0, 2.5):
        call = f"apply_temperature(logits (3, 7), {t})"
        assert_close(student.apply_temperature(logits, t), logits / t, rtol=1e-12, atol=1e-12, what=call)
        _check_probs(student, logits, "logits (3, 7)", temperature=t)
    _value_error(lambda: student.apply_temperature(logits, -1.0), "apply_temperature(logits, -1.0)")
    _value_error(lambda: student.top_k_filter(logits, 0), "top_k_filter(logits, 0)")
    _value_error(lambda: student.top_p_filter(logits, 1.5), "top_p_filter(logits, 1.5)")
    _value_error(lambda: student.top_p_filter(logits, 0.0), "top_p_filter(logits, 0.0)")


@points(2)
def test_top_k(student, rng):
    logits = _logits(rng, 4, 9)
    for k in (1, 3, 9, 20):
        call = f"top_k_filter(logits (4, 9), {k})"
        got = student.top_k_filter(logits, k)
        want = _top_k(logits, k)
        assert isinstance(got, torch.Tensor) and tuple(got.shape) == (4, 9), f"{call} should return a (4, 9) tensor"
        kept, want_kept = torch.isfinite(got), torch.isfinite(want)
        assert torch.equal(kept, want_kept), (
            f"{call} kept {kept.sum(-1).tolist()} tokens per row, expected {expected(want_kept.sum(-1).tolist())}"
        )
        assert torch.equal(got[kept], logits[kept]), f"{call}: the kept logits must keep their values"
        _check_probs(student, logits, "logits (4, 9)", top_k=k)
    tie = torch.tensor([[1.0, 3.0, 3.0, 2.0], [0.0, 0.0, 0.0, 0.0]], dtype=torch.float64)
    for k in (1, 2, 3):
        call = f"top_k_filter({tie.tolist()}, {k})"
        got = student.top_k_filter(tie, k)
        assert torch.equal(torch.isfinite(got), torch.isfinite(_top_k(tie, k))), (
            f"{call} returned {got.tolist()}, expected {expected(_top_k(tie, k).tolist())} "
            "(entries equal to the k-th largest value are kept)"
        )


@shows_expected
@points(2)
def test_top_p(student, rng):
    base = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05], dtype=torch.float64))
    for p, n_kept in ((0.1, 1), (0.6, 2), (0.75, 2), (0.85, 3), (0.97, 4), (1.0, 4)):
        call = f"top_p_filter(log([0.5, 0.3, 0.15, 0.05]), {p})"
        got = student.top_p_filter(base, p)
        kept = int(torch.isfinite(got).sum())
        assert kept == n_kept, (
            f"{call} kept {kept} tokens, expected {n_kept} (a token stays when the probability of the tokens "
            f"ranked above it is < p)"
        )
    logits = _logits(rng, 5, 12)
    for p in (0.05, 0.5, 0.9, 1.0):
        _check_probs(student, logits, "logits (5, 12)", top_p=p)
    shuffled = base[[2, 0, 3, 1]]
    call = "top_p_filter(log([0.15, 0.5, 0.05, 0.3]), 0.75)"
    got = student.top_p_filter(shuffled, 0.75)
    assert torch.isfinite(got).tolist() == [False, True, False, True], (
        f"{call} returned {got.tolist()}, expected the tokens with 0.5 and 0.3 kept, in their original places"
    )


@points(1)
def test_combined_order(student, rng):
    logits = _logits(rng, 6, 15)
    for t, k, p in ((0.6, 8, 0.8), (1.7, 10, 0.7), (0.9, 3, 0.95)):
        _check_probs(student, logits, "logits (6, 15)", temperature=t, top_k=k, top_p=p)


@points(1)
def test_greedy(student, rng):
    logits = _logits(rng, 2, 3, 10)
    logits[1, 2, 4] = logits[1, 2, 7] = logits[1, 2].max() + 1.0  # a tie: the first index wins
    call = "sample(logits (2, 3, 10), temperature=0)"
    got = student.sample(logits, temperature=0)
    want = torch.argmax(logits, dim=-1)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == (2, 3), f"{call} should return a (2, 3) tensor"
    assert torch.equal(got.long(), want), f"{call} returned {got.tolist()}, expected the argmax {expected(want.tolist())}"
    _check_probs(student, logits, "logits (2, 3, 10)", temperature=0)


@points(2)
def test_seeded_samples_are_exact(student, rng):
    logits = _logits(rng, 4, 10)
    for kwargs in (dict(seed=0), dict(temperature=0.8, top_k=5, top_p=0.9, seed=123),
                   dict(temperature=1.5, seed=7), dict(top_p=0.6, seed=2024)):
        args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        call = f"sample(logits (4, 10), {args})"
        got = student.sample(logits, **kwargs)
        want = _sample(logits, **kwargs)
        assert isinstance(got, torch.Tensor), f"{call} should return a tensor, got {type(got).__name__}"
        assert got.dtype == torch.long, f"{call} returned dtype {got.dtype}, expected torch.long"
        assert tuple(got.shape) == (4,), f"{call} returned shape {tuple(got.shape)}, expected (4,)"
        assert torch.equal(got, want), (
            f"{call} returned {got.tolist()}, expected {expected(want.tolist())} (follow the procedure exactly: "
            "torch.Generator().manual_seed(seed) and one torch.multinomial(probs.reshape(-1, V), num_samples=1, "
            "generator=generator) call)"
        )
    grid = _logits(rng, 2, 3, 6)
    call = "sample(logits (2, 3, 6), seed=5)"
    got = student.sample(grid, seed=5)
    assert tuple(got.shape) == (2, 3) and torch.equal(got, _sample(grid, seed=5)), (
        f"{call} returned {got.tolist()}, expected {expected(_sample(grid, seed=5).tolist())}"
    )
    single = _logits(rng, 8)
    got = student.sample(single, seed=3)
    # A 0-d tensor crosses the grader's wire as shape (1,), so both shapes are accepted here.
    assert isinstance(got, torch.Tensor) and got.numel() == 1 and int(got.reshape(-1)[0]) == int(_sample(single, seed=3)), (
        f"sample(logits (8,), seed=3) returned {got!r}, expected tensor({expected(int(_sample(single, seed=3)))}) "
        "(a 0-d tensor)"
    )


@points(1)
def test_sample_frequencies(student):
    logits = torch.tensor([1.5, 0.2, -0.3, 1.0, -2.0, 0.7], dtype=torch.float64)
    n = 20000
    for kwargs in (dict(temperature=1.3), dict(temperature=0.7, top_k=4), dict(top_p=0.8)):
        args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        call = f"sample(<{n} copies of one row of 6 logits>, {args}, seed=99)"
        with call_timeout(20):
            got = student.sample(logits.repeat(n, 1), seed=99, **kwargs)
        counts = np.bincount(np.asarray(got).reshape(-1), minlength=6)[:6] / n
        want = _probs(logits, **kwargs).numpy()
        worst = int(np.argmax(np.abs(counts - want)))
        assert abs(counts[worst] - want[worst]) < 0.015, (
            f"{call}: token {worst} was drawn with frequency {counts[worst]:.4f}, "
            f"expected about {expected(round(float(want[worst]), 4))} "
            f"(all frequencies: {np.round(counts, 3).tolist()}, expected {expected(np.round(want, 3).tolist())})"
        )
