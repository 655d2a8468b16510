"""Hidden grader for transformers/ner-bio-tagging.

The worked examples are fixed (@shows_expected). Texts, entity spans, tag sequences, subword word_ids and
predictions in the other tests are drawn per submission (submission_rng); their expected values come from the
implementation below, the statement's rules written out. The decoding rules are seqeval's default (conlleval)
mode; `_decode` was checked against seqeval's get_entities on every tag sequence of up to 8 tags drawn from
O and B/I/E/S of two types (200,000 random sequences).
"""

import math
import re

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

SLUG = "transformers/ner-bio-tagging"
IGNORE = -100


# ---------------------------------------------------------------- the statement's rules, written out

def _tags(text, entities, scheme="BIO"):
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    tags = ["O"] * len(words)
    for start, end, label in entities:
        inside = [i for i, (ws, we) in enumerate(words) if ws < end and start < we]
        if not inside:
            continue
        if scheme == "BIOES" and len(inside) == 1:
            tags[inside[0]] = f"S-{label}"
            continue
        tags[inside[0]] = f"B-{label}"
        for i in inside[1:]:
            tags[i] = f"I-{label}"
        if scheme == "BIOES":
            tags[inside[-1]] = f"E-{label}"
    return tags


def _decode(tags, start_after_o=True):
    """The statement's decoding; start_after_o=False is a known mistake (an I-/E- that continues nothing is
    dropped), only to name it in the feedback."""
    spans, current = [], None
    for i, tag in enumerate(tags):
        if tag == "O":
            if current:
                spans.append((current[0], current[1], i))
            current = None
            continue
        prefix, _, label = tag.partition("-")
        if not (prefix in ("I", "E") and current and current[0] == label):
            if current:
                spans.append((current[0], current[1], i))
            current = None
            if prefix in ("I", "E") and not start_after_o:
                continue
            current = (label, i)
        if prefix in ("E", "S"):
            spans.append((current[0], current[1], i + 1))
            current = None
    if current:
        spans.append((current[0], current[1], len(tags)))
    return spans


def _align(word_ids, word_tags, label2id):
    out, previous = [], None
    for word_id in word_ids:
        out.append(IGNORE if word_id is None or word_id == previous else label2id[word_tags[word_id]])
        previous = word_id
    return out


def _prf(tp, n_pred, n_true):
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": n_true}


def _scores(true_tags, pred_tags, decode=_decode):
    true = {(s, *span) for s, tags in enumerate(true_tags) for span in decode(tags)}
    pred = {(s, *span) for s, tags in enumerate(pred_tags) for span in decode(tags)}
    scores = _prf(len(true & pred), len(pred), len(true))
    scores["per_type"] = {}
    for label in sorted({e[1] for e in true | pred}):
        t, p = {e for e in true if e[1] == label}, {e for e in pred if e[1] == label}
        scores["per_type"][label] = _prf(len(t & p), len(p), len(t))
    f1s = [v["f1"] for v in scores["per_type"].values()]
    scores["macro_f1"] = sum(f1s) / len(f1s) if f1s else 0.0
    return scores


def _token_f1(true_tags, pred_tags):
    """A known mistake, only to name it in the feedback: F1 over tokens instead of entities."""
    pairs = [(t, p) for ts, ps in zip(true_tags, pred_tags) for t, p in zip(ts, ps)]
    tp = sum(1 for t, p in pairs if t == p != "O")
    return _prf(tp, sum(p != "O" for _, p in pairs), sum(t != "O" for t, _ in pairs))["f1"]


def _flat_f1(true_tags, pred_tags):
    """A known mistake, only to name it in the feedback: all sentences decoded as one sequence."""
    true = set(_decode([t for ts in true_tags for t in ts]))
    pred = set(_decode([t for ts in pred_tags for t in ts]))
    return _prf(len(true & pred), len(pred), len(true))["f1"]


# ---------------------------------------------------------------- hidden data, drawn per submission

NAMES = {
    "PER": ["Ada", "Lovelace", "Grace", "Hopper", "Alan", "Turing", "Emmy", "Noether", "Kofi", "Mensah", "Ines"],
    "LOC": ["London", "Lagos", "Kyoto", "Lima", "Oslo", "Nile", "Andes", "Delhi", "Porto", "Quebec"],
    "ORG": ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Cyberdyne", "Vandelay"],
    "MISC": ["Olympics", "Python", "Nobel", "Euro", "Linux", "Jazz", "Oscar"],
}
FILLER = ["the", "met", "in", "visited", "from", "and", "said", "that", "a", "new", "office", "of", "today",
          "with", "report", "near", "joined", "works", "for", "was", "born", "team"]
