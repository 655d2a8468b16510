"""Hidden grader for transformers/masked-lm.

The grader box never imports transformers: the BERT models live in the student box, and the expected values
are computed here from what the student's own objects return (logits, config values) or from the masking
recipe written out in `_recipe`. Inputs are drawn per submission (submission_rng): token ids, seeds, and a
made-up language for training. Its sentences are "subject verb filler object", where each of 10 subjects
always takes its own verb and its own object and the filler is one of 5 words at random; so a masked subject,
verb or object can be told from the rest of the sentence, a masked filler cannot. The reference gets 29-30 of
the 30 held-out fill-ins right after 250 steps (about 4 s of CPU); the threshold is 24.
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

SLUG = "transformers/masked-lm"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD, UNK, CLS, SEP, MASK = range(5)
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
TRAIN_ARGS = dict(steps=250, batch_size=64, lr=3e-3, seed=0)
_cache = {}


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


def _recipe(input_ids, vocab_size, seed, p=0.15):
    """The statement's masking procedure, draw for draw."""
    generator = torch.Generator().manual_seed(seed)
    inputs, labels = input_ids.clone(), input_ids.clone()
    probability = torch.full(input_ids.shape, p)
    probability.masked_fill_(input_ids < len(SPECIALS), 0.0)
    selected = torch.bernoulli(probability, generator=generator).bool()
    labels[~selected] = -100
    replaced = torch.bernoulli(torch.full(input_ids.shape, 0.8), generator=generator).bool() & selected
    inputs[replaced] = MASK
    randomised = torch.bernoulli(torch.full(input_ids.shape, 0.5), generator=generator).bool() & selected & ~replaced
    random_ids = torch.randint(len(SPECIALS), vocab_size, input_ids.shape, generator=generator)
    inputs[randomised] = random_ids[randomised]
    return inputs, labels


