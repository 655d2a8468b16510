"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example, split_heads and merge_heads, and compare your module with PyTorch's
nn.MultiheadAttention, as the statement suggests, on one small input. The hidden grader checks more (other sizes and head counts,
cross-attention, causal and padding masks, bias=False).
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import MultiHeadAttention  # noqa: E402


def _torch_reference(mha, d_model, num_heads):
    ref = nn.MultiheadAttention(d_model, num_heads, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([mha.q_proj.weight, mha.k_proj.weight, mha.v_proj.weight]))
        ref.in_proj_bias.copy_(torch.cat([mha.q_proj.bias, mha.k_proj.bias, mha.v_proj.bias]))
        ref.out_proj.weight.copy_(mha.out_proj.weight)
        ref.out_proj.bias.copy_(mha.out_proj.bias)
    return ref


def test_layers_and_head_dim():
    torch.manual_seed(0)
    mha = MultiHeadAttention(d_model=8, num_heads=2)
    keys = sorted(mha.state_dict())
    want = ["k_proj.bias", "k_proj.weight", "out_proj.bias", "out_proj.weight",
            "q_proj.bias", "q_proj.weight", "v_proj.bias", "v_proj.weight"]
    assert keys == want, f"sorted(mha.state_dict()) is {keys}, expected {want} (exactly four nn.Linear layers)"
    assert mha.head_dim == 4, f"MultiHeadAttention(8, 2).head_dim is {mha.head_dim}, expected 4"
    assert mha.num_heads == 2, f"MultiHeadAttention(8, 2).num_heads is {mha.num_heads}, expected 2"


def test_d_model_must_be_divisible_by_num_heads():
    try:
        MultiHeadAttention(10, 3)
    except ValueError:
        return
    raise AssertionError("MultiHeadAttention(10, 3) should raise ValueError: 10 is not divisible by 3")


def test_example_shapes_and_weights():
    torch.manual_seed(0)
    mha = MultiHeadAttention(d_model=8, num_heads=2)
    x = torch.randn(3, 5, 8)
    out, w = mha(x, x, x)
    assert out.shape == (3, 5, 8), f"the output has shape {tuple(out.shape)}, expected (3, 5, 8)"
    assert w.shape == (3, 2, 5, 5), f"the weights have shape {tuple(w.shape)}, expected (3, 2, 5, 5): (B, num_heads, Lq, Lk)"
    assert torch.allclose(w.sum(-1), torch.ones(3, 2, 5), atol=1e-5), "every row of the attention weights should sum to 1"


def test_split_and_merge_heads():
    torch.manual_seed(0)
    mha = MultiHeadAttention(d_model=8, num_heads=2)
    x = torch.randn(3, 5, 8)
    split = mha.split_heads(x)
    assert split.shape == (3, 2, 5, 4), f"split_heads of a (3, 5, 8) tensor has shape {tuple(split.shape)}, expected (3, 2, 5, 4)"
    assert torch.equal(split[0, 1, 0], x[0, 0, 4:8]), (
        "split_heads(x)[0, 1, 0] (sequence 0, head 1, position 0) should be x[0, 0, 4:8], the features of head 1 at "
        "position 0: view as (B, L, num_heads, head_dim) first, then move the heads forward"
    )
    assert torch.equal(split[2, 0, 3], x[2, 3, 0:4]), "split_heads(x)[2, 0, 3] should be x[2, 3, 0:4]"
    merged = mha.merge_heads(split)
    assert merged.shape == (3, 5, 8) and torch.equal(merged, x), (
        "merge_heads(split_heads(x)) should give x back exactly: transpose the heads back next to the head_dim "
        "before reshaping to (B, L, d_model)"
    )


def test_matches_torch_multihead_attention():
    torch.manual_seed(1)
    d_model, num_heads = 12, 3
    mha = MultiHeadAttention(d_model, num_heads)
    ref = _torch_reference(mha, d_model, num_heads)
    query, memory = torch.randn(2, 4, d_model), torch.randn(2, 6, d_model)
    with torch.no_grad():
        out, w = mha(query, memory, memory)
        want_out, want_w = ref(query, memory, memory, average_attn_weights=False)
    assert torch.allclose(w, want_w, atol=1e-5), (
        "the per-head weights differ from nn.MultiheadAttention's (cross-attention, d_model=12, 3 heads): check how "
        "you split the heads (head h owns features h*head_dim .. (h+1)*head_dim-1 of each position) and that "
        "the scores are divided by sqrt(head_dim)"
    )
    assert torch.allclose(out, want_out, atol=1e-5), (
        "the weights match but the output differs from nn.MultiheadAttention's: check how you merge the heads "
        "back to (B, Lq, d_model) before out_proj"
    )


def test_causal_mask_gives_zero_weight_to_later_keys():
    torch.manual_seed(2)
    mha = MultiHeadAttention(8, 2)
    x = torch.randn(1, 4, 8)
    mask = torch.tril(torch.ones(4, 4, dtype=torch.bool))  # True: may attend
    with torch.no_grad():
        _, w = mha(x, x, x, mask=mask)
    assert torch.all(w[..., ~mask] == 0), "where the mask is False the attention weight should be exactly 0"
    assert torch.allclose(w.sum(-1), torch.ones(1, 2, 4), atol=1e-5), "with a mask, every row of weights should still sum to 1"
