"""Hidden grader for transformers/hf-tiny-model.

The grader box never imports transformers: every model lives in the student box, and the expected values are
computed here from what the student's own objects return (logits, ids). Hidden texts are drawn per submission:
8 made-up "key value" pairs whose keys have different lengths (so batched prompts need padding). The reference
memorises all 8 in 200 steps (final loss about 0.04); the tests ask for 7 of 8 and a loss below 0.5.
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

SLUG = "transformers/hf-tiny-model"
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
_cache = {}


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


def _tokenizer(student, chars):
    call = f"CharTokenizer({chars!r})"
    tok = student.CharTokenizer(chars)
    assert isinstance(tok, Remote), f"{call} should build a tokenizer object, got {tok!r:.100}"
    return tok, call


def _batch(tok, call, texts, **kwargs):
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    where = f"{call}({texts!r}{args})"
    try:
        got = tok(texts, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{where} raised {error.type_name}: {error.message[:200]}") from None
    assert isinstance(got, dict) and {"input_ids", "attention_mask"} <= set(got), (
        f"{where} should return a dict with 'input_ids' and 'attention_mask', got {got!r:.200}"
    )
    for key in ("input_ids", "attention_mask"):
        value = got[key]
        assert isinstance(value, torch.Tensor) and value.dtype == torch.int64 and value.dim() == 2, (
            f"{where}[{key!r}] should be a 2-D torch.long tensor (return_tensors='pt'), got "
            f"{getattr(value, 'dtype', type(value).__name__)} {tuple(getattr(value, 'shape', ()))}"
        )
    return got["input_ids"], got["attention_mask"], where


def _pairs(rng):
    keys = []
    while len(keys) < 8:
        key = "".join(rng.choice(LETTERS, int(rng.integers(2, 6))))
        if not any(key.startswith(k) or k.startswith(key) for k in keys):
            keys.append(key)
    values = ["".join(rng.choice(LETTERS, int(rng.integers(5, 9)))) for _ in keys]
    return keys, values


def _model(student, tok, seed, call="tok"):
    model = student.build_model(tok, seed=seed)
    assert isinstance(model, Remote), f"build_model({call}, seed={seed}) should return a GPT2LMHeadModel, got {model!r:.100}"
    return model


def _logits(model, ids, mask, what):
    try:
        out = model(input_ids=ids, attention_mask=mask, use_cache=False)
    except StudentError as error:
        raise AssertionError(f"{what} raised {error.type_name}: {error.message[:200]}") from None
    logits = out["logits"] if isinstance(out, dict) else out.logits
    assert isinstance(logits, torch.Tensor), f"{what} gave no logits tensor"
    return logits.double()


def _trained(student):
    if "run" in _cache:
        return _cache["run"]
    keys, values = _pairs(_rng("pairs"))
    texts = [f"{k} {v}" for k, v in zip(keys, values, strict=True)]
    tok, _ = _tokenizer(student, "".join(texts))
    model = _model(student, tok, 0)
    call = "train(model, tok, <8 hidden 'key value' texts>, steps=200, batch_size=16, lr=3e-3, seed=0)"
    with call_timeout(150):
        losses = student.train(model, tok, texts, steps=200, batch_size=16, lr=3e-3, seed=0)
    _cache["run"] = (call, tok, model, keys, values, losses)
    return _cache["run"]


@shows_expected  # the expected ids follow from the characters the call shows
@points(1)
def test_tokenizer_ids_encode_decode(student):
    rng = _rng("vocab")
    chars = "".join(rng.choice(LETTERS[:12], 20)) + " ."
    tok, call = _tokenizer(student, chars)
    distinct = sorted(set(chars))
    assert len(tok) == len(distinct) + 2 and tok.vocab_size == len(distinct) + 2, (
        f"{call}: len(tok) is {len(tok)} and tok.vocab_size {tok.vocab_size!r}; expected the {len(distinct)} "
        "distinct characters plus <pad> and <eos>"
    )
    assert tok.pad_token_id == 0 and tok.eos_token_id == 1, (
        f"{call}: pad_token_id = {tok.pad_token_id!r}, eos_token_id = {tok.eos_token_id!r}; expected 0 and 1"
    )
    text = "".join(rng.choice(np.array(distinct), 12))
    ids = tok.encode(text)
    assert ids == [distinct.index(c) + 2 for c in text], (
        f"{call}.encode({text!r}) returned {ids}: character ids start at 2, in sorted order"
    )
    with_eos = tok.encode(text, add_eos=True)
    assert with_eos == ids + [1], f"{call}.encode({text!r}, add_eos=True) returned {with_eos}: expected the ids then 1"
    decoded = tok.decode([0, *with_eos, 0])
    assert decoded == text, f"{call}.decode([0, *ids, 1, 0]) returned {decoded!r}: skip <pad> and <eos> by default"
    raw = tok.decode(with_eos, skip_special_tokens=False)
    assert raw == text + "<eos>", f"{call}.decode(ids + [1], skip_special_tokens=False) returned {raw!r}"
    try:
        tok.encode(text + "Z")
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call}.encode of an unknown character raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"{call}.encode({text + 'Z'!r}) should raise ValueError: 'Z' is not in the vocabulary")


@points(1)
def test_tokenizer_call_pads_on_the_right_by_default(student):
    rng = _rng("right")
    texts = ["".join(rng.choice(LETTERS[:8], n)) for n in (3, 6, 1)]
    tok, call = _tokenizer(student, "abcdefgh")
    ids, mask, where = _batch(tok, "tok", texts)
    assert tuple(ids.shape) == (3, 6) and tuple(mask.shape) == (3, 6), (
        f"{where}: input_ids {tuple(ids.shape)} and attention_mask {tuple(mask.shape)}, expected (3, 6): pad to the longest"
    )
    for row, text in enumerate(texts):
        n = len(text)
        assert ids[row, :n].tolist() == tok.encode(text) and torch.all(ids[row, n:] == 0), (
            f"{where}: row {row} is {ids[row].tolist()}; by default the text comes first and <pad> (0) fills the right"
        )
        assert mask[row].tolist() == [1] * n + [0] * (6 - n), (
            f"{where}: attention_mask row {row} is {mask[row].tolist()}: 1 at real tokens, 0 at padding"
        )
    ids, mask, where = _batch(tok, "tok", texts, add_eos=True)
    assert tuple(ids.shape) == (3, 7) and ids[0, 3] == 1 and ids[0, 4] == 0 and mask[0].sum() == 4, (
        f"{where}: row 0 is {ids[0].tolist()} with mask {mask[0].tolist()}: <eos> (1) goes right after the text, "
        "before the padding, and the mask covers it"
    )


@points(1)
def test_tokenizer_left_padding(student):
    rng = _rng("left")
    texts = ["".join(rng.choice(LETTERS[:8], n)) for n in (2, 5)]
    tok, call = _tokenizer(student, "abcdefgh")
    ids, mask, where = _batch(tok, "tok", texts, padding_side="left")
    assert ids[0].tolist() == [0, 0, 0, *tok.encode(texts[0])] and mask[0].tolist() == [0, 0, 0, 1, 1], (
        f"{where}: row 0 is {ids[0].tolist()} with mask {mask[0].tolist()}: with padding_side='left' the padding "
        "comes first and the text ends at the right edge"
    )
    call = "CharTokenizer('abcdefgh', padding_side='left')"
    left = student.CharTokenizer("abcdefgh", padding_side="left")
    ids2, mask2, where = _batch(left, call, texts)
    assert torch.equal(ids2, ids) and torch.equal(mask2, mask), (
        f"{where}: a tokenizer built with padding_side='left' should pad on the left by default, got {ids2.tolist()}"
    )
    ids3, _, where = _batch(left, call, texts, padding_side="right")
    assert ids3[0].tolist()[:2] == tok.encode(texts[0]), (
        f"{where}: padding_side='right' in the call overrides the tokenizer's own side; got {ids3.tolist()}"
    )


@points(1)
def test_model_from_config(student):
    rng = _rng("config")
    tok, call = _tokenizer(student, "".join(rng.choice(LETTERS, 15)))
    size = len(tok)
    model = _model(student, tok, 7)
    config = model.config
    got = {name: getattr(config, name) for name in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head",
                                                    "pad_token_id", "eos_token_id")}
    want = {"vocab_size": size, "n_positions": 64, "n_embd": 32, "n_layer": 2, "n_head": 2, "pad_token_id": 0,
            "eos_token_id": 1}
    wrong = sorted(k for k in want if got[k] != want[k])
    assert not wrong, f"build_model(tok) with len(tok) = {size}: the config has {got}; check {wrong}"
    count = model.num_parameters()
    formula = size * 32 + 64 * 32 + 2 * (12 * 32 * 32 + 13 * 32) + 2 * 32
    assert count == formula, (
        f"build_model(tok).num_parameters() is {count}: a GPT-2 with these sizes and its head tied to the token "
        "embedding (the GPT2Config default) has V*E + P*E + L*(12E^2 + 13E) + 2E parameters"
    )
    ids = torch.from_numpy(rng.integers(2, size, size=(1, 6)))
    first = _logits(_model(student, tok, 7).eval(), ids, None, "build_model(tok, seed=7)(ids)")
    again = _logits(_model(student, tok, 7).eval(), ids, None, "build_model(tok, seed=7)(ids), a second model")
    other = _logits(_model(student, tok, 8).eval(), ids, None, "build_model(tok, seed=8)(ids)")
    assert torch.equal(first, again), "build_model(tok, seed=7) twice gave different weights: torch.manual_seed(seed) first"
    assert not torch.equal(first, other), "build_model(tok, seed=7) and seed=8 gave the same weights"


@points(1)
def test_labels_mask_padding_without_shifting(student):
    rng = _rng("labels")
    lengths = rng.integers(2, 9, size=4)
    lengths[0] = 8
    ids = torch.from_numpy(rng.integers(2, 20, size=(4, 8)))
    mask = (torch.arange(8)[None, :] < torch.from_numpy(lengths)[:, None]).long()
    ids[mask == 0] = 0
    call = f"make_labels(input_ids (4, 8), attention_mask) for lengths {lengths.tolist()}"
    labels = student.make_labels(ids, mask)
    assert isinstance(labels, torch.Tensor) and tuple(labels.shape) == (4, 8), (
        f"{call} should return a (4, 8) tensor, got {getattr(labels, 'shape', type(labels).__name__)}"
    )
    real = mask == 1
    assert torch.equal(labels[real], ids[real]), (
        f"{call}: at real tokens the labels should be the input ids themselves, unshifted: GPT2LMHeadModel shifts "
        f"them inside (logits at position t are scored against labels[t + 1]). Row 0: ids {ids[0].tolist()}, "
        f"labels {labels[0].tolist()}"
    )
    assert torch.all(labels[~real] == -100), (
        f"{call}: at padding the labels should be -100, which the loss ignores; got {labels[~real].tolist()}"
    )


@points(2)
def test_loss_matches_a_hand_computed_shifted_loss(student):
    rng = _rng("loss")
    keys, values = _pairs(rng)
    texts = [f"{k} {v}" for k, v in zip(keys, values, strict=True)][:5]
    tok, _ = _tokenizer(student, "".join(texts))
    model = _model(student, tok, int(rng.integers(100))).eval()
    ids, mask, _ = _batch(tok, "tok", texts, add_eos=True)
    call = f"lm_loss(model, tok({texts!r}, add_eos=True))"
    got = student.lm_loss(model, {"input_ids": ids, "attention_mask": mask})
    got = float(got) if isinstance(got, (int, float, torch.Tensor)) else got
    assert isinstance(got, float) and math.isfinite(got), f"{call} should return a finite scalar loss, got {got!r:.100}"
    logits = _logits(model, ids, mask, "model(input_ids, attention_mask)")
    targets = ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
    want = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100).item()
    shifted_twice = ids[:, 2:].masked_fill(mask[:, 2:] == 0, -100)
    twice = F.cross_entropy(logits[:, :-2].reshape(-1, logits.shape[-1]), shifted_twice.reshape(-1), ignore_index=-100).item()
    with_pads = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1)).item()
    hint = ""
    if abs(got - twice) < 1e-4:
        hint = " It matches labels shifted twice: pass the labels unshifted, the model shifts them itself."
    elif abs(got - with_pads) < 1e-4:
        hint = " It matches a loss that also scores the padding: set the labels to -100 where attention_mask is 0."
    assert_close(got, want, rtol=1e-4, atol=1e-5,
                 what=f"{call} (the mean cross-entropy of each real next token, padding ignored).{hint}")


@points(2)
def test_training_memorises_hidden_pairs(student):
    call, tok, model, keys, values, losses = _trained(student)
    assert isinstance(losses, (list, tuple)) and len(losses) == 200, (
        f"{call} should return a list of 200 losses, got {losses!r:.100}"
    )
    last = float(np.mean(losses[-10:]))
    assert last < 0.5, (
        f"{call}: the loss went from {losses[0]:.3f} to {last:.3f} (mean of the last 10 steps), expected below 0.5. "
        "Check the labels (unshifted, -100 at padding), right padding for training, zero_grad / backward / step"
    )
    prompts = [k + " " for k in keys]
    with call_timeout(60):
        got = student.generate_text(model, tok, prompts, max_new_tokens=12)
    assert isinstance(got, list) and len(got) == 8 and all(isinstance(g, str) for g in got), (
        f"generate_text(model, tok, <8 prompts>, max_new_tokens=12) should return 8 strings, got {got!r:.200}"
    )
    right = sum(g == v for g, v in zip(got, values, strict=True))
    assert right >= 7, (
        f"after {call}, generate_text on the 8 keys gave the memorised value for {right} of 8 (it returned "
        f"{got!r:.300}). Each result should be only the NEW text, without the prompt, stopped at <eos>"
    )


@points(2)
def test_batched_generation_matches_one_by_one(student):
    call, tok, model, keys, values, _ = _trained(student)
    rng = _rng("generate")
    order = rng.permutation(8)[:5]
    prompts = [keys[i] + " " + values[i][: int(rng.integers(0, 3))] for i in order]
    n_new = int(rng.integers(3, 6))
    where = f"generate_text(<the trained model>, tok, {prompts!r}, max_new_tokens={n_new})"
    with call_timeout(60):
        batched = student.generate_text(model, tok, prompts, max_new_tokens=n_new)
        alone = [student.generate_text(model, tok, [p], max_new_tokens=n_new)[0] for p in prompts]
    assert isinstance(batched, list) and len(batched) == len(prompts), f"{where} should return {len(prompts)} strings"
    for prompt, text in zip(prompts, batched, strict=True):
        assert len(text) <= n_new and not text.startswith(prompt), (
            f"{where} returned {text!r} for {prompt!r}: return only the new text (at most max_new_tokens characters)"
        )
    differ = [p for p, b, a in zip(prompts, batched, alone, strict=True) if b != a]
    assert not differ, (
        f"{where}: for {differ} the batched result differs from generating that prompt alone ({batched} vs {alone}). "
        "Prompts of different lengths must be padded on the LEFT for generation, so that every row ends with its "
        "last real token and the new tokens follow it"
    )


@shows_expected
@points(1)
def test_save_and_load_round_trip(student):
    rng = _rng("save")
    tok, _ = _tokenizer(student, "abcdef xyz")
    model = _model(student, tok, int(rng.integers(100))).eval()
    folder = f"/tmp/round-trip-{int(rng.integers(10**9))}"
    try:
        student.save(model, tok, folder)
        loaded = student.load(folder)
    except StudentError as error:
        raise AssertionError(f"save(model, tok, {folder!r}) then load({folder!r}) raised {error.type_name}: "
                             f"{error.message[:300]}") from None
    assert isinstance(loaded, (tuple, list)) and len(loaded) == 2, (
        f"load({folder!r}) should return (model, tokenizer), got {loaded!r:.100}"
    )
    model2, tok2 = loaded
    ids, mask, _ = _batch(tok2, "the loaded tokenizer", ["abc xyz", "fed"])
    want_ids, want_mask, _ = _batch(tok, "tok", ["abc xyz", "fed"])
    assert torch.equal(ids, want_ids) and torch.equal(mask, want_mask), (
        "the loaded tokenizer encodes ['abc xyz', 'fed'] differently from the saved one"
    )
    assert_close(_logits(model2, ids, mask, "the loaded model"), _logits(model, ids, mask, "the saved model"),
                 rtol=0, atol=1e-6, what="the loaded model's logits (they should equal the saved model's)")
    assert model2.training is False, "GPT2LMHeadModel.from_pretrained returns a model in evaluation mode; keep it so"
