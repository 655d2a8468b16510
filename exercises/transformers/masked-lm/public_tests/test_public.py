"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples, the masking rules on a large batch, the loss, and a short training run.
The hidden grader checks more (its own ids and seeds, the exact draw order, fill_mask's probabilities, and
the fill-ins on its own made-up language).
"""

import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    build_model,
    build_vocab,
    encode_batch,
    fill_mask,
    mask_tokens,
    mlm_loss,
    train_mlm,
)


def test_statement_examples():
    vocab = build_vocab(["the cat sat", "the dog ran"])
    assert vocab == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "cat", "dog", "ran", "sat", "the"], f"got {vocab}"
    batch = encode_batch(["the cat sat", "a dog"], vocab)
    assert batch["input_ids"].tolist() == [[2, 9, 5, 8, 3], [2, 1, 6, 3, 0]], f"input_ids {batch['input_ids'].tolist()}"
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], "attention_mask is wrong"
    ids = torch.tensor([[2, 9, 5, 8, 3, 0]] * 2)
    inputs, labels = mask_tokens(ids, len(vocab), mlm_probability=0.5, seed=2)
    assert inputs.tolist() == [[2, 9, 5, 4, 3, 0], [2, 7, 5, 4, 3, 0]], f"mask_tokens(..., seed=2) inputs {inputs.tolist()}"
    assert labels.tolist() == [[-100, 9, -100, 8, -100, -100], [-100, 9, -100, 8, -100, -100]], (
        f"mask_tokens(..., seed=2) labels {labels.tolist()}"
    )
    assert ids.tolist() == [[2, 9, 5, 8, 3, 0]] * 2, "mask_tokens should not change input_ids itself"
    assert build_model(len(vocab)).num_parameters() == 74186


def test_masking_rules_on_a_large_batch():
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(5, 40, (300, 30), generator=gen)
    ids[:, 0], ids[:, -1], ids[::2, -8:] = 2, 3, 0
    inputs, labels = mask_tokens(ids, 40, seed=7)
    special = ids < 5
    selected = labels != -100
    assert not (selected & special).any() and torch.equal(inputs[special], ids[special]), "special tokens were chosen"
    assert torch.equal(labels[selected], ids[selected]), "labels at chosen positions should be the original tokens"
    assert torch.equal(inputs[~selected], ids[~selected]), "positions that were not chosen must stay as they were"
    rate = selected.sum().item() / (~special).sum().item()
    assert 0.13 < rate < 0.17, f"{rate:.1%} of the ordinary tokens were chosen, expected about 15%"
    masked = (inputs[selected] == 4).float().mean().item()
    kept = (inputs[selected] == ids[selected]).float().mean().item()
    assert 0.75 < masked < 0.85 and 0.06 < kept < 0.16, f"{masked:.0%} [MASK] and {kept:.0%} kept; expected 80% and 10%"


def test_loss_ignores_unlabelled_positions():
    model = build_model(20, seed=1).eval()
    ids = torch.tensor([[2, 7, 8, 9, 3], [2, 10, 11, 3, 0]])
    mask = (ids != 0).long()
    labels = torch.full_like(ids, -100)
    labels[0, 2], labels[1, 1] = 8, 10
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits
        want = (F.cross_entropy(logits[0, 2:3], labels[0, 2:3]) + F.cross_entropy(logits[1, 1:2], labels[1, 1:2])) / 2
        got = mlm_loss(model, ids, mask, labels)
    assert abs(float(got) - float(want)) < 1e-5, f"mlm_loss gave {float(got):.5f}, expected {float(want):.5f}"


def test_short_training_run_and_fill_mask():
    rnd = random.Random(0)
    pairs = {"anna": ("paints", "boats"), "omar": ("bakes", "bread"), "lea": ("fixes", "bikes"), "tom": ("sings", "songs")}
    sentences = []
    for _ in range(1000):
        name = rnd.choice(list(pairs))
        sentences.append(f"{name} {pairs[name][0]} {rnd.choice(['red', 'old', 'new'])} {pairs[name][1]}")
    model, vocab, losses = train_mlm(sentences)
    assert len(losses) == 250 and not model.training, "train_mlm returns (model in eval mode, vocab, 250 losses)"
    got = fill_mask(model, vocab, "omar [MASK] old bread", k=2)
    assert len(got) == 2 and got[0][0] == "bakes", f"fill_mask(model, vocab, 'omar [MASK] old bread', k=2) gave {got}"
    assert got[0][1] >= got[1][1], "the pairs should be sorted by probability, highest first"
    assert fill_mask(model, vocab, "[MASK] fixes new bikes", k=1)[0][0] == "lea"
    try:
        fill_mask(model, vocab, "omar bakes old bread")
    except ValueError:
        pass
    else:
        raise AssertionError("fill_mask on a sentence without [MASK] should raise ValueError")
