import math

import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Stable softmax along ``dim``; a slice made only of -inf gives zeros instead of nan."""
    top = x.amax(dim=dim, keepdim=True)
    # An all -inf slice has max -inf, and -inf - (-inf) is nan: shift such a slice by 0 instead.
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    exps = torch.exp(x - top)
    total = exps.sum(dim=dim, keepdim=True)
    # exp(-inf) = 0 everywhere in that slice: divide by 1, so it stays all zeros.
    return exps / torch.where(total > 0, total, torch.ones_like(total))


def mask_to_bias(mask: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A boolean mask (True = may attend) as an additive bias: 0 where True, -inf where False.
    A floating-point mask already is a bias: it comes back unchanged, in ``dtype``."""
    if mask.dtype == torch.bool:
        bias = torch.zeros(mask.shape, dtype=dtype, device=mask.device)
        return bias.masked_fill(~mask, float("-inf"))
    return mask.to(dtype)


def scaled_dot_product_attention(q, k, v, attn_mask=None, key_padding_mask=None, scale=None):
    """softmax(q k^T * scale + bias) v over any leading batch dimensions; returns (output, weights)."""
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    scores = torch.matmul(q, k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + mask_to_bias(attn_mask, scores.dtype)  # before scaling: the bias is scaled too
    scores = scores * scale
    if key_padding_mask is not None:
        if q.dim() < 3:
            raise ValueError("key_padding_mask needs a batch dimension: q must be at least (B, Lq, d)")
        batch, length = key_padding_mask.shape
        # (B, Lk) -> (B, 1, ..., 1, Lk): one row per sequence, the same for every head and every query.
        keys = key_padding_mask.reshape(batch, *([1] * (q.dim() - 2)), length)
        scores = scores + mask_to_bias(keys, scores.dtype)
    weights = softmax(scores, dim=-1)
    return torch.matmul(weights, v), weights
