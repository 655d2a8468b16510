"""Hidden grader for transformers/char-language-model (leaderboard: val_loss, lower is better).

The training text is the public train.txt of the starter (regenerated here from seed 0). The evaluation
passages come from the same story generator, each from its own ``hidden_seed`` (which mixes in the
deployment's grader secret: graders/ is public, so a seed written here would let anyone regenerate them), and
their targets never leave this box: the student's model is asked for next-character distributions one
position at a time, so no target is sent before it is scored. Each hidden context is sent once per run
(``send_hidden_once``): a model that fails on purpose after seeing the passages must not get a second pass
in which it replays them. The first pass's result, or its failure, is reused by every test.
"""

import math
import random

import numpy as np

from gradient_grader import StudentError, call_timeout, hidden_seed, points, record_metric, send_hidden_once

ALPHABET = "\n !',.?abcdefghijklmnopqrstuvwxyz"

NAMES = ["anna", "tomas", "mira", "old jonah", "the miller", "the baker", "little pip", "captain rosa",
         "the teacher", "my sister", "our neighbour", "the doctor"]
ANIMALS = ["fox", "heron", "goat", "crow", "dog", "cat", "otter", "owl", "horse", "hare"]
THINGS = ["lantern", "basket", "letter", "kettle", "boat", "map", "coat", "bell", "ladder", "bucket",
          "loaf of bread", "bag of apples", "wooden box", "silver key"]
PLACES = ["the harbour", "the mill", "the market", "the old bridge", "the river", "the forest",
          "the village square", "the hill", "the school", "the lighthouse", "the garden", "the station"]
ADJ = ["old", "small", "red", "quiet", "heavy", "bright", "cold", "green", "tired", "clever", "muddy", "new"]
TIMES = ["before dawn", "at noon", "in the evening", "after the rain", "on monday", "every morning",
         "late at night", "in winter", "that afternoon", "once a week"]
VERBS_T = [("carried", "carries"), ("found", "finds"), ("painted", "paints"), ("fixed", "fixes"),
           ("sold", "sells"), ("lost", "loses"), ("opened", "opens"), ("cleaned", "cleans"),
           ("watched", "watches"), ("followed", "follows")]
VERBS_I = [("walked", "walks"), ("ran", "runs"), ("sang", "sings"), ("waited", "waits"),
           ("slept", "sleeps"), ("worked", "works"), ("rested", "rests"), ("laughed", "laughs")]
FEEL = ["happy", "worried", "hungry", "sleepy", "surprised", "angry", "calm", "cold"]
SAY = ["said", "asked", "whispered", "shouted", "replied"]


def _np(r):
    kind = r.random()
    if kind < 0.35:
        return "the " + r.choice(ADJ) + " " + r.choice(ANIMALS + THINGS)
    if kind < 0.7:
        return "the " + r.choice(ANIMALS + THINGS)
    return "a " + r.choice(ADJ) + " " + r.choice(THINGS)


def _subject(r):
    return r.choice(NAMES) if r.random() < 0.6 else "the " + r.choice(ANIMALS)


def _clause(r):
    kind = r.randrange(7)
    past = r.random() < 0.7
    pick = 0 if past else 1
    if kind == 0:
        return f"{_subject(r)} {r.choice(VERBS_T)[pick]} {_np(r)}"
    if kind == 1:
        return f"{_subject(r)} {r.choice(VERBS_I)[pick]} to {r.choice(PLACES)} {r.choice(TIMES)}"
    if kind == 2:
        return f"{_subject(r)} {r.choice(VERBS_T)[pick]} {_np(r)} near {r.choice(PLACES)}"
    if kind == 3:
        return f"{_subject(r)} {'was' if past else 'is'} {r.choice(FEEL)}"
    if kind == 4:
        return f"there {'was' if past else 'is'} {_np(r)} in {r.choice(PLACES)}"
    if kind == 5:
        return f"{r.choice(TIMES)}, {_subject(r)} {r.choice(VERBS_I)[pick]}"
    return f"{_subject(r)} {r.choice(VERBS_I)[pick]} and {r.choice(VERBS_I)[pick]}"


def _sentence(r):
    kind = r.random()
    if kind < 0.55:
        return _clause(r) + "."
    if kind < 0.7:
        return _clause(r) + ", and " + _clause(r) + "."
    if kind < 0.8:
        return _clause(r) + " because " + _clause(r) + "."
    if kind < 0.9:
        return f"did you see {_np(r)} at {r.choice(PLACES)}?"
    return f"{r.choice(NAMES)} {r.choice(SAY)}, '{_clause(r)}.'"


def make_text(seed, n_chars):
    r = random.Random(seed)
    paragraphs, total = [], 0
    while total < n_chars:
        para = " ".join(_sentence(r) for _ in range(r.randint(2, 6)))
        paragraphs.append(para)
        total += len(para) + 1
    text = "\n".join(paragraphs)[:n_chars]
    assert set(text) <= set(ALPHABET)
    return text


