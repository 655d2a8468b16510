"""RLHF with PPO: the reward model, the KL penalty, GAE and PPO's clipped losses.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
Shapes: B sequences, T token positions; ``mask`` is (B, T), bool or 0/1, true on response tokens and
right-padded. Padded positions may hold any number in the other tensors: they must not change any result.
"""

import torch
import torch.nn.functional as F
from torch import nn


def reward_model_loss(chosen_rewards, rejected_rewards, reduction="mean"):
    """Bradley-Terry: -log sigmoid(chosen - rejected) per pair, reduced with "mean", "sum" or "none".

    ValueError for any other reduction. Must be finite for margins of +-150 in float32.
    """
    raise NotImplementedError("reward_model_loss is not written yet")


class RewardHead(nn.Module):
    """A linear scoring head: (M, D) features -> (M,) scores. Use it, or write your own."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(x).squeeze(-1)


def train_reward_model(chosen: torch.Tensor, rejected: torch.Tensor, seed: int) -> nn.Module:
    """Fit a scoring model on N preference pairs (chosen and rejected are (N, D) float32) and return it.

    model(X) for X of shape (M, D) must return M scores. Seed everything from ``seed``.
    """
    raise NotImplementedError("train_reward_model is not written yet")


def kl_penalised_rewards(scores, logprobs, ref_logprobs, mask, kl_coef=0.1):
    """(B, T) rewards: -kl_coef * (logprobs - ref_logprobs) on response tokens, plus scores[b] on row b's
    last response token, 0 on padding."""
    raise NotImplementedError("kl_penalised_rewards is not written yet")


def gae(rewards, values, mask, gamma=1.0, lam=0.95):
    """Generalised advantage estimation; returns (advantages, returns), both (B, T), 0 on padding.

    Rewards and values on padding count as 0, and so does the value after the last position.
    delta[t] = rewards[t] + gamma * values[t + 1] - values[t]
    advantages[t] = delta[t] + gamma * lam * advantages[t + 1], from the last position backwards
    returns = advantages + values
    """
    raise NotImplementedError("gae is not written yet")


def ppo_policy_loss(logprobs, old_logprobs, advantages, mask, clip_eps=0.2):
    """Mean over response tokens of max(-A * ratio, -A * clip(ratio, 1 - clip_eps, 1 + clip_eps)),
    ratio = exp(logprobs - old_logprobs). A 0-d tensor."""
    raise NotImplementedError("ppo_policy_loss is not written yet")


def ppo_value_loss(values, old_values, returns, mask, clip_eps=0.2):
    """0.5 * mean over response tokens of max((values - returns)^2, (clipped - returns)^2), where
    clipped = old_values + clip(values - old_values, -clip_eps, clip_eps). A 0-d tensor."""
    raise NotImplementedError("ppo_value_loss is not written yet")


if __name__ == "__main__":
    print(reward_model_loss(torch.tensor([2.0, 0.5]), torch.tensor([1.0, 1.5]), reduction="none"))
