"""A wrong solution for transformers/wordpiece-tokenizer (ties-first-seen)."""

import string
import unicodedata
from collections import Counter
from fractions import Fraction

UNK = "[UNK]"


def _is_punctuation(ch: str) -> bool:
    return ch in string.punctuation or unicodedata.category(ch).startswith("P")


def pre_tokenize(text: str) -> list[str]:
    words = []
    for chunk in text.lower().split():
        current = ""
        for ch in chunk:
            if _is_punctuation(ch):
                if current:
                    words.append(current)
                    current = ""
                words.append(ch)
            else:
                current += ch
        if current:
            words.append(current)
    return words


def _split(word: str) -> list[str]:
    return [word[0]] + ["##" + ch for ch in word[1:]]


def _merge(pieces: list[str], a: str, b: str, new: str) -> list[str]:
    out, i = [], 0
    while i < len(pieces):
        if i + 1 < len(pieces) and pieces[i] == a and pieces[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(pieces[i])
            i += 1
    return out


def train_wordpiece(corpus: list[str], vocab_size: int) -> list[str]:
    word_counts = Counter(word for text in corpus for word in pre_tokenize(text))
    splits = {word: _split(word) for word in word_counts}
    vocab = [UNK] + sorted({piece for pieces in splits.values() for piece in pieces})
    known = set(vocab)
    while len(vocab) < vocab_size:
        piece_freq: Counter = Counter()
        pair_freq: Counter = Counter()
        for word, count in word_counts.items():
            pieces = splits[word]
            for piece in pieces:
                piece_freq[piece] += count
            for pair in zip(pieces, pieces[1:]):
                pair_freq[pair] += count
        if not pair_freq:
            break
        scores = {pair: Fraction(f, piece_freq[pair[0]] * piece_freq[pair[1]]) for pair, f in pair_freq.items()}
        a, b = max(scores, key=scores.get)  # the first pair seen with the best score
        new = a + b[2:]
        for word in splits:
            splits[word] = _merge(splits[word], a, b, new)
        if new not in known:
            known.add(new)
            vocab.append(new)
    return vocab


def encode_word(word: str, vocab: list[str]) -> list[str]:
    known = set(vocab)
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in known:
                break
            end -= 1
        if end == start:
            return [UNK]
        pieces.append(piece)
        start = end
    return pieces


def tokenize(text: str, vocab: list[str]) -> list[str]:
    return [piece for word in pre_tokenize(text) for piece in encode_word(word, vocab)]


def decode(tokens: list[str]) -> str:
    words: list[str] = []
    for token in tokens:
        if token.startswith("##") and words:
            words[-1] += token[2:]
        else:
            words.append(token)
    return " ".join(words)
