import torch
import torch.nn.functional as F
from torch import nn


def reward_model_loss(chosen_rewards, rejected_rewards, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    losses = -F.logsigmoid(chosen_rewards - rejected_rewards)
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


class RewardHead(nn.Module):
    """A linear scoring head: (M, D) features -> (M,) scores."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(x).squeeze(-1)


def train_reward_model(chosen, rejected, seed, steps=300, lr=0.05):
    torch.manual_seed(seed)
    chosen, rejected = chosen.float(), rejected.float()
    model = RewardHead(chosen.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    for _ in range(steps):
        loss = reward_model_loss(model(chosen), model(rejected))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def _last_positions(mask):
    """Index of the last true position of each row of a (B, T) mask."""
    positions = torch.arange(mask.shape[1]).expand_as(mask)
    return torch.where(mask, positions, torch.full_like(positions, -1)).max(dim=1).values


def kl_penalised_rewards(scores, logprobs, ref_logprobs, mask, kl_coef=0.1):
    mask = mask.bool()
    rewards = torch.where(mask, kl_coef * (logprobs - ref_logprobs), torch.zeros_like(logprobs))
    rows = torch.arange(mask.shape[0])
    rewards[rows, _last_positions(mask)] += scores.to(rewards.dtype)
    return rewards


def gae(rewards, values, mask, gamma=1.0, lam=0.95):
    mask = mask.to(values.dtype)
    rewards = rewards * mask
    values = values * mask
    advantages = torch.zeros_like(values)
    running = torch.zeros_like(values[:, 0])
    for t in reversed(range(values.shape[1])):
        next_value = values[:, t + 1] if t + 1 < values.shape[1] else torch.zeros_like(running)
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = delta + gamma * lam * running
        advantages[:, t] = running
    advantages = advantages * mask
    return advantages, (advantages + values) * mask


def _masked_mean(x, mask):
    mask = mask.to(x.dtype)
    return (x * mask).sum() / mask.sum()


def ppo_policy_loss(logprobs, old_logprobs, advantages, mask, clip_eps=0.2):
    ratio = torch.exp(logprobs - old_logprobs)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_eps, 1.0 + clip_eps)
    return _masked_mean(torch.maximum(unclipped, clipped), mask)


def ppo_value_loss(values, old_values, returns, mask, clip_eps=0.2):
    clipped = old_values + torch.clamp(values - old_values, -clip_eps, clip_eps)
    losses = torch.maximum((values - returns) ** 2, (clipped - returns) ** 2)
    return 0.5 * _masked_mean(losses, mask)