def _batch_of_ids(rng, rows, longest, vocab_size):
    """[CLS] ids [SEP] rows of random lengths, padded: plenty of special tokens among the ordinary ones."""
    ids = torch.full((rows, longest), PAD, dtype=torch.long)
    for row in range(rows):
        n = int(rng.integers(longest // 2, longest - 1))
        ids[row, 0], ids[row, n + 1] = CLS, SEP
        ids[row, 1 : n + 1] = torch.from_numpy(rng.integers(len(SPECIALS), vocab_size, size=n))
    return ids


def _mask(student, ids, vocab_size, seed, what):
    call = f"mask_tokens({what}, vocab_size={vocab_size}, seed={seed})"
    try:
        got = student.mask_tokens(ids, vocab_size, seed=seed)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (inputs, labels), got {got!r:.100}"
    inputs, labels = got
    for name, value in (("inputs", inputs), ("labels", labels)):
        assert isinstance(value, torch.Tensor) and value.dtype == torch.int64 and value.shape == ids.shape, (
            f"{call}: {name} should be a torch.long tensor of shape {tuple(ids.shape)}, got "
            f"{getattr(value, 'dtype', type(value).__name__)} {tuple(getattr(value, 'shape', ()))}"
        )
    return inputs, labels, call


def _model(student, vocab_size, seed):
    call = f"build_model({vocab_size}, seed={seed})"
    try:
        model = student.build_model(vocab_size, seed=seed)
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(model, Remote), f"{call} should return a BertForMaskedLM, got {model!r:.100}"
    return model.eval(), call


def _logits(model, ids, mask, what):
    try:
        out = model(input_ids=ids, attention_mask=mask)
    except StudentError as error:
        raise AssertionError(f"{what} raised {error.type_name}: {error.message[:200]}") from None
    logits = out["logits"] if isinstance(out, dict) else out.logits
    assert isinstance(logits, torch.Tensor), f"{what} gave no logits tensor"
    return logits.double()


def _words(rng, count, taken):
    words = []
    while len(words) < count:
        word = "".join(rng.choice(LETTERS, int(rng.integers(3, 7))))
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


def _language(rng):
    taken = set()
    subjects = _words(rng, 10, taken)
    verbs = dict(zip(subjects, _words(rng, 10, taken), strict=True))
    objects = dict(zip(subjects, _words(rng, 10, taken), strict=True))
    fillers = _words(rng, 5, taken)
    return subjects, verbs, objects, fillers


def _trained(student):
    if "run" in _cache:
        return _cache["run"]
    rng = _rng("language")
    subjects, verbs, objects, fillers = _language(rng)
    sentences = []
    for _ in range(2000):
        s = subjects[int(rng.integers(10))]
        sentences.append(f"{s} {verbs[s]} {fillers[int(rng.integers(5))]} {objects[s]}")
    args = ", ".join(f"{k}={v}" for k, v in TRAIN_ARGS.items())
    call = f"train_mlm(<2000 hidden sentences>, {args})"
    with call_timeout(150):
        result = student.train_mlm(sentences, **TRAIN_ARGS)
    assert isinstance(result, (tuple, list)) and len(result) == 3, (
        f"{call} should return a tuple (model, vocab, losses), got {result!r:.200}"
    )
    model, vocab, losses = result
    assert isinstance(model, Remote), f"{call} should return the trained BertForMaskedLM first, got {model!r:.100}"
    _cache["run"] = (call, model, vocab, losses, sentences, (subjects, verbs, objects, fillers))
    return _cache["run"]


# --- tests -----------------------------------------------------------------------------------------------------


@shows_expected  # the vocabulary and ids follow from the sentences the message shows
@points(1)
def test_vocab_and_encoding(student):
    rng = _rng("vocab")
    words = _words(rng, 6, set())
    sentences = [" ".join(rng.choice(np.array(words), int(n))) for n in (3, 5, 2)]
    call = f"build_vocab({sentences})"
    vocab = student.build_vocab(sentences)
    want = SPECIALS + sorted({w for s in sentences for w in s.split()})
    assert vocab == want, f"{call} returned {vocab}, expected {want}: the five special tokens, then the words sorted"
    unknown = _words(rng, 1, set(words))[0]
    texts = [sentences[0], f"{sentences[2]} {unknown}", f"[MASK] {sentences[2]}"]
    call = f"encode_batch({texts}, vocab)"
    got = student.encode_batch(texts, vocab)
    assert isinstance(got, dict) and {"input_ids", "attention_mask"} <= set(got), (
        f"{call} should return a dict with 'input_ids' and 'attention_mask', got {got!r:.200}"
    )
    rows = [[CLS, *(vocab.index(w) if w in vocab else UNK for w in t.split()), SEP] for t in texts]
    longest = max(len(r) for r in rows)
    want_ids = [r + [PAD] * (longest - len(r)) for r in rows]
    want_mask = [[1] * len(r) + [0] * (longest - len(r)) for r in rows]
    for key, wanted in (("input_ids", want_ids), ("attention_mask", want_mask)):
        value = got[key]
        assert isinstance(value, torch.Tensor) and value.dtype == torch.int64, (
            f"{call}[{key!r}] should be a torch.long tensor, got {getattr(value, 'dtype', type(value).__name__)}"
        )
        assert value.tolist() == wanted, (
            f"{call}[{key!r}] is {value.tolist()}, expected {wanted} ([CLS] words [SEP], [UNK] for a word not in the "
            "vocabulary, [MASK] as its own id, [PAD] and mask 0 on the right)"
        )


@points(2)
def test_selection_skips_special_tokens_and_sets_labels(student):
    rng = _rng("selection")
    vocab_size = int(rng.integers(30, 60))
    ids = _batch_of_ids(rng, 300, 40, vocab_size)
    seed = int(rng.integers(10**6))
    inputs, labels, call = _mask(student, ids, vocab_size, seed, "ids (300, 40) of [CLS] words [SEP] [PAD]...")
    special = ids < len(SPECIALS)
    labelled = float((labels != -100).double().mean())
    assert labelled < 0.5, (
        f"{call}: {labelled:.0%} of all positions have a label other than -100. Only the selected positions (about "
        "15% of the ordinary tokens) get a label, the original token; every other position is -100, so the loss "
        "ignores it"
    )
    touched = (labels != -100) | (inputs != ids)
    assert not bool((touched & special).any()), (
        f"{call}: {int((touched & special).sum())} of the {int(special.sum())} special positions ([CLS], [SEP], [PAD]) "
        "were selected or changed. Special tokens are never chosen: give them probability 0 before the draw"
    )
    selected = labels != -100
    assert set(labels.unique().tolist()) - set(range(vocab_size)) <= {-100}, f"{call}: labels hold values that are not ids"
    kept_labels = bool((labels[selected] == ids[selected]).all())
    assert kept_labels, (
        f"{call}: at the selected positions the label should be the ORIGINAL token (what the model must recover); "
        f"{int((labels[selected] != ids[selected]).sum())} of them are not"
    )
    rate = float(selected.sum()) / float((~special).sum())
    assert 0.13 <= rate <= 0.17, (
        f"{call}: {rate:.1%} of the ordinary tokens got a label, expected about 15%: the label is -100 wherever the "
        "token was not selected, so the loss ignores it"
    )
    unchanged = bool((inputs[~selected] == ids[~selected]).all())
    assert unchanged, (
        f"{call}: {int((inputs[~selected] != ids[~selected]).sum())} positions that were not selected (label -100) were "
        "changed anyway: only the selected positions may be replaced"
    )


@points(2)
def test_selected_tokens_follow_80_10_10(student):
    rng = _rng("replace")
    vocab_size = int(rng.integers(30, 60))
    ids = _batch_of_ids(rng, 400, 48, vocab_size)
    seed = int(rng.integers(10**6))
    inputs, labels, call = _mask(student, ids, vocab_size, seed, "ids (400, 48)")
    selected = labels != -100
    count = int(selected.sum())
    assert count > 1000, f"{call}: only {count} positions were selected out of {int((ids >= 5).sum())} ordinary tokens"
    masked = float((inputs[selected] == MASK).sum()) / count
    other = (inputs[selected] != MASK) & (inputs[selected] != ids[selected])
    changed = float(other.sum()) / count
    kept = float((inputs[selected] == ids[selected]).sum()) / count
    assert 0.75 <= masked <= 0.85, (
        f"{call}: of the {count} selected positions {masked:.1%} became [MASK], expected about 80% (then about 10% a "
        "random token, about 10% unchanged)"
    )
    assert 0.06 <= changed <= 0.14 and 0.06 <= kept <= 0.16, (
        f"{call}: of the selected positions {changed:.1%} got another token and {kept:.1%} kept their own; expected "
        "about 10% each (the random tenth can hit the same token by chance, rarely)"
    )
    randoms = inputs[selected][other]
    assert bool(((randoms >= len(SPECIALS)) & (randoms < vocab_size)).all()), (
        f"{call}: some random replacements are special tokens or outside the vocabulary ({sorted(set(randoms.tolist()))[:8]}); "
        f"draw them with torch.randint({len(SPECIALS)}, vocab_size, ...)"
    )


@points(1)
def test_masking_follows_the_recipe(student):
    rng = _rng("recipe")
    vocab_size = int(rng.integers(20, 40))
    ids = _batch_of_ids(rng, 16, 16, vocab_size)
    seed = int(rng.integers(10**6))
    inputs, labels, call = _mask(student, ids, vocab_size, seed, "ids (16, 16) of [CLS] words [SEP] [PAD]...")
    again, again_labels, _ = _mask(student, ids, vocab_size, seed, "the same ids")
    assert torch.equal(inputs, again) and torch.equal(labels, again_labels), (
        f"{call} gave different results twice: draw every random number from torch.Generator().manual_seed(seed)"
    )
    want_inputs, want_labels = _recipe(ids, vocab_size, seed)
    differ = (inputs != want_inputs) | (labels != want_labels)
    count = int(differ.sum())
    row, col = (int(i) for i in differ.nonzero()[0]) if count else (0, 0)
    assert count == 0, (
        f"{call} differs from the statement's procedure with that seed at {count} of 256 positions (the first at row "
        f"{row}, column {col}, where the token was {int(ids[row, col])} and you returned input {int(inputs[row, col])}, "
        f"label {int(labels[row, col])}). Use one generator and draw, in this order and all of the batch's shape: "
        "bernoulli(selection probabilities), bernoulli(0.8), bernoulli(0.5), randint(5, vocab_size)"
    )


@shows_expected  # the statement gives the configuration and the formula
@points(1)
def test_model_from_config(student):
    rng = _rng("config")
    vocab_size = int(rng.integers(20, 60))
    model, call = _model(student, vocab_size, 3)
    config = model.config
    names = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
             "max_position_embeddings", "hidden_dropout_prob", "attention_probs_dropout_prob", "pad_token_id")
    got = {name: getattr(config, name) for name in names}
    want = dict(zip(names, (vocab_size, 64, 2, 4, 128, 32, 0.0, 0.0, 0), strict=True))
    wrong = sorted(k for k in want if got[k] != want[k])
    assert not wrong, f"{call}: the config has {got}; check {wrong}, expected {want}"
    h, i, p, v = 64, 128, 32, vocab_size
    formula = v * h + p * h + 4 * h + 2 * (4 * h * h + 2 * h * i + 9 * h + i) + h * h + 3 * h + v
    count = model.num_parameters()
    assert count == formula, (
        f"{call}.num_parameters() is {count}, expected {formula}: a BertForMaskedLM with these sizes whose output "
        "layer is tied to the word embeddings (the default)"
    )
    ids = torch.tensor([[CLS, *rng.integers(5, vocab_size, size=5).tolist(), SEP]])
    first = _logits(model, ids, None, f"{call}(input_ids)")
    again = _logits(_model(student, vocab_size, 3)[0], ids, None, f"a second {call}")
    other = _logits(_model(student, vocab_size, 4)[0], ids, None, f"build_model({vocab_size}, seed=4)")
    assert torch.equal(first, again), f"{call} twice gave different weights: call torch.manual_seed(seed) first"
    assert not torch.equal(first, other), f"{call} and seed=4 gave the same weights: use the seed"


@points(1)
def test_mlm_loss_only_counts_labelled_positions(student):
    rng = _rng("loss")
    vocab_size = int(rng.integers(20, 40))
    model, call = _model(student, vocab_size, int(rng.integers(100)))
    ids = _batch_of_ids(rng, 4, 10, vocab_size)
    mask = (ids != PAD).long()
    inputs, labels = _recipe(ids, vocab_size, int(rng.integers(10**6)), p=0.4)
    if not bool((labels != -100).any()):
        labels[0, 1] = ids[0, 1]
    where = f"mlm_loss(<{call}>, input_ids (4, 10), attention_mask, labels with {int((labels != -100).sum())} positions set)"
    try:
        got = student.mlm_loss(model, inputs, mask, labels)
    except StudentError as error:
        raise AssertionError(f"{where} raised {error.type_name}: {error.message[:300]}") from None
    got = float(got) if isinstance(got, (int, float, torch.Tensor)) else got
    assert isinstance(got, float) and math.isfinite(got), f"{where} should return a finite scalar loss, got {got!r:.100}"
    logits = _logits(model, inputs, mask, f"{call}(input_ids, attention_mask)")
    want = F.cross_entropy(logits.reshape(-1, vocab_size), labels.reshape(-1), ignore_index=-100).item()
    everywhere = F.cross_entropy(logits.reshape(-1, vocab_size), ids.reshape(-1)).item()
    hint = " It matches a loss over every position: only the labelled (selected) positions count." if abs(got - everywhere) < 1e-4 else ""
    assert_close(got, want, rtol=1e-4, atol=1e-5,
                 what=f"{where} (the mean cross-entropy over the positions whose label is not -100).{hint}")


@points(1)
def test_fill_mask_top_k(student):
    rng = _rng("fill")
    words = _words(rng, 12, set())
    vocab = SPECIALS + sorted(words)
    model, call = _model(student, len(vocab), int(rng.integers(100)))
    sentence = list(rng.choice(np.array(words), int(rng.integers(4, 7))))
    position = int(rng.integers(1, len(sentence)))
    sentence[position] = "[MASK]"
    text = " ".join(sentence)
    k = int(rng.integers(3, 6))
    where = f"fill_mask(<{call}>, vocab, {text!r}, k={k})"
    try:
        got = student.fill_mask(model, vocab, text, k=k)
    except StudentError as error:
        raise AssertionError(f"{where} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(got, list) and len(got) == k and all(
        isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], str) for pair in got
    ), f"{where} should return a list of {k} (token, probability) pairs, got {got!r:.200}"
    ids = torch.tensor([[CLS, *(vocab.index(w) for w in sentence), SEP]])
    logits = _logits(model, ids, torch.ones_like(ids), f"{call}(the encoded sentence)")
    probs = torch.softmax(logits[0, position + 1], dim=-1)
    tokens = [pair[0] for pair in got]
    values = [float(pair[1]) for pair in got]
    assert all(t in vocab for t in tokens), f"{where} returned tokens that are not in vocab: {tokens}"
    assert values == sorted(values, reverse=True), f"{where} returned {got}: sort the pairs by probability, highest first"
    mine = [float(probs[vocab.index(t)]) for t in tokens]
    assert_close(values, mine, rtol=1e-4, atol=1e-6,
                 what=f"{where}: the probabilities of the returned tokens (the softmax over the vocabulary of the logits "
                      "at the [MASK] position; [CLS] comes first, so the mask sits one place later than among the words)")
    threshold = float(torch.topk(probs, k).values[-1])
    assert len(set(tokens)) == k and min(mine) >= threshold - 1e-6, (
        f"{where} returned {tokens}, which are not the {k} most probable tokens at the [MASK] position"
    )


