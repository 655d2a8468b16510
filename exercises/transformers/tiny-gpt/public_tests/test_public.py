"""Public tests: run them next to your solution.py (and harbour.txt) with plain pytest:

    pytest public_tests/

They check the statement's examples, the model's layout, causality, weight tying and a short training run on
harbour.txt. The hidden grader checks more (its own text and weights, the exact logits of a pre-LN GPT,
greedy and sampled generation).
"""

import math
import os
import sys

import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, HERE)

from solution import (  # noqa: E402
    TinyGPT,
    build_vocab,
    count_parameters,
    decode,
    encode,
    generate,
    get_batch,
    train_model,
)


def _text():
    for folder in (HERE, os.path.join(HERE, "support")):
        path = os.path.join(folder, "harbour.txt")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                return handle.read()
    raise FileNotFoundError("harbour.txt should sit next to solution.py (it comes with the starter download)")


def test_vocab_example_and_round_trip():
    vocab = build_vocab("hello world")
    assert vocab == [" ", "d", "e", "h", "l", "o", "r", "w"], f"build_vocab('hello world') returned {vocab}"
    assert encode("hello", vocab) == [3, 2, 4, 4, 5], f"encode('hello', vocab) returned {encode('hello', vocab)}"
    assert decode(encode("hello world", vocab), vocab) == "hello world", "decode(encode(text)) should give text back"
    assert decode(torch.tensor([7, 5]), vocab) == "wo", "decode should accept a tensor of ids"


def test_batches_are_shifted_by_one():
    data = torch.arange(10)
    x, y = get_batch(data, block_size=4, batch_size=8, generator=torch.Generator().manual_seed(0))
    assert x.shape == (8, 4) and y.shape == (8, 4), f"x and y should be (8, 4), got {tuple(x.shape)}, {tuple(y.shape)}"
    assert torch.equal(y, x + 1), f"with data = arange(10), y should be x + 1 (the next token), got\nx = {x}\ny = {y}"
    assert torch.equal(x[:, 1:], x[:, :-1] + 1), f"each row of x should be a contiguous slice of data, got {x}"


def test_layout_parameter_count_and_shapes():
    model = TinyGPT(vocab_size=65, block_size=32, n_layer=2, n_head=4, n_embd=64)
    names = set(model.state_dict())
    for name in ("tok_emb.weight", "pos_emb.weight", "blocks.0.ln1.weight", "blocks.0.attn.in_proj_weight",
                 "blocks.1.ln2.bias", "blocks.1.mlp.0.weight", "blocks.1.mlp.2.bias", "ln_f.weight", "head.weight"):
        assert name in names, f"model.state_dict() has no {name!r}: use the statement's layer names"
    assert count_parameters(model) == 106304, (
        f"count_parameters(TinyGPT(65, 32, 2, 4, 64)) returned {count_parameters(model)}, expected 106304"
    )
    out = model(torch.zeros(3, 20, dtype=torch.long))
    assert out.shape == (3, 20, 65), f"the logits for ids (3, 20) have shape {tuple(out.shape)}, expected (3, 20, 65)"
    try:
        model(torch.zeros(1, 33, dtype=torch.long))
    except ValueError:
        pass
    else:
        raise AssertionError("a sequence of 33 > block_size = 32 tokens should raise ValueError")


def test_head_shares_the_embedding_matrix():
    model = TinyGPT(vocab_size=10, block_size=8, n_layer=1, n_head=2, n_embd=8)
    assert model.head.weight is model.tok_emb.weight, (
        "model.head.weight should be the very same Parameter as model.tok_emb.weight (weight tying)"
    )
    assert model.tok_emb.weight.std() < 0.1, "initialise tok_emb.weight with std 0.02 (nn.init.normal_)"


def test_no_peeking_at_later_tokens():
    torch.manual_seed(0)
    model = TinyGPT(vocab_size=12, block_size=10, n_layer=2, n_head=2, n_embd=16).eval()
    x = torch.randint(0, 12, (2, 10))
    x2 = x.clone()
    x2[:, 6:] = (x2[:, 6:] + 1) % 12
    with torch.no_grad():
        moved = (model(x)[:, :6] - model(x2)[:, :6]).abs().max().item()
    assert moved < 1e-5, (
        f"changing tokens 6..9 changed the logits at positions 0..5 by {moved:.3g}: add the causal mask "
        "(nn.MultiheadAttention's attn_mask is True where a position may NOT attend)"
    )


def test_short_training_run_and_generation():
    text = _text()
    model, vocab, losses = train_model(text, n_embd=32, steps=150)
    assert vocab == sorted(set(text)) and len(losses) == 150, "train_model should return (model, vocab, one loss per step)"
    assert abs(losses[0] - math.log(len(vocab))) < 0.5, (
        f"the first loss is {losses[0]:.2f}; a fresh model should start near ln(len(vocab)) = "
        f"{math.log(len(vocab)):.2f} (initialise the embeddings with std 0.02)"
    )
    assert sum(losses[-10:]) / 10 < 2.2, f"after 150 steps the loss is still {sum(losses[-10:]) / 10:.2f}"
    assert not model.training, "train_model should return the model in evaluation mode"
    prompt = torch.tensor([encode("the boat ", vocab)])
    out = generate(model, prompt, 40, greedy=True)  # 9 + 40 tokens: longer than block_size = 32
    assert out.shape == (1, 49) and torch.equal(out[:, :9], prompt), "generate should return the prompt and 40 new ids"
    assert torch.equal(out, generate(model, prompt, 40, greedy=True)), "greedy generation should be deterministic"
    first = generate(model, prompt, 20, temperature=1.0, seed=3)
    assert torch.equal(first, generate(model, prompt, 20, temperature=1.0, seed=3)), "the same seed should give the same text"
    print(decode(out[0], vocab))
