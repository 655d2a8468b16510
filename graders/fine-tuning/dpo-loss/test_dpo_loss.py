"""Hidden grader for fine-tuning/dpo-loss."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from gradient_grader import StudentError, assert_close, points, shows_expected


def _losses(pc, pr, rc, rr, beta):
    return -F.logsigmoid(beta * ((pc - rc) - (pr - rr)))


def _batch(rng, n, dtype=torch.float64):
    def draw(loc):
        return torch.from_numpy(rng.normal(loc, 4.0, size=n)).to(dtype)
    return draw(-30.0), draw(-32.0), draw(-31.0), draw(-31.0)


def _scalar(got, call):
    assert isinstance(got, torch.Tensor), f"{call} should return a tensor, got {type(got).__name__}"
    assert got.numel() == 1, f"{call} should return a single number (0-d tensor), got shape {tuple(got.shape)}"
    return float(got.reshape(-1)[0])


@points(2)
def test_sequence_log_probs(student, rng):
    b, t, v = 3, 6, 5
    logits = torch.from_numpy(rng.normal(0, 2, size=(b, t, v)))
    labels = torch.from_numpy(rng.integers(0, v, size=(b, t)))
    lengths, prompts = [6, 4, 5], [2, 1, 3]
    mask = torch.tensor([[prompts[i] <= j < lengths[i] for j in range(t)] for i in range(b)])
    want = (torch.log_softmax(logits, -1).gather(-1, labels[..., None]).squeeze(-1) * mask).sum(-1)
    call = "sequence_log_probs(logits (3, 6, 5), labels (3, 6), mask (3, 6) with prompt and padding False)"
    got = student.sequence_log_probs(logits, labels, mask)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == (3,), (
        f"{call} should return a tensor of shape (3,), got {type(got).__name__} {tuple(getattr(got, 'shape', ()))}"
    )
    assert_close(got, want, rtol=1e-6, atol=1e-9,
                 what=f"{call} (the SUM of log-probabilities of the tokens where mask is True)")
    call = "sequence_log_probs(...) with the same mask given as 0/1 floats"
    assert_close(student.sequence_log_probs(logits, labels, mask.double()), want, rtol=1e-6, atol=1e-9, what=call)
    big = torch.from_numpy(rng.normal(0, 50, size=(2, 4, 7)))
    lab = torch.from_numpy(rng.integers(0, 7, size=(2, 4)))
    full = torch.ones(2, 4, dtype=torch.bool)
    want = torch.log_softmax(big, -1).gather(-1, lab[..., None]).squeeze(-1).sum(-1)
    call = "sequence_log_probs(logits with large values (2, 4, 7), labels, mask all True)"
    got = student.sequence_log_probs(big, lab, full)
    assert torch.isfinite(got).all(), f"{call} returned {got.tolist()} (use torch.log_softmax for stability)"
    assert_close(got, want, rtol=1e-6, atol=1e-6, what=call)


@points(2)
def test_loss_value(student, rng):
    pc, pr, rc, rr = _batch(rng, 16)
    for beta in (0.1, 0.3):
        call = f"dpo_loss(<4 tensors of shape (16,)>, beta={beta})"
        got = _scalar(student.dpo_loss(pc, pr, rc, rr, beta=beta), call)
        assert_close(got, _losses(pc, pr, rc, rr, beta).mean(), rtol=1e-6, atol=1e-9, what=call)
    pc = torch.tensor([-12.0, -8.0, -20.0])
    pr = torch.tensor([-15.0, -7.0, -21.0])
    rc = torch.tensor([-13.0, -8.0, -19.0])
    rr = torch.tensor([-14.0, -8.5, -21.0])
    call = "dpo_loss(pc, pr, rc, rr) with the README's example values and the default beta = 0.1"
    got = _scalar(student.dpo_loss(pc, pr, rc, rr), call)
    assert_close(got, 0.7045, rtol=0, atol=1e-4, what=call)


@shows_expected
@points(1)
def test_sign_convention(student):
    ref = torch.tensor([-20.0, -25.0])
    call = "dpo_loss(policy_chosen=ref + 2, policy_rejected=ref - 2, ref_chosen=ref, ref_rejected=ref, beta=0.5)"
    good = _scalar(student.dpo_loss(ref + 2, ref - 2, ref, ref, beta=0.5), call)
    assert good < math.log(2), (
        f"{call} returned {good:.4f}; the policy prefers the chosen answers more than the reference does, so "
        f"the loss must be below ln 2 = {math.log(2):.4f} (expected {math.log(1 + math.exp(-2)):.4f})"
    )
    call = "dpo_loss(policy_chosen=ref - 2, policy_rejected=ref + 2, ref_chosen=ref, ref_rejected=ref, beta=0.5)"
    bad = _scalar(student.dpo_loss(ref - 2, ref + 2, ref, ref, beta=0.5), call)
    assert bad > math.log(2), (
        f"{call} returned {bad:.4f}; the policy prefers the rejected answers, so the loss must be above ln 2 "
        f"(expected {math.log(1 + math.exp(2)):.4f})"
    )
    call = "dpo_loss(p, q, p, q) (policy equal to the reference)"
    same = _scalar(student.dpo_loss(ref, ref - 3, ref, ref - 3, beta=0.1), call)
    assert_close(same, math.log(2), rtol=0, atol=1e-6, what=call + ", expected ln 2")


@points(1)
def test_beta(student, rng):
    pc, pr, rc, rr = _batch(rng, 10)
    for beta in (0.05, 1.0, 2.5):
        call = f"dpo_loss(<4 tensors of shape (10,)>, beta={beta}, reduction='none')"
        got = student.dpo_loss(pc, pr, rc, rr, beta=beta, reduction="none")
        assert_close(got, _losses(pc, pr, rc, rr, beta), rtol=1e-6, atol=1e-9,
                     what=f"{call} (beta scales the margin inside the sigmoid)")


@points(1)
def test_reductions(student, rng):
    pc, pr, rc, rr = _batch(rng, 7)
    losses = _losses(pc, pr, rc, rr, 0.2)
    call = "dpo_loss(<4 tensors of shape (7,)>, beta=0.2, reduction='none')"
    got = student.dpo_loss(pc, pr, rc, rr, beta=0.2, reduction="none")
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == (7,), f"{call} should return a tensor of shape (7,)"
    assert_close(got, losses, rtol=1e-6, atol=1e-9, what=call)
    call = "dpo_loss(..., beta=0.2, reduction='sum')"
    assert_close(_scalar(student.dpo_loss(pc, pr, rc, rr, beta=0.2, reduction="sum"), call), losses.sum(),
                 rtol=1e-6, atol=1e-9, what=call)
    call = "dpo_loss(..., beta=0.2, reduction='mean')"
    assert_close(_scalar(student.dpo_loss(pc, pr, rc, rr, beta=0.2, reduction="mean"), call), losses.mean(),
                 rtol=1e-6, atol=1e-9, what=call)
    for kwargs in (dict(reduction="average"), dict(beta=0.0), dict(beta=-0.1)):
        call = f"dpo_loss(..., {', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
        try:
            student.dpo_loss(pc, pr, rc, rr, **kwargs)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"{call} should raise ValueError")


@shows_expected
@points(2)
def test_large_margins_are_stable(student):
    pc = torch.tensor([-10.0, -300.0, -50.0, -400.0], dtype=torch.float32)
    pr = torch.tensor([-300.0, -10.0, -50.0, -20.0], dtype=torch.float32)
    rc = torch.tensor([-100.0, -100.0, -50.0, -200.0], dtype=torch.float32)
    rr = torch.tensor([-100.0, -100.0, -50.0, -200.0], dtype=torch.float32)
    call = "dpo_loss(float32 log-probabilities with margins +290, -290, 0, -380, beta=1.0, reduction='none')"
    got = student.dpo_loss(pc, pr, rc, rr, beta=1.0, reduction="none")
    arr = np.asarray(got, dtype=float)
    assert np.isfinite(arr).all(), (
        f"{call} returned {arr.tolist()}: log(sigmoid(x)) underflows for large negative x; "
        "use torch.nn.functional.logsigmoid"
    )
    assert_close(arr, _losses(pc.double(), pr.double(), rc.double(), rr.double(), 1.0), rtol=1e-5, atol=1e-6, what=call)
    call = "dpo_loss(the same values, beta=1.0) (mean)"
    assert_close(_scalar(student.dpo_loss(pc, pr, rc, rr, beta=1.0), call), (290 + math.log(2) + 380) / 4,
                 rtol=1e-5, atol=1e-4, what=call)


@points(1)
def test_rewards_and_accuracy(student, rng):
    pc, pr, rc, rr = _batch(rng, 12)
    call = "implicit_rewards(<4 tensors of shape (12,)>, beta=0.25)"
    got = student.implicit_rewards(pc, pr, rc, rr, beta=0.25)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return a tuple of two tensors"
    assert_close(got[0], 0.25 * (pc - rc), rtol=1e-9, atol=1e-12, what=f"{call}[0] (chosen rewards)")
    assert_close(got[1], 0.25 * (pr - rr), rtol=1e-9, atol=1e-12, what=f"{call}[1] (rejected rewards)")
    want = float(((pc - rc) > (pr - rr)).double().mean())
    call = "preference_accuracy(<4 tensors of shape (12,)>, beta=0.25)"
    acc = student.preference_accuracy(pc, pr, rc, rr, beta=0.25)
    assert isinstance(acc, (int, float)), f"{call} should return a float, got {type(acc).__name__}"
    assert_close(acc, want, rtol=1e-6, atol=1e-6, what=call)
    tie = torch.tensor([-5.0, -6.0])
    call = "preference_accuracy with equal rewards for chosen and rejected"
    acc = student.preference_accuracy(tie, tie, tie, tie)
    assert_close(acc, 0.0, rtol=0, atol=1e-9, what=call + " (ties do not count: strictly larger)")