@points(2)
def test_training_fills_in_hidden_sentences(student):
    call, model, vocab, losses, sentences, (subjects, verbs, objects, fillers) = _trained(student)
    assert isinstance(vocab, list) and vocab[:5] == SPECIALS, f"{call} should return the vocabulary second"
    count = len(losses) if isinstance(losses, (list, tuple)) else None
    assert count == TRAIN_ARGS["steps"], (
        f"{call} should return a list with one loss per step (see steps= in the call), got "
        f"{count if count is not None else repr(losses)[:100]}"
    )
    assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in losses), f"{call}: the losses are not all finite"
    rng = _rng("heldout")
    cases = []
    for s in subjects:
        filler = fillers[int(rng.integers(5))]
        cases.append((f"{s} [MASK] {filler} {objects[s]}", verbs[s]))
        cases.append((f"[MASK] {verbs[s]} {filler} {objects[s]}", s))
        cases.append((f"{s} {verbs[s]} {filler} [MASK]", objects[s]))
    right, misses = 0, []
    with call_timeout(60):
        for text, answer in cases:
            got = student.fill_mask(model, vocab, text, k=3)
            top = got[0][0] if isinstance(got, list) and got and isinstance(got[0], (tuple, list)) else None
            right += top == answer
            if top != answer and len(misses) < 2:
                misses.append(f"{text!r} -> {top!r}")
    first, last = float(losses[0]), float(np.mean(losses[-10:]))
    assert right >= 24, (
        f"after {call} (loss {first:.3f} -> {last:.3f}), fill_mask's top token was right for {right} of 30 held-out "
        f"sentences whose masked word follows from the others; expected at least 24 (e.g. {'; '.join(misses)}). "
        "Check the masking, the labels, the loss and the [MASK] position in fill_mask"
    )
