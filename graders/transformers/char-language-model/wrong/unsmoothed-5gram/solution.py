from collections import defaultdict

import numpy as np

ALPHABET = "\n !',.?abcdefghijklmnopqrstuvwxyz"
INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


class FiveGram:
    def __init__(self, counts):
        self.counts = counts

    def next_char_probs(self, contexts):
        rows = []
        for context in contexts:
            counts = self.counts.get(context[-5:])
            if counts is None:
                rows.append(np.full(len(ALPHABET), 1.0 / len(ALPHABET)))
            else:
                rows.append(counts / counts.sum())  # maximum likelihood: unseen characters get probability 0
        return np.array(rows)


def train(text):
    counts = defaultdict(lambda: np.zeros(len(ALPHABET)))
    for i in range(5, len(text)):
        counts[text[i - 5:i]][INDEX[text[i]]] += 1
    return FiveGram(dict(counts))
