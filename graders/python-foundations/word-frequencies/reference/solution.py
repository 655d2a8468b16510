"""Reference solution for python-foundations/word-frequencies."""

import re

# A word: letters a-z, optionally joined by single apostrophes ("don't", "rock'n'roll").
# Applied to lowercased text, so capital letters are handled too.
WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def count_words(text: str) -> dict[str, int]:
    """Return how many times each word occurs in ``text`` (case-insensitive)."""
    counts: dict[str, int] = {}
    for word in WORD.findall(text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """Return the ``n`` most frequent (word, count) pairs, ties in alphabetical order."""
    if n < 0:
        raise ValueError(f"n must be zero or more, got {n}")
    counts = count_words(text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]
