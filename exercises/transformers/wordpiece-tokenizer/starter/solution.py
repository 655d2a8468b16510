"""A WordPiece tokenizer, as BERT uses.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules: the
score, the tie-breaking rule and the ## prefix matter, because the grader compares vocabularies exactly.
"""

UNK = "[UNK]"


def pre_tokenize(text: str) -> list[str]:
    """Lower-case, split on whitespace, and make every punctuation character a word of its own.

    >>> pre_tokenize("Hello, World! It's 3.5 km")
    ['hello', ',', 'world', '!', 'it', "'", 's', '3', '.', '5', 'km']
    """
    raise NotImplementedError("pre_tokenize is not written yet")


def train_wordpiece(corpus: list[str], vocab_size: int) -> list[str]:
    """Learn a vocabulary: "[UNK]", the sorted initial pieces, then one new piece per merge.

    Each merge joins the neighbouring pair (a, b) with the highest freq(a b) / (freq(a) * freq(b)),
    ties going to the smallest pair; stop at vocab_size tokens or when no pair is left.

    >>> train_wordpiece(["the cat sat, the cats sat.", "a hat"], 19)[13:]
    ['##he', 'the', '##at', '##ats', 'cats', 'cat']
    """
    raise NotImplementedError("train_wordpiece is not written yet")


def encode_word(word: str, vocab: list[str]) -> list[str]:
    """Greedy longest-match-first pieces of one word; ["[UNK]"] if it cannot be split.

    >>> encode_word("chat", ["[UNK]", "c", "##h", "##a", "##t", "##at"])
    ['c', '##h', '##at']
    """
    raise NotImplementedError("encode_word is not written yet")


def tokenize(text: str, vocab: list[str]) -> list[str]:
    """pre_tokenize the text, then encode every word."""
    raise NotImplementedError("tokenize is not written yet")


def decode(tokens: list[str]) -> str:
    """Glue ## pieces to the token before them; join the words with spaces.

    >>> decode(["the", "cats", ",", "a", "h", "##at"])
    'the cats , a hat'
    """
    raise NotImplementedError("decode is not written yet")
