import re

WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def count_words(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for word in WORD.findall(text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    if n < 0:
        raise ValueError("n must be zero or more")
    counts = count_words(text)
    # Sorts by count only: tied words stay in the order they first appeared in the text.
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    return ranked[:n]
