"""Hidden grader for transformers/multi-head-attention.

The student's module gets weights drawn here (seeded) through load_state_dict; the expected values come
from torch.nn.MultiheadAttention loaded with the same weights.
"""

import torch
from torch import nn

from gradient_grader import StudentError, assert_close, points, shows_expected

NAMES = ("q_proj", "k_proj", "v_proj", "out_proj")


def _weights(d_model, bias, seed):
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for name in NAMES:
        state[f"{name}.weight"] = torch.randn(d_model, d_model, generator=gen) / d_model**0.5
        if bias:
            state[f"{name}.bias"] = torch.randn(d_model, generator=gen) * 0.1
    return state


def _torch_mha(state, d_model, num_heads, bias):
    mha = nn.MultiheadAttention(d_model, num_heads, bias=bias, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([state[f"{n}.weight"] for n in NAMES[:3]]))
        mha.out_proj.weight.copy_(state["out_proj.weight"])
        if bias:
            mha.in_proj_bias.copy_(torch.cat([state[f"{n}.bias"] for n in NAMES[:3]]))
            mha.out_proj.bias.copy_(state["out_proj.bias"])
    return mha.eval()


def _build(student, d_model, num_heads, bias=True, seed=0):
    call = f"MultiHeadAttention({d_model}, {num_heads}, bias={bias})"
    model = student.MultiHeadAttention(d_model, num_heads, bias=bias)
    state = _weights(d_model, bias, seed)
    try:
        model.load_state_dict(state)
    except StudentError as error:
        raise AssertionError(
            f"{call}.load_state_dict(...) with the keys {sorted(state)} failed: {error.type_name}: "
            f"{error.message[:300]}"
        ) from None
    return model, _torch_mha(state, d_model, num_heads, bias), call


def _forward(model, call, *args, **kwargs):
    got = model(*args, **kwargs)
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"{call} should return a tuple (output, weights), got {type(got).__name__}"
    )
    out, weights = got
    assert isinstance(out, torch.Tensor) and isinstance(weights, torch.Tensor), (
        f"{call} should return two tensors, got {type(out).__name__} and {type(weights).__name__}"
    )
    return out, weights


def _compare(model, ref, call, query, key, value, student_mask=None, **torch_kwargs):
    num_heads = ref.num_heads
    out, weights = _forward(model, call, query, key, value, mask=student_mask)
    with torch.no_grad():
        want_out, want_w = ref(query, key, value, need_weights=True, average_attn_weights=False, **torch_kwargs)
    batch, lq, lk = query.shape[0], query.shape[1], key.shape[1]
    assert tuple(weights.shape) == (batch, num_heads, lq, lk), (
        f"{call}: weights have shape {tuple(weights.shape)}, expected (B, num_heads, Lq, Lk) = "
        f"{(batch, num_heads, lq, lk)}"
    )
    assert tuple(out.shape) == tuple(query.shape), (
        f"{call}: output has shape {tuple(out.shape)}, expected {tuple(query.shape)}"
    )
    assert_close(weights, want_w, rtol=1e-4, atol=1e-5,
                 what=f"{call}: per-head attention weights (compared with nn.MultiheadAttention)")
    assert_close(out, want_out, rtol=1e-4, atol=1e-5,
                 what=f"{call}: output (compared with nn.MultiheadAttention)")


@shows_expected
@points(1)
def test_layers_and_shapes(student):
    call = "MultiHeadAttention(32, 4)"
    model = student.MultiHeadAttention(32, 4)
    state = model.state_dict()
    want = {f"{n}.{p}" for n in NAMES for p in ("weight", "bias")}
    assert set(state) == want, f"{call}.state_dict() has the keys {sorted(state)}, expected {sorted(want)}"
    for name, value in state.items():
        shape = (32, 32) if name.endswith("weight") else (32,)
        assert tuple(value.shape) == shape, f"{call}: {name} has shape {tuple(value.shape)}, expected {shape}"
    head_dim = model.head_dim
    assert head_dim == 8 and model.num_heads == 4, (
        f"{call}: head_dim = {head_dim!r}, num_heads = {model.num_heads!r}, expected 8 and 4"
    )


@points(1)
def test_rejects_indivisible_heads(student):
    for d_model, heads in ((30, 4), (10, 3)):
        call = f"MultiHeadAttention({d_model}, {heads})"
        try:
            student.MultiHeadAttention(d_model, heads)
        except StudentError as error:
            assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"{call} should raise ValueError: {d_model} is not divisible by {heads}")


@points(3)
def test_self_attention_matches_torch(student):
    gen = torch.Generator().manual_seed(11)
    for batch, length, d_model, heads in ((2, 5, 16, 4), (1, 1, 8, 2), (3, 7, 24, 6), (4, 3, 12, 1)):
        model, ref, call = _build(student, d_model, heads, seed=batch * 100 + length)
        x = torch.randn(batch, length, d_model, generator=gen)
        _compare(model, ref, f"{call} on x of shape {(batch, length, d_model)}: model(x, x, x)", x, x, x)


@points(2)
def test_cross_attention(student):
    gen = torch.Generator().manual_seed(12)
    model, ref, call = _build(student, 16, 4, seed=7)
    for batch, lq, lk in ((2, 3, 6), (1, 8, 2)):
        query = torch.randn(batch, lq, 16, generator=gen)
        memory = torch.randn(batch, lk, 16, generator=gen)
        value = torch.randn(batch, lk, 16, generator=gen)
        _compare(model, ref, f"{call}: model(query {tuple(query.shape)}, key {tuple(memory.shape)}, "
                 f"value {tuple(value.shape)})", query, memory, value)


@points(2)
def test_masks(student):
    gen = torch.Generator().manual_seed(13)
    model, ref, call = _build(student, 16, 4, seed=8)
    x = torch.randn(2, 5, 16, generator=gen)
    causal = torch.tril(torch.ones(5, 5, dtype=torch.bool))
    _compare(model, ref, f"{call}: model(x, x, x, mask=causal (5, 5)) with x {tuple(x.shape)}",
             x, x, x, student_mask=causal, attn_mask=~causal)
    lengths = torch.tensor([5, 3])
    keep = torch.arange(5)[None, :] < lengths[:, None]  # (B, Lk): True for real tokens
    _compare(model, ref, f"{call}: model(x, x, x, mask=padding (2, 1, 1, 5)) with lengths [5, 3]",
             x, x, x, student_mask=keep[:, None, None, :], key_padding_mask=~keep)


@points(1)
def test_without_bias(student):
    call = "MultiHeadAttention(16, 2, bias=False)"
    keys = set(student.MultiHeadAttention(16, 2, bias=False).state_dict())
    want = {f"{n}.weight" for n in NAMES}
    assert keys == want, (
        f"{call}.state_dict() has the keys {sorted(keys)}, expected only the .weight of q_proj, k_proj, v_proj "
        "and out_proj (no biases)"
    )
    gen = torch.Generator().manual_seed(14)
    model, ref, call = _build(student, 16, 2, bias=False, seed=9)
    x = torch.randn(2, 4, 16, generator=gen)
    _compare(model, ref, f"{call}: model(x, x, x) with x {tuple(x.shape)}", x, x, x)