TYPES = sorted(NAMES)


def _text(rng):
    """A text and its entity spans (start, end, label): entity words get punctuation attached around them
    sometimes, outside the span, as real text does."""
    parts, entities, pos = [], [], 0
    for _ in range(int(rng.integers(8, 16))):
        if parts:
            gap = " " if rng.random() < 0.75 else str(rng.choice(["  ", "\n", " \t"]))
            parts.append(gap)
            pos += len(gap)
        if rng.random() < 0.35:
            label = TYPES[int(rng.integers(len(TYPES)))]
            words = [str(w) for w in rng.choice(NAMES[label], size=int(rng.integers(1, 4)))]
            lead = "(" if rng.random() < 0.15 else ""
            trail = str(rng.choice([",", ".", "'s", ")", ""]))
            mention = " ".join(words)
            parts.append(lead + mention + trail)
            entities.append((pos + len(lead), pos + len(lead) + len(mention), label))
            pos += len(lead) + len(mention) + len(trail)
        else:
            word = str(rng.choice(FILLER))
            word = word.capitalize() if rng.random() < 0.2 else word
            parts.append(word)
            pos += len(word)
    return "".join(parts), entities


def _sentence_tags(rng):
    tags = []
    for _ in range(int(rng.integers(4, 12))):
        if rng.random() < 0.4:
            label = TYPES[int(rng.integers(len(TYPES)))]
            n = int(rng.integers(1, 4))
            tags += [f"B-{label}"] + [f"I-{label}"] * (n - 1)
        else:
            tags.append("O")
    return tags


def _perturb(rng, tags):
    """A tagger's guess: entities kept, retyped, cut short, grown, dropped, started with I-, and invented."""
    out = list(tags)
    for label, start, end in _decode(tags):
        roll = rng.random()
        if roll < 0.45:
            continue
        if roll < 0.55:  # the wrong type
            other = TYPES[(TYPES.index(label) + 1 + int(rng.integers(len(TYPES) - 1))) % len(TYPES)]
            out[start:end] = [f"B-{other}"] + [f"I-{other}"] * (end - start - 1)
        elif roll < 0.65 and end - start > 1:  # cut short
            out[end - 1] = "O"
        elif roll < 0.75 and end < len(tags) and tags[end] == "O":  # grown by a word
            out[end] = f"I-{label}"
        elif roll < 0.85:  # dropped
            out[start:end] = ["O"] * (end - start)
        else:  # starts with I- (the same entity for seqeval)
            out[start] = f"I-{label}"
    for i in range(len(out)):
        if tags[i] == "O" and out[i] == "O" and rng.random() < 0.08:
            out[i] = f"B-{TYPES[int(rng.integers(len(TYPES)))]}"
    return out


def _scoring_data(rng):
    """Sentences where the entity-level scores differ from every known mistake's."""
    while True:
        true = [_sentence_tags(rng) for _ in range(int(rng.integers(10, 16)))]
        pred = [_perturb(rng, tags) for tags in true]
        # a sentence that ends inside an entity, followed by one whose prediction starts with I- of that type
        k = int(rng.integers(len(true) - 1))
        label = TYPES[int(rng.integers(len(TYPES)))]
        true[k][-1] = pred[k][-1] = f"B-{label}"
        true[k + 1][0], pred[k + 1][0] = f"B-{label}", f"I-{label}"
        want = _scores(true, pred)
        mistakes = (_token_f1(true, pred), _flat_f1(true, pred),
                    _scores(true, pred, decode=lambda t: _decode(t, start_after_o=False))["f1"])
        if all(abs(m - want["f1"]) > 1e-6 for m in mistakes) and len(want["per_type"]) >= 3:
            return true, pred


def _word_ids(rng, n_words, padding):
    ids = [None]
    for w in range(n_words):
        ids += [w] * int(rng.choice([1, 1, 2, 3]))
    ids.append(None)
    return ids + [None] * padding


# ---------------------------------------------------------------- checks

def _tag_list(got, call):
    assert isinstance(got, list) and all(isinstance(t, str) for t in got), (
        f"{call} should return a list of str tags, got {got!r:.300}"
    )
    return got


def _span_list(got, call):
    ok = isinstance(got, list) and all(
        isinstance(s, (list, tuple)) and len(s) == 3 and isinstance(s[0], str)
        and all(isinstance(x, int) and not isinstance(x, bool) for x in s[1:]) for s in got
    )
    assert ok, f"{call} should return a list of (type, start, end) tuples, got {got!r:.300}"
    return [tuple(s) for s in got]


