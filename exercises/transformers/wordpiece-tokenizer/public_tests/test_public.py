"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (other corpora, one drawn anew for
each submission, ties, stopping, unknown words and decoding).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import decode, encode_word, pre_tokenize, tokenize, train_wordpiece  # noqa: E402

CORPUS = ["the cat sat, the cats sat.", "a hat"]
INITIAL = ["[UNK]", "##a", "##e", "##h", "##s", "##t", ",", ".", "a", "c", "h", "s", "t"]
MERGED = ["##he", "the", "##at", "##ats", "cats", "cat"]


def test_pre_tokenize_example():
    got = pre_tokenize("Hello, World! It's 3.5 km")
    want = ["hello", ",", "world", "!", "it", "'", "s", "3", ".", "5", "km"]
    assert got == want, f"pre_tokenize returned {got!r}, expected {want!r}"


def test_initial_vocabulary_is_unk_then_sorted_pieces():
    got = train_wordpiece(CORPUS, 13)
    assert list(got) == INITIAL, (
        f"train_wordpiece(CORPUS, 13) returned {got!r}, expected {INITIAL!r}: '[UNK]', then the distinct pieces "
        "(first characters as they are, the others with '##'), sorted"
    )


def test_worked_example_merges():
    got = list(train_wordpiece(CORPUS, 19))
    assert got[:13] == INITIAL, f"the first 13 tokens should be the initial vocabulary {INITIAL!r}, got {got[:13]!r}"
    assert got[13:] == MERGED, (
        f"the merged pieces are {got[13:]!r}, expected {MERGED!r}. The first merge is '##h' + '##e' (score "
        "2 / (2 * 2) = 1/2, a tie with ('t', '##h') that the smaller pair wins), not BPE's most frequent pair "
        "('##a', '##t')"
    )


def test_encode_word_longest_match_first_and_unk():
    vocab = INITIAL + MERGED
    for word, want in (("hats", ["h", "##ats"]), ("chat", ["c", "##h", "##at"]), ("catz", ["[UNK]"])):
        got = encode_word(word, vocab)
        assert list(got) == want, f"encode_word({word!r}, vocab) returned {got!r}, expected {want!r}"


def test_tokenize_and_decode_example():
    vocab = INITIAL + MERGED
    got = tokenize("The cats, a HAT!", vocab)
    want = ["the", "cats", ",", "a", "h", "##at", "[UNK]"]
    assert list(got) == want, f"tokenize('The cats, a HAT!', vocab) returned {got!r}, expected {want!r}"
    got = decode(want)
    assert got == "the cats , a hat [UNK]", f"decode({want!r}) returned {got!r}, expected 'the cats , a hat [UNK]'"
