"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (other texts, edge cases).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import count_words, top_words  # noqa: E402


def test_counts_the_example_sentence():
    assert count_words("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_top_word_of_the_example_sentence():
    assert top_words("the cat and the hat", 1) == [("the", 2)]


def test_empty_text_has_no_words():
    assert count_words("") == {}
    assert top_words("", 3) == []