def _number(value, call):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should be a number, got {type(value).__name__}: {value!r:.100}"
    )
    return float(value)


def _check_scores(got, want, call, note=""):
    """``note``: why, in words, added to each message."""
    assert isinstance(got, dict) and {"precision", "recall", "f1", "support", "per_type", "macro_f1"} <= set(got), (
        f"{call} should return a dict with precision, recall, f1, support, per_type and macro_f1, got {got!r:.300}"
    )
    for key in ("precision", "recall", "f1", "support", "macro_f1"):
        _number(got[key], f"{call}[{key!r}]")
        assert math.isclose(got[key], want[key], rel_tol=1e-9, abs_tol=1e-12), (
            f"{call}[{key!r}] is {got[key]!r}, expected {expected(want[key])}{note}"
        )
    per_type = got["per_type"]
    assert isinstance(per_type, dict) and sorted(per_type) == sorted(want["per_type"]), (
        f"{call}['per_type'] has the types {sorted(per_type) if isinstance(per_type, dict) else per_type!r}, expected "
        f"{expected(sorted(want['per_type']))}: every type that occurs in the true OR the predicted entities{note}"
    )
    for label in sorted(per_type):
        assert isinstance(per_type[label], dict), f"{call}['per_type'][{label!r}] should be a dict, got {per_type[label]!r}"
        for key in ("precision", "recall", "f1", "support"):
            _number(per_type[label].get(key), f"{call}['per_type'][{label!r}][{key!r}]")
            assert math.isclose(per_type[label][key], want["per_type"][label][key], rel_tol=1e-9, abs_tol=1e-12), (
                f"{call}['per_type'][{label!r}][{key!r}] is {per_type[label][key]!r}, expected "
                f"{expected(want['per_type'][label][key])}{note}"
            )


def _raises_value_error(call, function, *args):
    try:
        got = function(*args)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r:.200}, expected it to raise ValueError")


# ---------------------------------------------------------------- tests

@shows_expected
@points(1)
def test_spans_to_bio_tags(student):
    cases = [
        ("Ada Lovelace met Charles Babbage in London.", [(0, 12, "PER"), (17, 32, "PER"), (36, 42, "LOC")],
         ["B-PER", "I-PER", "O", "B-PER", "I-PER", "O", "B-LOC"], "'London.' is one word: it shares characters with the span"),
        ("Visit  New York\tand (Lagos), then rest.", [(7, 15, "LOC"), (21, 26, "LOC")],
         ["O", "B-LOC", "I-LOC", "O", "B-LOC", "O", "O"], "words are runs of non-whitespace; '(Lagos),' is one word"),
        ("The Paris-based startup", [(4, 9, "LOC")], ["O", "B-LOC", "O"],
         "the span covers part of the word 'Paris-based': the word is tagged"),
        ("Acme Corp hired Grace", [(0, 9, "ORG"), (16, 21, "PER")], ["B-ORG", "I-ORG", "O", "B-PER"],
         "two entities, the second a single word"),
        ("nothing to see here", [], ["O", "O", "O", "O"], "no entities"),
        ("", [], [], "no words"),
    ]
    for text, entities, want, hint in cases:
        call = f"spans_to_tags({text!r}, {entities!r})"
        got = _tag_list(student.spans_to_tags(text, entities), call)
        assert got == want, f"{call} returned {got!r}, expected {want!r} ({hint})"


@shows_expected
@points(1)
def test_spans_to_bioes_tags(student):
    cases = [
        ("Ada Lovelace met Charles Babbage in London.", [(0, 12, "PER"), (17, 32, "PER"), (36, 42, "LOC")],
         ["B-PER", "E-PER", "O", "B-PER", "E-PER", "O", "S-LOC"]),
        ("the Bank of New Zealand fell", [(4, 23, "ORG")], ["O", "B-ORG", "I-ORG", "I-ORG", "E-ORG", "O"]),
        ("Oslo Kyoto", [(0, 4, "LOC"), (5, 10, "LOC")], ["S-LOC", "S-LOC"]),
    ]
    for text, entities, want in cases:
        call = f"spans_to_tags({text!r}, {entities!r}, scheme='BIOES')"
        got = _tag_list(student.spans_to_tags(text, entities, scheme="BIOES"), call)
        assert got == want, (
            f"{call} returned {got!r}, expected {want!r} (BIOES: S- for a one-word entity, else B-, I-..., E-)"
        )
    _raises_value_error("spans_to_tags('a b', [], scheme='IOB1')", student.spans_to_tags, "a b", [], "IOB1")


