"""The pretrained model of projects/finetune-and-serve, and the made-up languages it was trained on.

Do not change this file: your solution imports it, and it is replaced by the original when graded.

CharClassifier reads a word letter by letter: each letter is embedded (`embed`), the embeddings are averaged
over the word, a small MLP (`body`) turns the average into 64 features, and a linear layer (`head`) turns the
features into one score per class. `pretrained.pt` holds its weights after pretraining on 40 made-up
languages (`pretrain()` below shows how); your task uses four *other* languages, NEW_LANGUAGES.

A language here is a probability for each letter: a word of it is 4 to 10 letters drawn independently from
that distribution. Telling languages apart means telling letter frequencies apart.
"""

import numpy as np
import torch
from torch import nn

ALPHABET = "abcdefghijklmnopqrstuvwxyz"
MAX_LEN = 12  # letters read per word (longer words are cut)
EMBED_DIM = 32
HIDDEN = 64  # features the body outputs: the input size of a head
PRETRAIN_CLASSES = 40  # the head in pretrained.pt has 40 outputs, one per pretraining language
NEW_LANGUAGES = ["brindish", "qorvic", "talemi", "uskar"]  # your task: class k is NEW_LANGUAGES[k]
NEW_LANGUAGE_SEEDS = [100, 101, 102, 103]
MIN_WORD, MAX_WORD = 4, 10


class CharClassifier(nn.Module):
    """Embedding -> mean over the letters -> body (Linear, ReLU, Linear, ReLU, Dropout) -> head (Linear)."""

    def __init__(self, n_classes, embed_dim=EMBED_DIM, hidden=HIDDEN, dropout=0.2):
        super().__init__()
        self.embed = nn.Embedding(len(ALPHABET) + 1, embed_dim, padding_idx=0)  # 0 pads short words
        self.body = nn.Sequential(
            nn.Linear(embed_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout)
        )
        self.head = nn.Linear(hidden, n_classes)

    def features(self, x):
        """x: a LongTensor (n, MAX_LEN) from encode(); returns the body's features, (n, HIDDEN)."""
        mask = (x != 0).unsqueeze(-1).float()
        mean = (self.embed(x) * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        return self.body(mean)

    def forward(self, x):
        return self.head(self.features(x))  # logits, (n, n_classes)


def encode(words, max_len=MAX_LEN):
    """A LongTensor (len(words), max_len): letter a is 1, ..., z is 26, padding 0; case is ignored and
    anything that is not a letter a-z is skipped."""
    out = torch.zeros(len(words), max_len, dtype=torch.long)
    for i, word in enumerate(words):
        codes = [ALPHABET.index(c) + 1 for c in word.lower() if c in ALPHABET][:max_len]
        out[i, : len(codes)] = torch.tensor(codes, dtype=torch.long)
    return out


def letter_profile(seed, alpha=0.5):
    """The letter probabilities of the made-up language with this seed (26 numbers that sum to 1)."""
    return np.random.default_rng(seed).dirichlet(np.full(len(ALPHABET), alpha))


def sample_words(profile, n, rng, lo=MIN_WORD, hi=MAX_WORD):
    """n words of a language: lengths uniform in [lo, hi], letters drawn from its profile."""
    letters = np.array(list(ALPHABET))
    return ["".join(rng.choice(letters, size=k, p=profile)) for k in rng.integers(lo, hi + 1, n)]


def make_dataset(n_per_language, seed=0):
    """(words, labels) for the new task: n_per_language words of each of NEW_LANGUAGES, shuffled;
    labels are class indices (0 to 3) into NEW_LANGUAGES."""
    rng = np.random.default_rng(seed)
    words, labels = [], []
    for k, language_seed in enumerate(NEW_LANGUAGE_SEEDS):
        words += sample_words(letter_profile(language_seed), n_per_language, rng)
        labels += [k] * n_per_language
    order = rng.permutation(len(words))
    return [words[i] for i in order], [labels[i] for i in order]


def pretrain(path="pretrained.pt", n_per_language=400, epochs=12):
    """How pretrained.pt was made (about a minute on one CPU): 40 languages (seeds 0-39, words of 3 to 9
    letters), Adam, cross-entropy. You never need to run it."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    words, labels = [], []
    for k in range(PRETRAIN_CLASSES):
        words += sample_words(letter_profile(k), n_per_language, rng, 3, 9)
        labels += [k] * n_per_language
    x, y = encode(words), torch.tensor(labels)
    model = CharClassifier(PRETRAIN_CLASSES)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(y))
        for start in range(0, len(y), 64):
            batch = order[start : start + 64]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
    torch.save(model.state_dict(), path)
    return model


def load_pretrained(path="pretrained.pt"):
    """The pretrained model (40 outputs), in eval mode."""
    model = CharClassifier(PRETRAIN_CLASSES)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()
