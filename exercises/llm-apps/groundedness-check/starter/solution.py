"""Checking that a generated answer is grounded in the passages it cites.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
STOP_WORDS is given complete: it is the list from the README.
"""

import re  # noqa: F401

STOP_WORDS = frozenset(
    """a about after also an and are as at be been before but by can could did do does for from had has have he
    her here his however i if in indeed into is it its may might more most no not of on or our overall s see she
    should so t than that the their them then there these they this those to was we were what when where which
    while who will with would yes you""".split()
)


def split_sentences(answer: str) -> list[str]:
    """Split after each . ! or ? that is followed by whitespace; strip the sentences and drop empty ones."""
    raise NotImplementedError("split_sentences is not written yet")


def parse_citations(sentence: str) -> tuple[str, list[int]]:
    """(the sentence without its [n] markers, the cited numbers in order of first appearance, no repeats)."""
    raise NotImplementedError("parse_citations is not written yet")


def content_words(text: str) -> set[str]:
    """The distinct lower-case words (runs of a-z and 0-9) of the text that are not stop words."""
    raise NotImplementedError("content_words is not written yet")


def support_score(sentence: str, passage: str) -> float:
    """The share of the sentence's content words that are content words of the passage (0.0 if it has none)."""
    raise NotImplementedError("support_score is not written yet")


def check_answer(answer: str, passages: list[str], threshold: float = 0.5) -> dict:
    """The groundedness report: one entry per sentence, the status lists, out_of_range and score."""
    raise NotImplementedError("check_answer is not written yet")
