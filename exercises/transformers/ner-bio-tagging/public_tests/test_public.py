"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (attached punctuation, every
decoding rule, padded batches, per-type rows, and texts and predictions drawn anew for each submission).
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import align_labels, entity_scores, spans_to_tags, tags_to_spans, word_predictions  # noqa: E402

TEXT = "Ada Lovelace met Charles Babbage in London."
ENTITIES = [(0, 12, "PER"), (17, 32, "PER"), (36, 42, "LOC")]


def test_bio_and_bioes_example():
    got = spans_to_tags(TEXT, ENTITIES)
    want = ["B-PER", "I-PER", "O", "B-PER", "I-PER", "O", "B-LOC"]
    assert got == want, f"spans_to_tags(TEXT, ENTITIES) returned {got!r}, expected {want!r}"
    got = spans_to_tags(TEXT, ENTITIES, scheme="BIOES")
    want = ["B-PER", "E-PER", "O", "B-PER", "E-PER", "O", "S-LOC"]
    assert got == want, f"spans_to_tags(TEXT, ENTITIES, scheme='BIOES') returned {got!r}, expected {want!r}"


def test_decoding_starts_an_entity_at_an_i_after_o():
    got = [tuple(s) for s in tags_to_spans(["O", "I-ORG", "I-ORG", "O", "B-PER", "I-LOC"])]
    want = [("ORG", 1, 3), ("PER", 4, 5), ("LOC", 5, 6)]
    assert got == want, (
        f"tags_to_spans returned {got!r}, expected {want!r}: an I- after O starts an entity, and an I- of another "
        "type starts a new one"
    )


def test_only_the_first_subword_is_labelled():
    got = align_labels([None, 0, 1, 1, 2, None], ["B-PER", "I-PER", "O"], {"O": 0, "B-PER": 1, "I-PER": 2})
    assert list(got) == [-100, 1, 2, -100, 0, -100], f"align_labels returned {got!r}, expected [-100, 1, 2, -100, 0, -100]"
    got = word_predictions([None, 0, 1, 1, 2, None], [0, 1, 2, 1, 0, 2], {0: "O", 1: "B-PER", 2: "I-PER"})
    assert got == ["B-PER", "I-PER", "O"], f"word_predictions returned {got!r}, expected ['B-PER', 'I-PER', 'O']"


def test_entity_scores_example():
    got = entity_scores([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "O", "B-LOC"]])
    for key, want in (("precision", 0.5), ("recall", 0.5), ("f1", 0.5), ("support", 2), ("macro_f1", 0.5)):
        assert math.isclose(got[key], want), f"entity_scores(...)[{key!r}] is {got[key]!r}, expected {want!r}"
    assert sorted(got["per_type"]) == ["LOC", "PER"], f"per_type has the types {sorted(got['per_type'])}"
    assert got["per_type"]["PER"]["f1"] == 0.0, "the person was cut short: PER (0, 1) is not PER (0, 2), F1 0.0"
    assert got["per_type"]["LOC"]["f1"] == 1.0, "the location is exactly right: F1 1.0"