@points(1)
def test_spans_to_tags_on_hidden_texts(student):
    rng = submission_rng(f"{SLUG}:spans")
    for index in range(6):
        text, entities = _text(rng)
        scheme = "BIO" if index % 2 == 0 else "BIOES"
        call = f"spans_to_tags({text!r}, {entities!r}, scheme={scheme!r})"
        got = _tag_list(student.spans_to_tags(text, entities, scheme=scheme), call)
        want = _tags(text, entities, scheme)
        assert got == want, f"{call} returned {got!r}, expected {expected(want)}"


@shows_expected
@points(1.5)
def test_tags_to_spans_rules(student):
    cases = [
        (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 2), ("LOC", 3, 4)], "end is exclusive"),
        (["O", "I-ORG", "I-ORG", "O"], [("ORG", 1, 3)], "an I- after O starts an entity (no B- needed)"),
        (["I-PER", "B-PER", "B-PER"], [("PER", 0, 1), ("PER", 1, 2), ("PER", 2, 3)], "every B- starts a new entity"),
        (["B-PER", "I-LOC", "I-LOC"], [("PER", 0, 1), ("LOC", 1, 3)], "an I- of another type starts a new entity"),
        (["B-ORG", "I-ORG"], [("ORG", 0, 2)], "an entity open at the end of the sentence ends there"),
        (["B-PER", "E-PER", "S-LOC", "O", "B-ORG", "I-ORG", "E-ORG"],
         [("PER", 0, 2), ("LOC", 2, 3), ("ORG", 4, 7)], "BIOES"),
        (["S-PER", "I-PER", "E-PER", "E-PER"], [("PER", 0, 1), ("PER", 1, 3), ("PER", 3, 4)],
         "after S- or E- nothing is open: an I- or E- then starts a new entity"),
        (["O", "E-LOC", "O"], [("LOC", 1, 2)], "an E- after O is a one-word entity"),
        (["B-WORK-OF-ART", "I-WORK-OF-ART"], [("WORK-OF-ART", 0, 2)], "the type is everything after the first '-'"),
        ([], [], "no tags"),
    ]
    for tags, want, hint in cases:
        call = f"tags_to_spans({tags!r})"
        got = _span_list(student.tags_to_spans(tags), call)
        assert got == want, f"{call} returned {got!r}, expected {want!r} ({hint})"
    for bad in (["O", "X-PER"], ["B-"], ["PER"]):
        _raises_value_error(f"tags_to_spans({bad!r})", student.tags_to_spans, bad)


@points(1)
def test_tags_to_spans_on_hidden_sequences(student):
    rng = submission_rng(f"{SLUG}:decode")
    choices = ["O", "O", "O"] + [f"{p}-{t}" for p in "BIES" for t in ("PER", "LOC", "ORG")]
    for index in range(40):
        tags = [str(t) for t in rng.choice(choices, size=int(rng.integers(3, 14)))]
        if index < 10:  # BIO only, with an I- after O
            tags = [t.replace("E-", "I-").replace("S-", "B-") for t in tags]
            tags[0] = "O"
            tags[1] = "I-" + tags[1][2:] if tags[1] != "O" else "I-LOC"
        call = f"tags_to_spans({tags!r})"
        got = _span_list(student.tags_to_spans(tags), call)
        want = _decode(tags)
        hint = ""
        if got == _decode(tags, start_after_o=False):
            hint = " Hint: an I- (or E-) that continues nothing starts a new entity; it is not dropped."
        assert got == want, f"{call} returned {got!r}, expected {expected(want)}.{hint}"


@shows_expected
@points(0.5)
def test_align_labels_example(student):
    label2id = {"O": 0, "B-PER": 1, "I-PER": 2, "B-LOC": 3, "I-LOC": 4}
    word_ids = [None, 0, 0, 1, 2, 2, 2, None]
    word_tags = ["B-PER", "O", "B-LOC"]
    call = f"align_labels({word_ids!r}, {word_tags!r}, {label2id!r})"
    got = student.align_labels(word_ids, word_tags, label2id)
    want = [-100, 1, -100, 0, 3, -100, -100, -100]
    assert list(got) == want, (
        f"{call} returned {got!r}, expected {want!r}: only the FIRST subword of a word gets its label; the other "
        "subwords and the special tokens (None) get -100"
    )


