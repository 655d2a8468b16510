import torch
import torch.nn.functional as F


def sequence_log_probs(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    log_probs = torch.log_softmax(logits, dim=-1)
    token_log_probs = torch.gather(log_probs, -1, labels.long().unsqueeze(-1)).squeeze(-1)
    return (token_log_probs * mask.to(token_log_probs.dtype)).sum(dim=-1)


def implicit_rewards(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.1):
    return beta * (policy_chosen - ref_chosen), beta * (policy_rejected - ref_rejected)


def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.1, reduction="mean"):
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    chosen, rejected = implicit_rewards(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta)
    losses = -F.logsigmoid(rejected - chosen)  # rewards the rejected answer
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def preference_accuracy(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.1):
    chosen, rejected = implicit_rewards(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta)
    return float((chosen > rejected).float().mean())
