"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and the rules it states (reductions, errors, huge margins). The
hidden grader checks more (random batches, other betas, padded masks).
"""

import math
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import dpo_loss, implicit_rewards, preference_accuracy, sequence_log_probs  # noqa: E402

# The statement's example batch: policy chosen / rejected, reference chosen / rejected.
PC = torch.tensor([-12.0, -8.0, -20.0])
PR = torch.tensor([-15.0, -7.0, -21.0])
RC = torch.tensor([-13.0, -8.0, -19.0])
RR = torch.tensor([-14.0, -8.5, -21.0])


def test_implicit_rewards_example():
    chosen, rejected = implicit_rewards(PC, PR, RC, RR, beta=0.1)
    assert torch.allclose(chosen, torch.tensor([0.1, 0.0, -0.1]), atol=1e-6), f"chosen rewards should be [0.1, 0.0, -0.1], got {chosen}"
    assert torch.allclose(rejected, torch.tensor([-0.1, 0.15, 0.0]), atol=1e-6), (
        f"rejected rewards should be [-0.1, 0.15, 0.0], got {rejected}"
    )


def test_dpo_loss_example_and_reductions():
    per_pair = dpo_loss(PC, PR, RC, RR, beta=0.1, reduction="none")
    want = torch.tensor([0.5981, 0.7710, 0.7444])  # -log σ(0.2), -log σ(-0.15), -log σ(-0.1)
    assert isinstance(per_pair, torch.Tensor) and per_pair.shape == (3,), f"reduction='none' should give shape (3,), got {per_pair!r}"
    assert torch.allclose(per_pair, want, atol=1e-4), (
        f"per-pair losses should be {want} (-log σ(chosen reward - rejected reward)), got {per_pair}"
    )
    mean = dpo_loss(PC, PR, RC, RR, beta=0.1)
    assert isinstance(mean, torch.Tensor) and mean.dim() == 0, f"the default reduction should give a 0-d tensor, got {mean!r}"
    assert abs(float(mean) - 0.7045) < 1e-4, f"the mean loss of the example should be 0.7045, got {float(mean):.4f}"
    total = dpo_loss(PC, PR, RC, RR, beta=0.1, reduction="sum")
    assert total.dim() == 0 and abs(float(total) - float(want.sum())) < 1e-3, f"reduction='sum' should give {float(want.sum()):.4f}, got {total}"
    # When the policy equals the reference, every reward is 0.
    logp = torch.tensor([-4.0, -9.0, -30.0, -2.5])
    got = float(dpo_loss(logp, logp - 1.0, logp, logp - 1.0, beta=0.3))
    assert abs(got - math.log(2)) < 1e-6, f"when the policy equals the reference every reward is 0 and the loss is ln 2, got {got}"


@pytest.mark.parametrize("kwargs", [{"reduction": "max"}, {"beta": 0.0}, {"beta": -1.0}])
def test_bad_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        dpo_loss(PC, PR, RC, RR, **kwargs)


def test_huge_margins_stay_finite():
    zero = torch.zeros(2, dtype=torch.float32)
    policy_chosen = torch.tensor([-250.0, -50.0], dtype=torch.float32)
    policy_rejected = torch.tensor([-50.0, -250.0], dtype=torch.float32)  # margins -200 and +200 with beta = 1
    got = dpo_loss(policy_chosen, policy_rejected, zero, zero, beta=1.0, reduction="none")
    assert torch.isfinite(got).all(), f"the losses for margins -200 and +200 should be finite, got {got} (use F.logsigmoid)"
    assert abs(float(got[0]) - 200.0) < 1e-3 and abs(float(got[1])) < 1e-3, (
        f"for a margin of -200 the loss is about 200, for +200 about 0; got {got.tolist()}"
    )


def test_preference_accuracy_example_and_ties():
    got = preference_accuracy(PC, PR, RC, RR, beta=0.1)
    assert isinstance(got, float), f"preference_accuracy should return a Python float, got {type(got).__name__}"
    assert abs(got - 1 / 3) < 1e-6, f"only the first pair has chosen reward > rejected reward: expected 1/3, got {got}"
    same = torch.tensor([-3.0, -7.0])
    assert preference_accuracy(same, same, same, same) == 0.0, "equal rewards are not 'strictly larger': expected 0.0"


def test_sequence_log_probs_example():
    logits = torch.tensor([[[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]]])
    labels = torch.tensor([[0, 1, 2]])
    got = sequence_log_probs(logits, labels, torch.tensor([[False, True, True]]))
    assert isinstance(got, torch.Tensor) and got.shape == (1,), f"expected a tensor of shape (1,), got {got!r}"
    assert torch.allclose(got, torch.tensor([-0.6464]), atol=1e-4), (
        f"expected tensor([-0.6464]) (-0.5514 + -0.0949: the SUM over the response tokens), got {got}"
    )
    as_floats = sequence_log_probs(logits, labels, torch.tensor([[0.0, 1.0, 1.0]]))
    assert torch.allclose(as_floats, got), f"a 0/1 float mask should give the same result as a bool mask, got {as_floats}"
