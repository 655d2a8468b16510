"""Public tests: run them next to your solution.py with plain pytest (transformers must be installed):

    pytest public_tests/

They check the statement's examples. The hidden grader checks more (its own texts, the loss computed by
hand from the logits, batched generation against one prompt at a time, the round trip).
"""

import os
import sys
import tempfile

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import CharTokenizer, build_model, generate_text, lm_loss, load, make_labels, save, train  # noqa: E402

TEXTS = ["hello world", "old owl", "red door", "we rode"]


def test_tokenizer_examples():
    tok = CharTokenizer("hello world")
    assert len(tok) == 10 and tok.vocab_size == 10, f"len(tok) is {len(tok)}: 8 characters + <pad> + <eos> = 10"
    assert tok.encode("hello") == [5, 4, 6, 6, 7], f"encode('hello') returned {tok.encode('hello')}"
    assert tok.encode("lo", add_eos=True) == [6, 7, 1], "add_eos=True should append the id 1"
    assert tok.decode([5, 4, 1, 0]) == "he", "decode should skip <eos> and <pad> by default"
    assert tok.decode([5, 4, 1, 0], skip_special_tokens=False) == "he<eos><pad>"
    try:
        tok(["hello", "hi"])
    except ValueError:
        pass
    else:
        raise AssertionError("'i' is not in the vocabulary: calling the tokenizer on 'hi' should raise ValueError")


def test_padding_sides():
    tok = CharTokenizer("hello world")
    batch = tok(["hello", "he"])
    assert batch["input_ids"].tolist() == [[5, 4, 6, 6, 7], [5, 4, 0, 0, 0]], f"right padding: got {batch['input_ids']}"
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], f"mask: got {batch['attention_mask']}"
    assert batch["input_ids"].dtype == torch.long, "input_ids should be a torch.long tensor"
    left = tok(["hello", "he"], padding_side="left")
    assert left["input_ids"].tolist() == [[5, 4, 6, 6, 7], [0, 0, 0, 5, 4]], f"left padding: got {left['input_ids']}"
    assert left["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [0, 0, 0, 1, 1]], f"left mask: got {left['attention_mask']}"
    assert CharTokenizer("hello world", padding_side="left")(["he", "hello"])["input_ids"][0].tolist() == [0, 0, 0, 5, 4]


def test_model_labels_and_loss():
    tok = CharTokenizer("hello world")
    model = build_model(tok)
    assert model.num_parameters() == 27840, f"num_parameters() is {model.num_parameters()}, expected 27840"
    assert model.config.pad_token_id == 0 and model.config.eos_token_id == 1, "set pad_token_id and eos_token_id"
    labels = make_labels(torch.tensor([[5, 4, 0]]), torch.tensor([[1, 1, 0]]))
    assert labels.tolist() == [[5, 4, -100]], f"make_labels gave {labels.tolist()}, expected [[5, 4, -100]] (no shift)"
    model.eval()
    batch = tok(["hello", "he"], add_eos=True)
    loss = float(lm_loss(model, batch))
    with torch.no_grad():
        logits = model(**batch).logits
    targets = batch["input_ids"][:, 1:].masked_fill(batch["attention_mask"][:, 1:] == 0, -100)
    by_hand = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
    assert abs(loss - by_hand.item()) < 1e-4, (
        f"lm_loss is {loss:.5f}, the loss of each real next token computed by hand is {by_hand.item():.5f}: "
        "labels unshifted (the model shifts them), -100 at padding"
    )


def test_training_generation_and_round_trip():
    tok = CharTokenizer("hello world")
    model = build_model(tok)
    losses = train(model, tok, TEXTS)
    assert len(losses) == 200 and losses[-1] < 0.5, f"the loss went from {losses[0]:.3f} to {losses[-1]:.3f} in 200 steps"
    assert not model.training, "train should leave the model in evaluation mode"
    got = generate_text(model, tok, ["hel", "old ", "we", "red d"], max_new_tokens=10)
    assert got == ["lo world", "owl", " rode", "oor"], (
        f"generate_text returned {got}: only the new text of each prompt, with the prompts padded on the LEFT"
    )
    alone = [generate_text(model, tok, [p], max_new_tokens=10)[0] for p in ["hel", "old ", "we", "red d"]]
    assert alone == got, f"one prompt at a time gave {alone}, in a batch {got}: they should agree"
    with tempfile.TemporaryDirectory() as folder:
        save(model, tok, folder)
        assert os.path.exists(os.path.join(folder, "config.json")), "save should call model.save_pretrained(folder)"
        model2, tok2 = load(folder)
        batch = tok2(["hello"])
        with torch.no_grad():
            assert torch.allclose(model2(**batch).logits, model(**batch).logits, atol=1e-6), "the loaded model differs"
