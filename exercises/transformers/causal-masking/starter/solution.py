"""Causal and padding masks for attention.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
Every mask is a torch.bool tensor with True = "may attend" and False = "may not attend".
"""

import math

import torch


def causal_mask(q_len: int, k_len: int | None = None) -> torch.Tensor:
    """Bool tensor (q_len, k_len): query i may attend key j iff j <= i + (k_len - q_len).

    The queries are the LAST q_len positions of a sequence of k_len positions (k_len defaults to
    q_len). Raise ValueError if k_len < q_len.
    """
    raise NotImplementedError("causal_mask is not written yet")


def padding_mask(lengths, max_len: int) -> torch.Tensor:
    """Bool tensor (B, max_len): True at the real tokens (position < lengths[b]), False at padding."""
    raise NotImplementedError("padding_mask is not written yet")


def combine_masks(lengths, max_len: int, causal: bool = True) -> torch.Tensor:
    """Bool tensor (B, 1, max_len, max_len): query i may attend key j iff key j is a real token
    and, when ``causal`` is True, j <= i."""
    raise NotImplementedError("combine_masks is not written yet")


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension where ``mask`` (broadcastable to scores) is True.

    Masked entries are exactly 0. A row with no allowed entry is all zeros (never nan).
    """
    raise NotImplementedError("masked_softmax is not written yet")


def masked_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """softmax(q k^T / sqrt(d)) v with ``masked_softmax``; returns the output (..., Lq, dv).

    A query whose row of the mask is all False gets an all-zero output vector.
    """
    raise NotImplementedError("masked_attention is not written yet")
