import numpy as np

ALPHABET = "\n !',.?abcdefghijklmnopqrstuvwxyz"


class Unigram:
    def __init__(self, probs):
        self.probs = probs

    def next_char_probs(self, contexts):
        return np.tile(self.probs, (len(contexts), 1))  # ignores the context entirely


def train(text):
    counts = np.array([text.count(ch) for ch in ALPHABET], dtype=float) + 1.0
    return Unigram(counts / counts.sum())
