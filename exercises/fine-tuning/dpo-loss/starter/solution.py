"""The Direct Preference Optimization (DPO) loss.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
All log-probabilities are natural logarithms; batches are 1-D tensors of shape (B,).
"""

import torch
import torch.nn.functional as F


def sequence_log_probs(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sum over the positions where ``mask`` is true of log softmax(logits)[b, t, labels[b, t]].

    logits (B, T, V), already aligned with labels (B, T): logits[b, t] scores the token labels[b, t].
    mask (B, T), bool or 0/1: which positions belong to the response. Returns shape (B,).
    """
    raise NotImplementedError("sequence_log_probs is not written yet")


def implicit_rewards(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.1):
    """Return (beta * (policy_chosen - ref_chosen), beta * (policy_rejected - ref_rejected))."""
    raise NotImplementedError("implicit_rewards is not written yet")


def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.1, reduction="mean"):
    """-log sigmoid(chosen reward - rejected reward) per pair, reduced with "mean", "sum" or "none".

    ValueError for an unknown reduction or beta <= 0.
    """
    raise NotImplementedError("dpo_loss is not written yet")


def preference_accuracy(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.1) -> float:
    """Fraction of pairs whose chosen reward is strictly larger than their rejected reward."""
    raise NotImplementedError("preference_accuracy is not written yet")