@points(1)
def test_align_labels_on_hidden_batches(student):
    rng = submission_rng(f"{SLUG}:align")
    labels = ["O"] + [f"{p}-{t}" for t in TYPES for p in "BI"]
    label2id = {label: i for i, label in enumerate(labels)}
    for _ in range(5):
        word_tags = _sentence_tags(rng)
        word_ids = _word_ids(rng, len(word_tags), int(rng.integers(0, 4)))
        call = f"align_labels({word_ids!r}, {word_tags!r}, {label2id!r})"
        got = student.align_labels(word_ids, word_tags, label2id)
        want = _align(word_ids, word_tags, label2id)
        hint = ""
        if isinstance(got, list) and len(got) == len(want) and sum(x != IGNORE for x in got) > sum(
                x != IGNORE for x in want):
            hint = " Hint: label only the first subword of each word; the later subwords get -100."
        assert list(got) == want, f"{call} returned {got!r}, expected {expected(want)}.{hint}"


@points(0.5)
def test_word_predictions(student):
    rng = submission_rng(f"{SLUG}:predictions")
    labels = ["O"] + [f"{p}-{t}" for t in TYPES for p in "BI"]
    id2label = dict(enumerate(labels))
    for _ in range(4):
        n_words = int(rng.integers(3, 10))
        word_ids = _word_ids(rng, n_words, int(rng.integers(0, 3)))
        predictions = [int(x) for x in rng.integers(len(labels), size=len(word_ids))]
        call = f"word_predictions({word_ids!r}, {predictions!r}, {id2label!r})"
        got = _tag_list(student.word_predictions(word_ids, predictions, id2label), call)
        firsts = [i for i, w in enumerate(word_ids) if w is not None and (i == 0 or word_ids[i - 1] != w)]
        want = [id2label[predictions[i]] for i in firsts]
        assert got == want, (
            f"{call} returned {got!r}, expected {expected(want)} (one tag per word: the prediction at its first "
            "subword)"
        )


@shows_expected
@points(1)
def test_entity_scores_worked_examples(student):
    true = [["B-PER", "I-PER", "O", "B-LOC"]]
    pred = [["B-PER", "O", "O", "B-LOC"]]
    call = f"entity_scores({true!r}, {pred!r})"
    want = {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2, "macro_f1": 0.5,
            "per_type": {"LOC": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
                         "PER": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}}}
    _check_scores(student.entity_scores(true, pred), want, call, " (PER (0, 1) is not PER (0, 2): no credit)")

    true = [["B-LOC", "I-LOC"], ["B-ORG", "O"]]
    pred = [["B-LOC", "I-LOC"], ["I-ORG", "B-MISC"]]
    call = f"entity_scores({true!r}, {pred!r})"
    want = {"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2, "macro_f1": 2 / 3,
            "per_type": {"LOC": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
                         "MISC": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0},
                         "ORG": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}}}
    _check_scores(student.entity_scores(true, pred), want, call,
                  " (I-ORG after O is ORG (0, 1); MISC occurs only in the prediction: it has a row, support 0)")

    true = [["B-PER", "I-PER"], ["I-PER", "O"]]
    pred = [["B-PER", "I-PER"], ["B-PER", "O"]]
    call = f"entity_scores({true!r}, {pred!r})"
    want = {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2, "macro_f1": 1.0,
            "per_type": {"PER": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}}}
    _check_scores(student.entity_scores(true, pred), want, call,
                  " (each sentence is decoded on its own: an entity never runs into the next sentence)")

    true, pred = [["O", "O"]], [["O", "O"]]
    call = f"entity_scores({true!r}, {pred!r})"
    want = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "macro_f1": 0.0, "per_type": {}}
    _check_scores(student.entity_scores(true, pred), want, call, " (no entities at all: 0.0, not an error)")
    _raises_value_error("entity_scores([['O', 'O']], [['O']])", student.entity_scores, [["O", "O"]], [["O"]])


@points(1.5)
def test_entity_scores_on_hidden_predictions(student):
    rng = submission_rng(f"{SLUG}:scores")
    true, pred = _scoring_data(rng)
    call = f"entity_scores(<{len(true)} hidden sentences, e.g. {true[0]!r}>, <a tagger's predictions, e.g. {pred[0]!r}>)"
    got = student.entity_scores(true, pred)
    want = _scores(true, pred)
    hint = ""
    if isinstance(got, dict) and isinstance(got.get("f1"), (int, float)):
        if math.isclose(got["f1"], _token_f1(true, pred), rel_tol=1e-9):
            hint = ". Hint: your F1 is the TOKEN-level F1; count whole entities (type, start, end) instead."
        elif math.isclose(got["f1"], _flat_f1(true, pred), rel_tol=1e-9):
            hint = ". Hint: the sentences seem to be decoded as one long sequence; decode each sentence on its own."
    _check_scores(got, want, call, hint)
