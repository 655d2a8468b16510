"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples, the layer names, that padding and later decoder tokens change nothing they
should not, and a short training run. The hidden grader checks more (its own weights and the exact outputs of
every layer, greedy decoding, the accuracy on its own strings).
"""

import os
import random
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    BOS,
    EOS,
    PAD,
    DecoderLayer,
    EncoderLayer,
    Seq2Seq,
    causal_mask,
    greedy_decode,
    pad_batch,
    padding_mask,
    shift_right,
    to_digits,
    to_tokens,
    train_model,
)


def test_statement_examples():
    dec_in, dec_out = shift_right([[6, 4], [5]])
    assert dec_in.tolist() == [[1, 6, 4], [1, 5, 0]], f"shift_right([[6, 4], [5]]) decoder_input is {dec_in.tolist()}"
    assert dec_out.tolist() == [[6, 4, 2], [5, 2, 0]], f"shift_right([[6, 4], [5]]) decoder_target is {dec_out.tolist()}"
    assert dec_in.dtype == torch.long and dec_out.dtype == torch.long, "both should be torch.long tensors"
    mask = padding_mask(torch.tensor([[6, 4, 7], [5, 0, 0]]))
    assert mask.tolist() == [[False, False, False], [False, True, True]], f"padding_mask gave {mask.tolist()}"
    assert causal_mask(3).tolist() == [[False, True, True], [False, False, True], [False, False, False]], (
        f"causal_mask(3) gave {causal_mask(3).tolist()}: True strictly above the diagonal"
    )
    assert pad_batch([[6, 4, 7], [5]]).tolist() == [[6, 4, 7], [5, PAD, PAD]]


def test_layer_names():
    enc = set(EncoderLayer(16, 2, 32).state_dict())
    for name in ("self_attn.in_proj_weight", "self_attn.out_proj.bias", "ff.0.weight", "ff.2.bias", "norm1.weight",
                 "norm2.bias"):
        assert name in enc, f"EncoderLayer(16, 2, 32).state_dict() has no {name!r}: use the statement's names"
    dec = set(DecoderLayer(16, 2, 32).state_dict())
    for name in ("self_attn.in_proj_weight", "cross_attn.in_proj_weight", "cross_attn.out_proj.weight", "ff.0.bias",
                 "norm3.weight"):
        assert name in dec, f"DecoderLayer(16, 2, 32).state_dict() has no {name!r}: use the statement's names"
    model = set(Seq2Seq().state_dict())
    for name in ("embed.weight", "pos.weight", "encoder.0.norm2.weight", "decoder.0.cross_attn.in_proj_bias",
                 "out.weight", "out.bias"):
        assert name in model, f"Seq2Seq().state_dict() has no {name!r}: use the statement's names"


def test_padding_and_causality():
    torch.manual_seed(0)
    model = Seq2Seq().eval()
    src = pad_batch([[6, 4, 7], [5]])
    longer = torch.cat([src, torch.zeros(2, 3, dtype=torch.long)], dim=1)
    dec = torch.tensor([[BOS, 7, 9, 4], [BOS, 5, 3, 3]])
    with torch.no_grad():
        out = model(src, dec)
        assert out.shape == (2, 4, 13), f"model(src, decoder_input) has shape {tuple(out.shape)}, expected (2, 4, 13)"
        moved = (out - model(longer, dec)).abs().max().item()
        assert moved < 1e-5, f"more PAD columns in the source changed the logits by {moved:.3g}: mask the padding"
        dec2 = dec.clone()
        dec2[:, 2:] = 12
        moved = (out[:, :2] - model(src, dec2)[:, :2]).abs().max().item()
        assert moved < 1e-5, f"changing decoder tokens 2..3 changed the logits at 0..1 by {moved:.3g}: causal mask"


def test_short_training_run():
    rnd = random.Random(0)
    sources = [to_tokens("".join(rnd.choice("0123456789") for _ in range(rnd.randint(2, 8)))) for _ in range(3000)]
    model, losses = train_model(sources, [s[::-1] for s in sources])
    assert len(losses) == 200, f"train_model should return one loss per step, got {len(losses)}"
    assert not model.training, "train_model should return the model in evaluation mode"
    tests = ["31415", "907", "2718281", "55"]
    got = [to_digits(row) for row in greedy_decode(model, pad_batch([to_tokens(t) for t in tests]))]
    right = sum(g == t[::-1] for g, t in zip(got, tests, strict=True))
    assert right >= 3, f"greedy_decode after training reversed {tests} into {got}"
    assert all(EOS not in row for row in greedy_decode(model, pad_batch([to_tokens("123")]))), "leave EOS out"
