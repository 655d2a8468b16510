from collections import defaultdict

import numpy as np

ALPHABET = "\n !',.?abcdefghijklmnopqrstuvwxyz"
INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


class NGramModel:
    def __init__(self, order: int = 6) -> None:
        self.order = order  # the longest context used, in characters
        self.counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(ALPHABET)))

    def fit(self, text: str) -> "NGramModel":
        ids = [INDEX[ch] for ch in text if ch in INDEX]
        clean = "".join(ALPHABET[i] for i in ids)
        for pos, target in enumerate(ids):
            for n in range(0, self.order + 1):
                if n > pos:
                    break
                self.counts[clean[pos - n:pos]][target] += 1
        self.counts = dict(self.counts)
        self.totals = {h: float(c.sum()) for h, c in self.counts.items()}
        self.types = {h: float((c > 0).sum()) for h, c in self.counts.items()}
        return self

    def _probs(self, context: str) -> np.ndarray:
        context = "".join(ch for ch in context if ch in INDEX)
        context = context[:-1]  # off by one: forgets the newest character of the context
        probs = np.full(len(ALPHABET), 1.0 / len(ALPHABET))
        for n in range(0, self.order + 1):
            if n > len(context):
                break
            h = context[len(context) - n:]
            counts = self.counts.get(h)
            if counts is None:
                break
            total, types = self.totals[h], self.types[h]
            probs = (counts + types * probs) / (total + types)
        return probs

    def next_char_probs(self, contexts: list[str]) -> np.ndarray:
        return np.stack([self._probs(c) for c in contexts]) if contexts else np.zeros((0, len(ALPHABET)))


def train(text: str) -> NGramModel:
    return NGramModel(order=6).fit(text)
