"""Reference solution for deep-learning/lstm-sequence-model."""

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class LSTMCell(nn.Module):
    """One LSTM step, with nn.LSTMCell's parameters: the gates i, f, g, o stacked in this order."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1 / math.sqrt(hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, x, state=None):
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)
            state = (zeros, zeros)
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


def run_lstm(cell, x, lengths=None, state=None):
    batch, steps, _ = x.shape
    lengths = torch.full((batch,), steps) if lengths is None else torch.as_tensor(lengths)
    if state is None:
        zeros = x.new_zeros(batch, cell.hidden_size)
        state = (zeros, zeros)
    h, c = state
    outputs = []
    for t in range(steps):
        new_h, new_c = cell(x[:, t], (h, c))
        real = (t < lengths).unsqueeze(1)  # rows whose sequence is still running at step t
        h = torch.where(real, new_h, h)  # finished rows keep the state of their last real step
        c = torch.where(real, new_c, c)
        outputs.append(torch.where(real, new_h, torch.zeros_like(new_h)))
    return torch.stack(outputs, dim=1), (h, c)


class SequenceClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens, lengths):
        lengths = torch.as_tensor(lengths).cpu()
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)  # h_n: the state at each sequence's last real step
        return self.head(h_n[-1])


def train_classifier(tokens, lengths, labels, epochs=6, seed=0):
    torch.manual_seed(seed)
    vocab_size, num_classes = int(tokens.max()) + 1, int(labels.max()) + 1
    model = SequenceClassifier(vocab_size, 8, 32, num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    lengths = torch.as_tensor(lengths)
    n = len(tokens)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n)
        for start in range(0, n, 32):
            rows = order[start : start + 32]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(tokens[rows], lengths[rows]), labels[rows])
            loss.backward()
            optimizer.step()
    model.eval()
    return model
