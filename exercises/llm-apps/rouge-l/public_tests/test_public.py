"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (generated token sequences and
texts, long sequences for the low-memory version, several references and summaries).
"""

import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    f_measure,
    lcs_length,
    lcs_length_low_memory,
    lcs_positions,
    lcs_table,
    rouge_l,
    rouge_l_multi,
    rouge_l_summary,
    tokenize,
)


def close(got, want):
    return all(math.isclose(got[k], want[k], rel_tol=1e-9, abs_tol=1e-12) for k in want)


def test_statement_tokenizer_example():
    got = tokenize("The cat's 2 hats -- on THE mat!")
    assert got == ["the", "cat", "s", "2", "hats", "on", "the", "mat"], f"got {got}"


def test_statement_lcs_examples():
    got = lcs_table(["a", "b", "c"], ["b", "a", "c"])
    assert got == [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 2]], f"got {got}"
    assert lcs_length(list("ABCBDAB"), list("BDCABA")) == 4, "the LCS (BCBA) need not be contiguous"
    assert lcs_length("police killed the gunman".split(), "police kill the gunman".split()) == 3
    assert lcs_length([], ["a"]) == 0


def test_low_memory_version_gives_the_same_lengths():
    rnd = random.Random(7)
    for _ in range(50):
        a = [rnd.choice("abc") for _ in range(rnd.randint(0, 12))]
        b = [rnd.choice("abc") for _ in range(rnd.randint(0, 30))]
        assert lcs_length_low_memory(a, b) == lcs_length(a, b) == lcs_length_low_memory(b, a), (a, b)


def test_statement_positions_and_tie_rule():
    assert lcs_positions(["a", "b"], ["b", "a"]) == [0], "on a tie, drop the reference's token (i -= 1)"
    assert lcs_positions("w1 w2 w3 w4 w5".split(), "w1 w3 w8 w9 w5".split()) == [0, 2, 4]


def test_statement_scores():
    got = rouge_l("the cat was found under the bed", "the cat was under the bed")
    assert close(got, {"precision": 6 / 7, "recall": 1.0, "fmeasure": 12 / 13}), f"got {got}"
    got = rouge_l("the cat was found under the bed", "the cat was under the bed", beta=2)
    assert math.isclose(got["fmeasure"], 0.9677419354838709), f"with beta=2, fmeasure is {got['fmeasure']}"
    assert f_measure(0.5, 0.0) == 0.0


def test_multi_reference_picks_the_best():
    got = rouge_l_multi("the cat sat", ["a dog ran", "the cat sat down", "the cat sat down"])
    assert got["reference"] == 1, f"the best reference is index 1 (the earliest of the two equal ones), got {got}"
    assert close(got, {"precision": 1.0, "recall": 0.75}), f"got {got}"


def test_statement_summary_examples():
    got = rouge_l_summary(["w1 w2 w6 w7 w8.", "w1 w3 w8 w9 w5."], ["w1 w2 w3 w4 w5."])
    assert close(got, {"precision": 0.4, "recall": 0.8, "fmeasure": 0.8 / 1.5}), f"got {got}"
    got = rouge_l_summary(["a b"], ["a", "a"])
    assert close(got, {"precision": 0.5, "recall": 0.5}), f"'a' can be credited only once: got {got}"
