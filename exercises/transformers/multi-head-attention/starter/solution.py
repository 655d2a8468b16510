"""Multi-head attention as a PyTorch module.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
``scaled_dot_product_attention`` is given complete (it is what you wrote in the *Scaled dot-product attention*
exercise, in its basic form): call it, your job here is everything around it.
"""

import math

import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, mask=None):
    """Given, complete: ``(softmax(q k^T / sqrt(d)) v, weights)`` over any leading batch dimensions.

    q (..., Lq, d), k (..., Lk, d), v (..., Lk, dv); mask None or a bool tensor broadcastable to (..., Lq, Lk),
    True = may attend. Returns output (..., Lq, dv) and weights (..., Lq, Lk). The scale uses the last size
    of q, so call it on tensors already split into heads: it then divides by sqrt(head_dim).
    """
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask.to(torch.bool), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return torch.matmul(weights, v), weights


class MultiHeadAttention(nn.Module):
    """Multi-head attention with inputs shaped (batch, length, d_model).

    Layers (exactly these four, so that ``load_state_dict`` finds them by name):
      q_proj, k_proj, v_proj, out_proj = nn.Linear(d_model, d_model, bias=bias)
    Attributes: ``num_heads`` and ``head_dim`` (= d_model // num_heads).
    """

    def __init__(self, d_model: int, num_heads: int, bias: bool = True) -> None:
        super().__init__()
        raise NotImplementedError("__init__ is not written yet")

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, d_model) -> (B, num_heads, L, head_dim); head h owns features h*head_dim .. (h+1)*head_dim - 1."""
        raise NotImplementedError("split_heads is not written yet")

    def merge_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, num_heads, L, head_dim) -> (B, L, d_model): the inverse of split_heads."""
        raise NotImplementedError("merge_heads is not written yet")

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(output, weights)``.

        query (B, Lq, d_model), key and value (B, Lk, d_model);
        mask: None or a bool tensor broadcastable to (B, num_heads, Lq, Lk), True = may attend.
        output (B, Lq, d_model); weights (B, num_heads, Lq, Lk), the attention weights of every head.
        """
        raise NotImplementedError("forward is not written yet")
