"""Hidden grader for transformers/seq2seq-attention.

Inputs are drawn per submission (submission_rng): token sequences, padding lengths, and the weights the grader
loads into the student's layers and model. `_mha` below is multi-head attention written out with
torch.nn.functional.scaled_dot_product_attention on the weights of an nn.MultiheadAttention (in_proj split
into q, k, v), and `_ref_*` is the statement's post-LN encoder-decoder built on it, so the expected values
never come from the student's code. The training task is reversing digit strings of length 2..8: the
reference (one layer per stack, 200 steps of 128, about 3-5 s of CPU) reverses 98.5-100% of 200 held-out
strings exactly over 60 draws; the threshold is 90%. (Two layers and 200 steps of 64 stalled on a plateau on 5
draws of 30.)
Without the shift (decoder input = target) it learns to copy its input and scores ~0%.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from gradient_grader import (
    Remote,
    StudentError,
    assert_close,
    call_timeout,
    points,
    shows_expected,
    submission_rng,
)

torch.set_num_threads(1)

SLUG = "transformers/seq2seq-attention"
PAD, BOS, EOS, VOCAB = 0, 1, 2, 13
TRAIN_ARGS = dict(steps=200, batch_size=128, lr=3e-3, seed=0)
ACCURACY_LIMIT = 0.9
_cache = {}


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


# --- the statement's model, written out with F.scaled_dot_product_attention ---------------------------------


def _mha(state, prefix, n_head, query, key_value, attn_mask=None, key_padding_mask=None):
    """nn.MultiheadAttention(batch_first=True) by hand. Masks in its convention: True = may NOT attend."""
    d_model = query.shape[-1]
    w_q, w_k, w_v = state[f"{prefix}.in_proj_weight"].double().chunk(3)
    b_q, b_k, b_v = state[f"{prefix}.in_proj_bias"].double().chunk(3)

    def heads(x):
        return x.reshape(x.shape[0], x.shape[1], n_head, d_model // n_head).transpose(1, 2)

    q, k, v = heads(query @ w_q.T + b_q), heads(key_value @ w_k.T + b_k), heads(key_value @ w_v.T + b_v)
    allowed = torch.ones(query.shape[0], 1, query.shape[1], key_value.shape[1], dtype=torch.bool)
    if attn_mask is not None:
        allowed = allowed & ~attn_mask[None, None]
    if key_padding_mask is not None:
        allowed = allowed & ~key_padding_mask[:, None, None, :]
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)  # SDPA's convention: True = attend
    out = out.transpose(1, 2).reshape(query.shape)
    return out @ state[f"{prefix}.out_proj.weight"].double().T + state[f"{prefix}.out_proj.bias"].double()


def _ln(state, prefix, x):
    return F.layer_norm(x, x.shape[-1:], state[f"{prefix}.weight"].double(), state[f"{prefix}.bias"].double())


def _ff(state, prefix, x):
    h = torch.relu(x @ state[f"{prefix}.0.weight"].double().T + state[f"{prefix}.0.bias"].double())
    return h @ state[f"{prefix}.2.weight"].double().T + state[f"{prefix}.2.bias"].double()


def _ref_encoder_layer(state, prefix, n_head, x, src_pad):
    x = _ln(state, f"{prefix}norm1", x + _mha(state, f"{prefix}self_attn", n_head, x, x, key_padding_mask=src_pad))
    return _ln(state, f"{prefix}norm2", x + _ff(state, f"{prefix}ff", x))


def _ref_decoder_layer(state, prefix, n_head, y, memory, src_pad):
    future = torch.triu(torch.ones(y.shape[1], y.shape[1], dtype=torch.bool), diagonal=1)
    y = _ln(state, f"{prefix}norm1", y + _mha(state, f"{prefix}self_attn", n_head, y, y, attn_mask=future))
    y = _ln(state, f"{prefix}norm2",
            y + _mha(state, f"{prefix}cross_attn", n_head, y, memory, key_padding_mask=src_pad))
    return _ln(state, f"{prefix}norm3", y + _ff(state, f"{prefix}ff", y))


def _ref_model(state, n_head, n_layers, src, decoder_input):
    def embed(tokens):
        return state["embed.weight"].double()[tokens] + state["pos.weight"].double()[: tokens.shape[1]]

    src_pad = src == PAD
    x = embed(src)
    for i in range(n_layers):
        x = _ref_encoder_layer(state, f"encoder.{i}.", n_head, x, src_pad)
    y = embed(decoder_input)
    for i in range(n_layers):
        y = _ref_decoder_layer(state, f"decoder.{i}.", n_head, y, x, src_pad)
    return y @ state["out.weight"].double().T + state["out.bias"].double()


def _attn_state(rng, prefix, d_model):
    return {
        f"{prefix}.in_proj_weight": rng.normal(0, 1 / math.sqrt(d_model), (3 * d_model, d_model)),
        f"{prefix}.in_proj_bias": rng.normal(0, 0.1, 3 * d_model),
        f"{prefix}.out_proj.weight": rng.normal(0, 1 / math.sqrt(d_model), (d_model, d_model)),
        f"{prefix}.out_proj.bias": rng.normal(0, 0.1, d_model),
    }


def _layer_state(rng, prefix, d_model, d_ff, decoder):
    state = {}
    for name in ("self_attn", "cross_attn") if decoder else ("self_attn",):
        state.update(_attn_state(rng, f"{prefix}{name}", d_model))
    state[f"{prefix}ff.0.weight"] = rng.normal(0, 1 / math.sqrt(d_model), (d_ff, d_model))
    state[f"{prefix}ff.0.bias"] = rng.normal(0, 0.1, d_ff)
    state[f"{prefix}ff.2.weight"] = rng.normal(0, 1 / math.sqrt(d_ff), (d_model, d_ff))
    state[f"{prefix}ff.2.bias"] = rng.normal(0, 0.1, d_model)
    for n in (1, 2, 3) if decoder else (1, 2):
        state[f"{prefix}norm{n}.weight"] = 1 + 0.3 * rng.normal(size=d_model)
        state[f"{prefix}norm{n}.bias"] = 0.3 * rng.normal(size=d_model)
    return state


def _model_state(rng, d_model, d_ff, n_layers, max_len):
    state = {"embed.weight": rng.normal(0, 1, (VOCAB, d_model)), "pos.weight": rng.normal(0, 0.5, (max_len, d_model))}
    for i in range(n_layers):
        state.update(_layer_state(rng, f"encoder.{i}.", d_model, d_ff, decoder=False))
        state.update(_layer_state(rng, f"decoder.{i}.", d_model, d_ff, decoder=True))
    state["out.weight"] = rng.normal(0, 1 / math.sqrt(d_model), (VOCAB, d_model))
    state["out.bias"] = rng.normal(0, 0.1, VOCAB)
    return {k: torch.tensor(v, dtype=torch.float32) for k, v in state.items()}


# --- calling the student's code --------------------------------------------------------------------------------


def _load(module, call, state):
    try:
        module.load_state_dict(state)
    except StudentError as error:
        raise AssertionError(
            f"{call}.load_state_dict(weights with the statement's names: {sorted(state)[:6]} ...) failed: "
            f"{error.type_name}: {error.message[:400]}"
        ) from None
    module.eval()


def _tensor(value, call, shape=None):
    assert isinstance(value, torch.Tensor), f"{call} should return a tensor, got {type(value).__name__}"
    if shape is not None:
        assert tuple(value.shape) == tuple(shape), f"{call} returned shape {tuple(value.shape)}, expected {tuple(shape)}"
    return value.double()


def _call(call, fn, *args):
    try:
        return fn(*args)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None


def _padded_tokens(rng, batch, longest, low=3):
    """A (batch, longest) source batch: row 0 full, row 1 with at least two PADs, the rest random lengths."""
    lengths = rng.integers(1, longest + 1, size=batch)
    lengths[0], lengths[1] = longest, int(rng.integers(1, longest - 1))
    tokens = torch.from_numpy(rng.integers(low, VOCAB, size=(batch, longest)))
    tokens[torch.arange(longest)[None, :] >= torch.from_numpy(lengths)[:, None]] = PAD
    return tokens, lengths


def _model(student, rng, config):
    d_model, n_head, d_ff, n_layers, max_len = config
    call = f"Seq2Seq(vocab_size=13, d_model={d_model}, n_head={n_head}, d_ff={d_ff}, n_layers={n_layers}, max_len={max_len})"
    model = student.Seq2Seq(vocab_size=VOCAB, d_model=d_model, n_head=n_head, d_ff=d_ff, n_layers=n_layers,
                            max_len=max_len)
    assert isinstance(model, Remote), f"{call} should build an nn.Module, got {model!r:.100}"
    state = _model_state(rng, d_model, d_ff, n_layers, max_len)
    _load(model, call, state)
    return model, state, call


def _reverse_data(rng, count, exclude=frozenset()):
    seen, sources = set(exclude), []
    while len(sources) < count:
        seq = tuple(int(d) + 3 for d in rng.integers(0, 10, size=int(rng.integers(2, 9))))
        if seq not in seen:
            seen.add(seq)
            sources.append(list(seq))
    return sources, [s[::-1] for s in sources]


def _trained(student):
    if "run" in _cache:
        return _cache["run"]
    rng = _rng("train")
    sources, targets = _reverse_data(rng, 3000)
    args = ", ".join(f"{k}={v}" for k, v in TRAIN_ARGS.items())
    call = f"train_model(<3000 hidden digit strings of length 2-8>, <the same strings reversed>, {args})"
    with call_timeout(120):
        result = student.train_model(sources, targets, **TRAIN_ARGS)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{call} should return a tuple (model, losses), got {result!r:.200}"
    )
    model, losses = result
    assert isinstance(model, Remote), f"{call} should return the trained Seq2Seq first, got {model!r:.100}"
    _cache["run"] = (call, model, losses, {tuple(s) for s in sources})
    return _cache["run"]


# --- tests -----------------------------------------------------------------------------------------------------


@points(1)
def test_shift_right_for_teacher_forcing(student):
    rng = _rng("shift")
    targets = [[int(t) for t in rng.integers(3, VOCAB, size=int(n))] for n in rng.permutation([2, 5, 3, 4])]
    longest = max(len(t) for t in targets) + 1
    call = f"shift_right({targets})"
    got = _call(call, student.shift_right, targets)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (decoder_input, decoder_target)"
    dec_in, dec_out = got
    for name, value in (("decoder_input", dec_in), ("decoder_target", dec_out)):
        assert isinstance(value, torch.Tensor) and value.dtype == torch.int64, (
            f"{call}: {name} should be a torch.long tensor, got {getattr(value, 'dtype', type(value).__name__)}"
        )
        assert tuple(value.shape) == (4, longest), (
            f"{call}: {name} has shape {tuple(value.shape)}, expected (4, {longest}): one more than the longest target"
        )
    for row, target in enumerate(targets):
        n = len(target)
        got_in, got_out = dec_in[row].tolist(), dec_out[row].tolist()
        assert got_in == [BOS, *target] + [PAD] * (longest - n - 1), (
            f"{call}: decoder_input row {row} is {got_in}. Teacher forcing feeds the decoder BOS (1) followed by the "
            "target, padded with PAD (0): the input is the target shifted one step to the right"
        )
        assert got_out == [*target, EOS] + [PAD] * (longest - n - 1), (
            f"{call}: decoder_target row {row} is {got_out}. The decoder must predict the target followed by EOS (2), "
            "padded with PAD (0): at position t it predicts the token that follows decoder_input[t]"
        )


@shows_expected  # the masks follow from the inputs the message shows
@points(1)
def test_padding_and_causal_masks(student):
    rng = _rng("masks")
    tokens, _ = _padded_tokens(rng, 3, 6)
    call = f"padding_mask({tokens.tolist()})"
    got = _call(call, student.padding_mask, tokens)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.bool and tuple(got.shape) == (3, 6), (
        f"{call} should return a bool tensor of shape (3, 6), got {getattr(got, 'dtype', type(got).__name__)} "
        f"{tuple(getattr(got, 'shape', ()))}"
    )
    want = tokens == PAD
    assert torch.equal(got, want), (
        f"{call} returned {got.tolist()}, expected {want.tolist()}: True exactly at the PAD positions "
        "(nn.MultiheadAttention's key_padding_mask ignores the keys marked True)"
    )
    size = int(rng.integers(3, 7))
    got = _call(f"causal_mask({size})", student.causal_mask, size)
    want = torch.triu(torch.ones(size, size, dtype=torch.bool), diagonal=1)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.bool and torch.equal(got, want), (
        f"causal_mask({size}) returned {got.tolist() if isinstance(got, torch.Tensor) else got!r}, expected "
        f"{want.tolist()}: True strictly above the diagonal (position i may NOT attend to the later positions j > i)"
    )


@points(2)
def test_encoder_layer_matches_reference(student):
    rng = _rng("encoder")
    d_model, n_head, d_ff = 16, int(rng.choice([2, 4])), 32
    call = f"EncoderLayer({d_model}, {n_head}, {d_ff})"
    layer = student.EncoderLayer(d_model, n_head, d_ff)
    assert isinstance(layer, Remote), f"{call} should build an nn.Module, got {layer!r:.100}"
    state = {k: torch.tensor(v, dtype=torch.float32)
             for k, v in _layer_state(rng, "", d_model, d_ff, decoder=False).items()}
    _load(layer, call, state)
    tokens, lengths = _padded_tokens(rng, 4, int(rng.integers(5, 8)))
    x = torch.from_numpy(rng.normal(0, 1, (4, tokens.shape[1], d_model))).float()
    mask = tokens == PAD
    got = _tensor(_call(f"{call}(x, src_padding_mask)", layer, x, mask), f"{call}(x, src_padding_mask)", x.shape)
    want = _ref_encoder_layer(state, "", n_head, x.double(), mask)
    real = ~mask
    assert_close(got[real], want[real], rtol=1e-4, atol=1e-4,
                 what=f"{call}(x (4, {tokens.shape[1]}, {d_model}), src_padding_mask) at the real (non-PAD) positions "
                      f"of sources of lengths {lengths.tolist()} (post-LN: norm1(x + self_attn(x, x, x) with "
                      "key_padding_mask), then norm2(x + ff(x)))")


@points(2)
def test_decoder_layer_cross_attends_to_the_source(student):
    rng = _rng("decoder")
    d_model, n_head, d_ff = 16, int(rng.choice([2, 4])), 32
    call = f"DecoderLayer({d_model}, {n_head}, {d_ff})"
    layer = student.DecoderLayer(d_model, n_head, d_ff)
    assert isinstance(layer, Remote), f"{call} should build an nn.Module, got {layer!r:.100}"
    state = {k: torch.tensor(v, dtype=torch.float32)
             for k, v in _layer_state(rng, "", d_model, d_ff, decoder=True).items()}
    _load(layer, call, state)
    src, lengths = _padded_tokens(rng, 4, int(rng.integers(5, 8)))
    target_len = int(rng.integers(3, 6))
    while target_len == src.shape[1]:
        target_len = int(rng.integers(3, 6))
    y = torch.from_numpy(rng.normal(0, 1, (4, target_len, d_model))).float()
    memory = torch.from_numpy(rng.normal(0, 1, (4, src.shape[1], d_model))).float()
    mask = src == PAD
    where = f"{call}(y (4, {target_len}, {d_model}), memory (4, {src.shape[1]}, {d_model}), src_padding_mask)"
    got = _tensor(_call(where, layer, y, memory, mask), where, y.shape)
    want = _ref_decoder_layer(state, "", n_head, y.double(), memory.double(), mask)
    assert_close(got, want, rtol=1e-4, atol=1e-4,
                 what=f"{where} for sources of lengths {lengths.tolist()} (causal self-attention, then "
                      "cross-attention with queries from y and keys/values from memory, the source's PAD positions "
                      "masked, then the feed-forward; each followed by its add & norm)")


@points(1)
def test_padding_the_source_changes_nothing(student):
    rng = _rng("padding")
    model, _, call = _model(student, rng, (16, 2, 32, 1, 16))
    src, lengths = _padded_tokens(rng, 3, 5)
    extra = int(rng.integers(2, 5))
    longer = torch.cat([src, torch.full((3, extra), PAD, dtype=torch.long)], dim=1)
    dec = torch.cat([torch.full((3, 1), BOS), torch.from_numpy(rng.integers(3, VOCAB, size=(3, 4)))], dim=1)
    first = _tensor(_call(f"{call}(src, decoder_input)", model, src, dec), f"{call}(src, decoder_input)", (3, 5, VOCAB))
    second = _tensor(_call(f"{call}(src + {extra} more PAD columns, decoder_input)", model, longer, dec),
                     f"{call}(src with more padding, decoder_input)", (3, 5, VOCAB))
    moved = (first - second).abs().max().item()
    assert moved < 1e-4, (
        f"{call}: adding {extra} more PAD columns to sources of lengths {lengths.tolist()} changed the logits by up to "
        f"{moved:.3g}. Padding is not part of the source: mask it with key_padding_mask in the encoder's "
        "self-attention AND in every decoder layer's cross-attention"
    )


@points(1)
def test_decoder_is_causal(student):
    rng = _rng("causal")
    model, _, call = _model(student, rng, (16, 2, 32, 1, 16))
    src, _ = _padded_tokens(rng, 2, 6)
    dec = torch.cat([torch.full((2, 1), BOS), torch.from_numpy(rng.integers(3, VOCAB, size=(2, 7)))], dim=1)
    t = int(rng.integers(2, 7))
    dec2 = dec.clone()
    dec2[:, t:] = 3 + (dec2[:, t:] - 3 + torch.from_numpy(rng.integers(1, 10, size=(2, 8 - t)))) % 10
    first = _tensor(_call(f"{call}(src, decoder_input)", model, src, dec), f"{call}(src, decoder_input)", (2, 8, VOCAB))
    second = _tensor(_call(f"{call}(src, decoder_input changed from position {t})", model, src, dec2),
                     f"{call}(src, decoder_input changed from position {t})", (2, 8, VOCAB))
    moved = (first[:, :t] - second[:, :t]).abs().max().item()
    assert moved < 1e-4, (
        f"{call}: changing the decoder input at positions {t}..7 changed the logits at positions 0..{t - 1} by up to "
        f"{moved:.3g}: the decoder's self-attention needs the causal mask (attn_mask, True above the diagonal)"
    )


@points(1)
def test_model_matches_reference(student):
    rng = _rng("model")
    config = (16, int(rng.choice([2, 4])), 32, 2, 16)
    model, state, call = _model(student, rng, config)
    src, lengths = _padded_tokens(rng, 3, int(rng.integers(4, 8)))
    dec = torch.cat([torch.full((3, 1), BOS), torch.from_numpy(rng.integers(3, VOCAB, size=(3, 5)))], dim=1)
    got = _tensor(_call(f"{call}(src, decoder_input)", model, src, dec), f"{call}(src, decoder_input)", (3, 6, VOCAB))
    want = _ref_model(state, config[1], config[3], src, dec)
    assert_close(got, want, rtol=1e-4, atol=1e-4,
                 what=f"{call} with the grader's weights, on sources of lengths {lengths.tolist()}: the logits "
                      "(embed + pos for both sides, the encoder stack, then the decoder stack over its output, then out)")


@points(1)
def test_greedy_decode_respects_max_len_and_eos(student):
    rng = _rng("greedy")
    model, state, call = _model(student, rng, (16, 2, 32, 1, 24))
    src, _ = _padded_tokens(rng, 3, 5)
    max_len = int(rng.integers(5, 10))
    no_eos = dict(state)
    no_eos["out.bias"] = state["out.bias"].clone()
    no_eos["out.bias"][EOS] = -1e4
    no_eos["out.bias"][PAD] = -1e4
    no_eos["out.bias"][BOS] = -1e4
    _load(model, call, no_eos)
    where = f"greedy_decode(<{call} that never predicts EOS>, src (3, 5), max_len={max_len})"
    got = _call(where, student.greedy_decode, model, src, max_len)
    assert isinstance(got, list) and len(got) == 3 and all(isinstance(row, list) for row in got), (
        f"{where} should return a list of 3 lists of token ids, got {got!r:.200}"
    )
    assert all(len(row) == max_len for row in got), (
        f"{where} returned rows of lengths {[len(row) for row in got]}: with no EOS each row should have exactly "
        f"max_len = {max_len} tokens (BOS is not part of the result)"
    )
    ys = torch.full((3, 1), BOS, dtype=torch.long)
    for step in range(max_len):  # the statement's loop, with the student's own model
        logits = _tensor(_call(f"{call}(src, ys)", model, src, ys), f"{call}(src, ys)")
        nxt = logits[:, -1].argmax(dim=-1, keepdim=True)
        ys = torch.cat([ys, nxt], dim=1)
    differ = sum(a != b for row, replay in zip(got, ys[:, 1:].tolist(), strict=True) for a, b in zip(row, replay))
    assert differ == 0, (
        f"{where}: {differ} of the {3 * max_len} tokens differ from feeding BOS, taking the argmax of the logits at the "
        f"last position and appending it, step by step (got {got})"
    )
    always_eos = dict(state)
    always_eos["out.bias"] = state["out.bias"].clone()
    always_eos["out.bias"][EOS] = 1e4
    _load(model, call, always_eos)
    where = f"greedy_decode(<{call} that always predicts EOS>, src (3, 5), max_len={max_len})"
    got = _call(where, student.greedy_decode, model, src, max_len)
    assert got == [[], [], []], (
        f"{where} returned {got!r:.200}: when the first prediction is EOS the result is an empty list for that row "
        "(EOS itself is not part of the result, and decoding stops there)"
    )


@points(2)
def test_training_reverses_hidden_strings(student):
    call, model, losses, seen = _trained(student)
    count = len(losses) if isinstance(losses, (list, tuple)) else None
    assert count == TRAIN_ARGS["steps"], (
        f"{call} should return a list with one loss per step (see steps= in the call), got "
        f"{count if count is not None else repr(losses)[:100]}"
    )
    assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in losses), f"{call}: the losses are not all finite"
    sources, targets = _reverse_data(_rng("heldout"), 200, exclude=seen)
    src = torch.full((200, 8), PAD, dtype=torch.long)
    for row, seq in enumerate(sources):
        src[row, : len(seq)] = torch.tensor(seq)
    with call_timeout(60):
        got = _call("greedy_decode(model, <200 held-out strings>, max_len=12)", student.greedy_decode, model, src, 12)
    assert isinstance(got, list) and len(got) == 200, (
        f"greedy_decode(<the trained model>, src (200, 8), max_len=12) should return 200 lists, got {got!r:.200}"
    )
    right = sum(list(g) == t for g, t in zip(got, targets, strict=True))
    wrong = next((i for i, (g, t) in enumerate(zip(got, targets, strict=True)) if list(g) != t), None)
    example = "" if wrong is None else f" For example, for the source {sources[wrong]} it returned {got[wrong]}."
    first, last = float(losses[0]), float(np.mean(losses[-10:]))
    assert right / 200 >= ACCURACY_LIMIT, (
        f"after {call} (loss {first:.3f} -> {last:.3f}), greedy_decode reversed {right} of 200 held-out strings "
        f"exactly; expected at least {ACCURACY_LIMIT:.0%}.{example} Check the teacher forcing (decoder input = BOS + "
        "target, loss against target + EOS, PAD ignored), the masks, and that the result stops before EOS"
    )
