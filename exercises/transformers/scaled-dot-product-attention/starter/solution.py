"""Scaled dot-product attention, written by hand.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
Do not call torch.softmax, torch.nn.functional.softmax or
torch.nn.functional.scaled_dot_product_attention: the point is to build them yourself.
"""

import math

import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax of ``x`` along ``dim``, safe for very large and very small values.

    The result has the shape of ``x``; the values along ``dim`` are >= 0 and sum to 1, except in a slice made
    only of -inf, which gives all zeros (never nan).

    >>> softmax(torch.tensor([1000.0, 1000.0]))
    tensor([0.5000, 0.5000])
    >>> softmax(torch.tensor([float("-inf"), float("-inf")]))
    tensor([0., 0.])
    """
    raise NotImplementedError("softmax is not written yet")


def mask_to_bias(mask: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The additive bias of a mask, with the shape of ``mask`` and the dtype ``dtype``.

    A boolean mask (True = may attend) gives 0.0 where True and -inf where False; a floating-point mask
    already is a bias and comes back unchanged, converted to ``dtype``.

    >>> mask_to_bias(torch.tensor([[False, True]]))
    tensor([[-inf, 0.]])
    """
    raise NotImplementedError("mask_to_bias is not written yet")


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
    key_padding_mask: torch.Tensor | None = None,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(output, weights)`` of attention of the queries ``q`` over the keys ``k``.

    Shapes: q (..., Lq, d), k (..., Lk, d), v (..., Lk, dv), where ``...`` is any number of batch dimensions
    (possibly none). ``attn_mask`` is None, a boolean mask (True = may attend) or a floating-point bias that
    broadcasts to (..., Lq, Lk). ``key_padding_mask`` is None or a boolean (B, Lk) tensor, True at real tokens
    (it needs a batch dimension: ValueError for a 2-D q). ``scale`` defaults to 1 / sqrt(d).

    weights = softmax(q @ k^T * scale + biases) over the keys; output = weights @ v.
    Shapes: output (..., Lq, dv), weights (..., Lq, Lk). A fully masked row gives zero weights and output.
    """
    raise NotImplementedError("scaled_dot_product_attention is not written yet")