TRAIN_SEED, TRAIN_CHARS = 0, 40000
PARTS = ("public", "private")
HIDDEN = "transformers/char-language-model:{part}:{index}"  # the names of the hidden passages' seeds
N_PASSAGES, WIDTH, START = 64, 64, 16
PER_CALL = 32  # contexts in one call (the README promises at most 32)
FLOOR = 1e-8
INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_STATE = {}


def _passages(part):
    """N_PASSAGES hidden passages of WIDTH characters, each cut from its own short story at an offset that
    its secret seed picks (so a passage may start in the middle of a word, as in a longer text)."""
    passages = []
    for index in range(N_PASSAGES):
        seed = hidden_seed(HIDDEN.format(part=part, index=index))
        start = seed % (3 * WIDTH)
        passages.append(make_text(seed, start + 2 * WIDTH)[start:start + WIDTH])
    return passages


def _check_rows(probs, contexts, call):
    arr = np.asarray(probs, dtype=float) if not hasattr(probs, "detach") else probs.detach().double().numpy()
    assert arr.shape == (len(contexts), len(ALPHABET)), (
        f"{call} returned an array of shape {arr.shape}, expected ({len(contexts)}, {len(ALPHABET)}): "
        "one row per context, one column per character of ALPHABET"
    )
    assert np.isfinite(arr).all(), f"{call} returned nan or inf values"
    assert (arr >= 0).all(), f"{call} returned negative probabilities (min {arr.min():.4g})"
    sums = arr.sum(axis=1)
    worst = int(np.argmax(np.abs(sums - 1.0)))
    assert abs(sums[worst] - 1.0) <= 1e-4, (
        f"{call}: row {worst} sums to {sums[worst]:.6g}, expected 1 (normalise each row into a distribution)"
    )
    return arr


def _model(student):
    if "model" not in _STATE:
        text = make_text(TRAIN_SEED, TRAIN_CHARS)
        with call_timeout(40):
            _STATE["model"] = student.train(text)
    return _STATE["model"]


def _score_hidden_passages(model):
    """val_loss of the model on each part's hidden passages; every hidden context is sent once."""
    losses = {}
    for part in PARTS:
        passages = _passages(part)
        total, count = 0.0, 0
        for t in range(START, WIDTH):
            for first in range(0, N_PASSAGES, PER_CALL):
                group = passages[first:first + PER_CALL]
                contexts = [p[:t] for p in group]
                call = f"model.next_char_probs(<{len(contexts)} hidden {part} contexts of {t} characters>)"
                name = f"{part} passages {first + 1}-{first + len(group)}, first {t} characters"
                sent = send_hidden_once(name, contexts)
                arr = _check_rows(model.next_char_probs(sent), contexts, call)
                for row, passage in zip(arr, group):
                    total -= math.log(max(float(row[INDEX[passage[t]]]), FLOOR))
                    count += 1
        losses[part] = total / count
    return losses


def _val_loss(student, part):
    if "error" in _STATE:
        raise AssertionError(_STATE["error"])
    if "losses" not in _STATE:
        model = _model(student)
        try:
            losses = _score_hidden_passages(model)
        except (AssertionError, StudentError) as error:
            # No second pass: the hidden passages were (partly) shown to the model, so a retry could replay them.
            _STATE["error"] = f"val_loss could not be measured, the hidden texts are scored once per run: {error}"
            raise
        for name, value in losses.items():
            record_metric("val_loss", value, part=name)
        _STATE["losses"] = losses
    return _STATE["losses"][part]


def _below(student, threshold):
    loss = _val_loss(student, "public")
    assert loss < threshold, (
        f"public val_loss = {loss:.4f} nats per character, needs to be below {threshold} for these points "
        "(uniform guessing scores 3.50)"
    )


@points(2)
def test_model_gives_valid_distributions(student):
    model = _model(student)
    contexts = ["", "t", "the old fisherman ", "did you see the red", "anna said, 'the", "x" * 300]
    call = "model.next_char_probs(" + repr(contexts[:5])[:-1] + ", 'xxx...' (300 characters)])"
    _check_rows(model.next_char_probs(contexts), contexts, call)
    _val_loss(student, "public")  # scores both hidden texts (and checks every answer) once


@points(1)
def test_val_loss_below_3_2(student):
    _below(student, 3.2)


@points(1)
def test_val_loss_below_2_5(student):
    _below(student, 2.5)


@points(2)
def test_val_loss_below_1_6(student):
    _below(student, 1.6)


@points(2)
def test_val_loss_below_0_9(student):
    _below(student, 0.9)


@points(2)
def test_val_loss_below_0_65(student):
    _below(student, 0.65)
