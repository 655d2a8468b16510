"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and a few rules it states. The hidden grader checks more
(other texts and window sizes, the stopping rule, whitespace, ids and parameter errors).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import chunk_by_chars, chunk_by_sentences, chunk_by_words, sentence_spans  # noqa: E402


def _show(chunks):
    return "\n".join(repr(c) for c in chunks)


def test_chars_example_stops_after_reaching_the_end():
    got = chunk_by_chars("abcdefghij", size=4, overlap=1)
    want = [
        {"id": "doc#0", "start": 0, "end": 4, "text": "abcd"},
        {"id": "doc#1", "start": 3, "end": 7, "text": "defg"},
        {"id": "doc#2", "start": 6, "end": 10, "text": "ghij"},
    ]
    assert got == want, (
        f"chunk_by_chars('abcdefghij', size=4, overlap=1) returned\n{_show(got)}\nexpected\n{_show(want)}\n"
        "(stop right after the first window that contains the last character: no extra 'j' chunk)"
    )


def test_words_example_keeps_the_original_spacing():
    text = "one two  three\nfour five"
    got = chunk_by_words(text, size=3, overlap=1, doc_id="a")
    want = [
        {"id": "a#0", "start": 0, "end": 14, "text": "one two  three"},
        {"id": "a#1", "start": 9, "end": 24, "text": "three\nfour five"},
    ]
    assert got == want, (
        f"chunk_by_words({text!r}, size=3, overlap=1, doc_id='a') returned\n{_show(got)}\nexpected\n{_show(want)}\n"
        "(a chunk's text is exactly text[start:end], double spaces and line breaks included)"
    )


def test_sentence_spans_examples():
    got = sentence_spans("Hello there. How are you?  Fine")
    assert [tuple(s) for s in got] == [(0, 12), (13, 25), (27, 31)], (
        f"sentence_spans('Hello there. How are you?  Fine') returned {got!r}, expected [(0, 12), (13, 25), (27, 31)]"
    )
    text = "Version 2.5 is out. Really... yes"
    got = sentence_spans(text)
    assert [tuple(s) for s in got] == [(0, 19), (20, 29), (30, 33)], (
        f"sentence_spans({text!r}) returned {got!r}, expected [(0, 19), (20, 29), (30, 33)]: a sentence ends with "
        "a run of . ! ? followed by whitespace or the end, so '2.5' does not end one and '...' ends one only once"
    )


def test_sentences_example():
    got = chunk_by_sentences("A b. C d! E f? G", size=2, overlap=1)
    want = [
        {"id": "doc#0", "start": 0, "end": 9, "text": "A b. C d!"},
        {"id": "doc#1", "start": 5, "end": 14, "text": "C d! E f?"},
        {"id": "doc#2", "start": 10, "end": 16, "text": "E f? G"},
    ]
    assert got == want, (
        f"chunk_by_sentences('A b. C d! E f? G', size=2, overlap=1) returned\n{_show(got)}\nexpected\n{_show(want)}"
    )


def test_bad_parameters_and_empty_text():
    try:
        chunk_by_chars("abc", size=3, overlap=3)
    except ValueError:
        pass
    else:
        raise AssertionError("chunk_by_chars('abc', size=3, overlap=3) should raise ValueError (overlap must be smaller than size)")
    got = chunk_by_words("", size=2)
    assert got == [], f"chunk_by_words('', size=2) returned {got!r}, expected [] (a text with no units)"
