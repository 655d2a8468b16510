import math

import torch


def causal_mask(q_len, k_len=None):
    if k_len is None:
        k_len = q_len
    if k_len < q_len:
        raise ValueError(f"k_len ({k_len}) must be at least q_len ({q_len})")
    offset = k_len - q_len
    rows = torch.arange(q_len)[:, None]
    cols = torch.arange(k_len)[None, :]
    return cols <= rows + offset


def padding_mask(lengths, max_len):
    lengths = torch.as_tensor(lengths, dtype=torch.long).reshape(-1)
    return torch.arange(max_len)[None, :] < lengths[:, None]


def combine_masks(lengths, max_len, causal=True):
    keys = padding_mask(lengths, max_len)[:, None, None, :]  # (B, 1, 1, L)
    if not causal:
        return keys.expand(-1, 1, max_len, max_len).clone()
    return keys & causal_mask(max_len)[None, None, :, :]


def masked_softmax(scores, mask):
    mask = mask.to(torch.bool)
    return torch.softmax(scores.masked_fill(~mask, -1e9), dim=-1)  # fully masked rows become uniform


def masked_attention(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    return masked_softmax(scores, mask) @ v
