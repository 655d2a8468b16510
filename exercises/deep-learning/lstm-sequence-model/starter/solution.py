"""An LSTM cell by hand, unrolled over padded batches, and a sequence classifier.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import math  # noqa: F401  (for the initialisation bound)

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence  # noqa: F401  (if you use nn.LSTM in the classifier)


class LSTMCell(nn.Module):
    """nn.LSTMCell's parameters (weight_ih, weight_hh, bias_ih, bias_hh; gates i, f, g, o) and one step."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        raise NotImplementedError("LSTMCell.__init__ is not written yet")

    def forward(self, x, state=None):
        """x: (batch, input_size); state: (h, c) or None for zeros. Returns the new (h, c)."""
        raise NotImplementedError("LSTMCell.forward is not written yet")


def run_lstm(cell, x, lengths=None, state=None):
    """Unroll `cell` over x (batch, steps, input_size). Returns (outputs, (h_n, c_n)): outputs are zero at
    padded positions, and (h_n, c_n) is each row's state after its last real step."""
    raise NotImplementedError("run_lstm is not written yet")


class SequenceClassifier(nn.Module):
    """Embedding -> LSTM -> Linear on the hidden state at each sequence's last real step."""

    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        raise NotImplementedError("SequenceClassifier.__init__ is not written yet")

    def forward(self, tokens, lengths):
        """tokens: int64 (batch, steps); lengths: each row's real length. Returns (batch, num_classes) logits."""
        raise NotImplementedError("SequenceClassifier.forward is not written yet")


def train_classifier(tokens, lengths, labels, epochs=6, seed=0):
    """Seed, build SequenceClassifier(tokens.max() + 1, 8, 32, k), train with Adam and cross-entropy on
    mini-batches of 32; return the model in evaluation mode."""
    raise NotImplementedError("train_classifier is not written yet")
