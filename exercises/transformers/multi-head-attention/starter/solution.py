"""Multi-head attention as a PyTorch module.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
"""

import math

import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    """Multi-head attention with inputs shaped (batch, length, d_model).

    Layers (exactly these four, so that ``load_state_dict`` finds them by name):
      q_proj, k_proj, v_proj, out_proj = nn.Linear(d_model, d_model, bias=bias)
    Attributes: ``num_heads`` and ``head_dim`` (= d_model // num_heads).
    """

    def __init__(self, d_model: int, num_heads: int, bias: bool = True) -> None:
        super().__init__()
        raise NotImplementedError("__init__ is not written yet")

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
