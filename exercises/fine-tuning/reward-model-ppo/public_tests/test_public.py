"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and train a reward model on a small public data set. The hidden grader
draws its own tensors, padded masks, settings and preference pairs for every submission.
"""

import math
import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    gae,
    kl_penalised_rewards,
    ppo_policy_loss,
    ppo_value_loss,
    reward_model_loss,
    train_reward_model,
)


def test_bradley_terry_example():
    got = reward_model_loss(torch.tensor([2.0, 0.5]), torch.tensor([1.0, 1.5]), reduction="none")
    assert torch.allclose(got, torch.tensor([0.3133, 1.3133]), atol=1e-4), f"expected [-log σ(1), -log σ(-1)] = [0.3133, 1.3133], got {got}"
    mean = reward_model_loss(torch.tensor([2.0, 0.5]), torch.tensor([1.0, 1.5]))
    assert mean.dim() == 0 and abs(float(mean) - 0.8133) < 1e-4, f"the default reduction is the mean, 0.8133; got {mean}"
    total = reward_model_loss(torch.tensor([2.0, 0.5]), torch.tensor([1.0, 1.5]), reduction="sum")
    assert abs(float(total) - 1.6265) < 1e-3, f"reduction='sum' should give 1.6265, got {total}"
    with pytest.raises(ValueError):
        reward_model_loss(torch.tensor([1.0]), torch.tensor([0.0]), reduction="average")


def test_bradley_terry_huge_margins():
    got = reward_model_loss(torch.tensor([0.0, 150.0]), torch.tensor([150.0, 0.0]), reduction="none")
    assert torch.isfinite(got).all(), f"margins of -150 and +150 should give finite losses, got {got} (use F.logsigmoid)"
    assert abs(float(got[0]) - 150.0) < 1e-3 and abs(float(got[1])) < 1e-3, f"expected about [150, 0], got {got.tolist()}"


def test_reward_model_on_public_pairs():
    rng = np.random.default_rng(2024)
    w = rng.normal(size=6)
    a, b = rng.normal(size=(400, 6)), rng.normal(size=(400, 6))
    a_wins = (a @ w) > (b @ w)
    chosen = torch.tensor(np.where(a_wins[:, None], a, b), dtype=torch.float32)
    rejected = torch.tensor(np.where(a_wins[:, None], b, a), dtype=torch.float32)
    model = train_reward_model(chosen[:300], rejected[:300], seed=0)
    with torch.no_grad():
        good, bad = model(chosen[300:]), model(rejected[300:])
    assert good.shape == (100,), f"model(X) for X of shape (100, 6) should return shape (100,), got {tuple(good.shape)}"
    accuracy = float((good > bad).float().mean())
    assert accuracy >= 0.85, f"pairwise accuracy on 100 held-out public pairs is {accuracy:.2f}; at least 0.85 is needed"


def test_kl_penalised_rewards_example():
    got = kl_penalised_rewards(torch.tensor([1.0]), torch.tensor([[-1.0, -2.0, -0.5, -3.0]]),
                               torch.tensor([[-1.5, -2.0, -1.0, -9.0]]), torch.tensor([[True, True, True, False]]),
                               kl_coef=0.1)
    want = torch.tensor([[-0.05, 0.0, 0.95, 0.0]])
    assert got.shape == (1, 4) and torch.allclose(got, want, atol=1e-6), (
        f"expected {want} (a negative reward where the policy likes a token more than the reference; the score on "
        f"the last response token; 0 on padding), got {got}"
    )


def test_gae_example_with_padding():
    adv, ret = gae(torch.tensor([[0.0, 0.0, 1.0], [0.5, 0.0, 0.0]]), torch.tensor([[0.5, 0.6, 0.8], [0.2, 0.3, 7.0]]),
                   torch.tensor([[1, 1, 1], [1, 1, 0]]), gamma=1.0, lam=0.5)
    want_adv = torch.tensor([[0.25, 0.3, 0.2], [0.45, -0.3, 0.0]])
    want_ret = torch.tensor([[0.75, 0.9, 1.0], [0.65, 0.0, 0.0]])
    assert torch.allclose(adv, want_adv, atol=1e-6), f"advantages should be {want_adv}, got {adv}"
    assert torch.allclose(ret, want_ret, atol=1e-6), f"returns should be {want_ret}, got {ret}"


def test_gae_lambda_zero_is_the_one_step_delta():
    rewards, values = torch.tensor([[1.0, 2.0]]), torch.tensor([[0.5, 1.0]])
    adv, _ = gae(rewards, values, torch.tensor([[1, 1]]), gamma=0.5, lam=0.0)
    want = torch.tensor([[1.0 + 0.5 * 1.0 - 0.5, 2.0 - 1.0]])
    assert torch.allclose(adv, want, atol=1e-6), f"with lam=0 the advantages are delta = {want}, got {adv}"


def test_ppo_losses_examples():
    got = ppo_policy_loss(torch.tensor([[-0.5, -1.0, -2.0]]), torch.tensor([[-1.0, -1.0, -1.5]]),
                          torch.tensor([[1.0, -2.0, -1.0]]), torch.tensor([[1, 1, 1]]), clip_eps=0.2)
    assert got.dim() == 0 and abs(float(got) - 1.6 / 3) < 1e-4, f"the policy-loss example should give 0.5333, got {got}"
    unclipped = (-math.exp(0.5) + 2.0 + math.exp(-0.5)) / 3
    assert abs(float(got) - unclipped) > 0.1, "this is the unclipped loss: clip the ratio to [1 - clip_eps, 1 + clip_eps]"
    padded = ppo_policy_loss(torch.tensor([[-0.5, -1.0, -2.0, 9.0]]), torch.tensor([[-1.0, -1.0, -1.5, -9.0]]),
                             torch.tensor([[1.0, -2.0, -1.0, 100.0]]), torch.tensor([[1, 1, 1, 0]]), clip_eps=0.2)
    assert abs(float(padded) - 1.6 / 3) < 1e-4, f"a padded fourth token must not change the loss (0.5333), got {padded}"
    value = ppo_value_loss(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.5, 0.1]]), torch.tensor([[2.0, -1.0]]),
                           torch.tensor([[1, 1]]), clip_eps=0.2)
    assert value.dim() == 0 and abs(float(value) - 0.6725) < 1e-4, f"the value-loss example should give 0.6725, got {value}"
