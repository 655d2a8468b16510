"""Hidden grader for transformers/wordpiece-tokenizer.

The worked examples are fixed (@shows_expected). The training corpora and the texts to tokenize in the other
tests are drawn per submission (submission_rng); their expected values come from the implementation below,
the statement's rules written out. Scores are compared as exact fractions, as the statement says.
"""

import string
import unicodedata
from collections import Counter
from fractions import Fraction

from gradient_grader import expected, points, shows_expected, submission_rng

SLUG = "transformers/wordpiece-tokenizer"
UNK = "[UNK]"


# ---------------------------------------------------------------- the statement's rules, written out

def _is_punctuation(ch):
    return ch in string.punctuation or unicodedata.category(ch).startswith("P")


def _pre_tokenize(text):
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


def _merge(pieces, a, b, new):
    out, i = [], 0
    while i < len(pieces):
        if i + 1 < len(pieces) and pieces[i] == a and pieces[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(pieces[i])
            i += 1
    return out


def _train(corpus, vocab_size, rule="likelihood"):
    """The statement's training (rule="likelihood"), or a known mistake, only to name it in the feedback:
    "frequency" (BPE's rule: the most frequent pair)."""
    counts = Counter(w for text in corpus for w in _pre_tokenize(text))
    splits = {w: [w[0]] + ["##" + c for c in w[1:]] for w in counts}
    vocab = [UNK] + sorted({p for pieces in splits.values() for p in pieces})
    known = set(vocab)
    while len(vocab) < vocab_size:
        piece_freq, pair_freq = Counter(), Counter()
        for word, count in counts.items():
            pieces = splits[word]
            for piece in pieces:
                piece_freq[piece] += count
            for pair in zip(pieces, pieces[1:]):
                pair_freq[pair] += count
        if not pair_freq:
            break
        if rule == "likelihood":
            scores = {p: Fraction(f, piece_freq[p[0]] * piece_freq[p[1]]) for p, f in pair_freq.items()}
        else:
            scores = dict(pair_freq)
        best = max(scores.values())
        a, b = min(p for p, s in scores.items() if s == best)
        new = a + b[2:]
        for word in splits:
            splits[word] = _merge(splits[word], a, b, new)
        if new not in known:
            known.add(new)
            vocab.append(new)
    return vocab


def _encode_word(word, vocab):
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


def _tokenize(text, vocab):
    return [p for w in _pre_tokenize(text) for p in _encode_word(w, vocab)]


def _decode(tokens):
    words = []
    for token in tokens:
        if token.startswith("##") and words:
            words[-1] += token[2:]
        else:
            words.append(token)
    return " ".join(words)


# ---------------------------------------------------------------- hidden corpora, drawn per submission

SYLLABLES = ["ka", "lo", "mi", "ren", "to", "sa", "vi", "nu", "pe", "dor", "ax", "el", "in", "ta", "ro", "es"]
PUNCT = [",", ".", "!", "?", ";", ":"]
FOREIGN = "qzjw"  # never in a training corpus: a word holding one of them cannot be split


def _lexicon(rng, size):
    words = set()
    while len(words) < size:
        parts = rng.choice(SYLLABLES, size=int(rng.integers(1, 4)))
        words.add("".join(parts))
    return sorted(words)


def _sentence(rng, lexicon, weights, low, high):
    out = []
    for _ in range(int(rng.integers(low, high + 1))):
        word = str(rng.choice(lexicon, p=weights))
        style = rng.random()
        word = word.upper() if style < 0.1 else word.capitalize() if style < 0.3 else word
        if rng.random() < 0.2:
            word += PUNCT[int(rng.integers(len(PUNCT)))]
        out.append(word)
    return (" " if rng.random() < 0.7 else "  ").join(out)


def _corpus(rng):
    """A corpus on which the likelihood rule and BPE's frequency rule learn different vocabularies."""
    while True:
        lexicon = _lexicon(rng, int(rng.integers(18, 26)))
        ranks = rng.permutation(len(lexicon)) + 1
        weights = 1.0 / ranks
        weights = weights / weights.sum()
        corpus = [_sentence(rng, lexicon, weights, 3, 9) for _ in range(int(rng.integers(20, 30)))]
        alphabet = len(_train(corpus, 0))
        size = alphabet + int(rng.integers(25, 40))
        if _train(corpus, size) != _train(corpus, size, rule="frequency"):
            return corpus, lexicon, size


def _vocab_list(got, call):
    assert isinstance(got, (list, tuple)) and all(isinstance(t, str) for t in got), (
        f"{call} should return a list of str, got {got!r:.300}"
    )
    return list(got)


def _compare_vocab(got, want, call, corpus=None):
    if got == want:
        return
    first = next((k for k, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
    hint = ""
    if corpus is not None and got == _train(corpus, len(want), rule="frequency"):
        hint = (" Hint: your vocabulary is the one BPE's rule learns (merge the MOST FREQUENT pair); WordPiece "
                "merges the pair with the highest score freq(pair) / (freq(a) * freq(b)).")
    raise AssertionError(
        f"{call} returned {len(got)} tokens, expected {expected(len(want))}; the first difference is at index "
        f"{first}: got {got[first] if first < len(got) else 'nothing'!r}, expected "
        f"{expected(want[first] if first < len(want) else 'nothing')}. Tokens before it: {got[max(0, first - 4):first]}."
        f"{hint}"
    )


# ---------------------------------------------------------------- tests

@shows_expected
@points(1)
def test_pre_tokenize(student):
    cases = [
        ("Hello, World!", ["hello", ",", "world", "!"]),
        ("It's 3.5 km", ["it", "'", "s", "3", ".", "5", "km"]),
        ("  tabs\tand\nnew   lines ", ["tabs", "and", "new", "lines"]),
        ("ÉCOLE—café...", ["école", "—", "café", ".", ".", "."]),
        ("(a+b)=c", ["(", "a", "+", "b", ")", "=", "c"]),
        ("", []),
    ]
    for text, want in cases:
        got = student.pre_tokenize(text)
        assert isinstance(got, list) and got == want, (
            f"pre_tokenize({text!r}) returned {got!r}, expected {want!r} (lower-case, split on whitespace, and "
            "make every punctuation character a word of its own)"
        )


@shows_expected
@points(1.5)
def test_training_worked_examples(student):
    cases = [
        (["the cat sat, the cats sat.", "a hat"], 19),
        (["the cat sat, the cats sat.", "a hat"], 15),
        (["Hugs for the pug!", "the pug hugs buns", "buns and puns, puns and hugs"], 40),
    ]
    for corpus, size in cases:
        call = f"train_wordpiece({corpus!r}, {size})"
        got = _vocab_list(student.train_wordpiece(corpus, size), call)
        _compare_vocab(got, _train(corpus, size), call, corpus)


@shows_expected
@points(1)
def test_ties_and_stopping(student):
    cases = [
        (["cd cd ab ab"], 6, "('c', '##d') and ('a', '##b') score the same: the smaller pair ('a', '##b') wins, "
                             "as min() orders tuples of str, not the pair seen first"),
        (["yx xy"], 6, "every pair scores 1: the smallest pair ('x', '##y') is merged first"),
        (["to be or not to be"], 100, "stop when every word is a single token, before reaching vocab_size"),
        (["hello world"], 3, "the initial vocabulary is kept whole even when it is larger than vocab_size"),
        ([], 10, "an empty corpus gives just ['[UNK]']"),
    ]
    for corpus, size, hint in cases:
        call = f"train_wordpiece({corpus!r}, {size})"
        got = _vocab_list(student.train_wordpiece(corpus, size), call)
        want = _train(corpus, size)
        assert got == want, f"{call} returned {got!r}, expected {want!r} ({hint})"


@points(2)
def test_training_on_hidden_corpus(student):
    rng = submission_rng(f"{SLUG}:train")
    corpus, _, size = _corpus(rng)
    call = (f"train_wordpiece(<a hidden corpus of {len(corpus)} texts, e.g. {corpus[0]!r}>, {size})")
    got = _vocab_list(student.train_wordpiece(corpus, size), call)
    _compare_vocab(got, _train(corpus, size), call, corpus)


@shows_expected
@points(1.5)
def test_longest_match_first(student):
    vocab = ["[UNK]", "a", "ab", "abc", "b", "c", "##a", "##b", "##c", "##bc", "##ca", "##cab"]
    cases = [
        ("abc", ["abc"], "the longest piece that starts the word"),
        ("abca", ["abc", "##a"], "continuation pieces carry the ## prefix"),
        ("abcab", ["abc", "##a", "##b"], "greedy: 'abc' first, then the longest continuation"),
        ("cab", ["c", "##a", "##b"], "only the first piece is looked up without ##"),
        ("bcab", ["b", "##cab"], "after 'b', the longest continuation is '##cab'"),
    ]
    for word, want, hint in cases:
        got = student.encode_word(word, vocab)
        assert list(got) == want, (
            f"encode_word({word!r}, {vocab!r}) returned {got!r}, expected {want!r} ({hint})"
        )
    greedy = ["[UNK]", "a", "ab", "##bc"]
    got = student.encode_word("abc", greedy)
    assert list(got) == ["[UNK]"], (
        f"encode_word('abc', {greedy!r}) returned {got!r}, expected ['[UNK]']: greedy matching takes 'ab' first and "
        "then finds no '##c'; WordPiece does not go back to try 'a' + '##bc'"
    )


@shows_expected
@points(1)
def test_unknown_word_is_one_unk(student):
    vocab = ["[UNK]", "c", "h", "##a", "##t", "##s", "##at", "cat", "cats"]
    cases = [
        ("catz", ["[UNK]"], "'cat' matches but nothing matches 'z': the WHOLE word becomes one [UNK]"),
        ("zcat", ["[UNK]"], "no piece starts the word"),
        ("hats", ["h", "##at", "##s"], "a word that can be split is split"),
        ("chats", ["[UNK]"], "after 'c' no continuation starts with 'h'"),
    ]
    for word, want, hint in cases:
        got = student.encode_word(word, vocab)
        assert list(got) == want, f"encode_word({word!r}, {vocab!r}) returned {got!r}, expected {want!r} ({hint})"
    text = "Cats, chats? Hats!"
    want = ["cats", "[UNK]", "[UNK]", "[UNK]", "h", "##at", "##s", "[UNK]"]
    got = student.tokenize(text, vocab)
    assert list(got) == want, (
        f"tokenize({text!r}, {vocab!r}) returned {got!r}, expected {want!r} (pre-tokenize, then encode each word; "
        "',', '?' and '!' are not in this vocabulary)"
    )


@points(1.5)
def test_tokenize_and_decode_hidden_text(student):
    rng = submission_rng(f"{SLUG}:tokenize")
    corpus, lexicon, size = _corpus(rng)
    vocab = _train(corpus, size)
    new_words = ["".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 5)))) for _ in range(6)]
    foreign = [str(rng.choice(lexicon)) + FOREIGN[int(rng.integers(len(FOREIGN)))] for _ in range(2)]
    words = list(rng.choice(lexicon, size=8)) + new_words + foreign
    words = [str(words[i]) for i in rng.permutation(len(words))]
    text = " ".join(w.capitalize() + (", " if i % 5 == 4 else "") for i, w in enumerate(words)).strip()
    call = f"tokenize({text!r}, <a vocabulary of {len(vocab)} tokens learned from a hidden corpus>)"
    got = student.tokenize(text, vocab)
    want = _tokenize(text, vocab)
    assert isinstance(got, list) and got == want, (
        f"{call} returned {got!r}, expected {expected(want)} (greedy longest match first, and a word that cannot "
        "be split is one [UNK])"
    )
    for word in new_words[:3] + foreign[:1]:
        call = f"encode_word({word!r}, <the same vocabulary>)"
        got = student.encode_word(word, vocab)
        want = _encode_word(word, vocab)
        assert list(got) == want, f"{call} returned {got!r}, expected {expected(want)}"
    pieces = _tokenize(" ".join(new_words), vocab)
    call = f"decode({pieces!r})"
    got = student.decode(pieces)
    want = _decode(pieces)
    assert got == want, (
        f"{call} returned {got!r}, expected {expected(want)}: glue each ## piece to the token before it "
        "(without the ##), and join the words with single spaces"
    )


@shows_expected
@points(0.5)
def test_decode_examples(student):
    cases = [
        (["the", "cats", ",", "a", "h", "##at", "[UNK]"], "the cats , a hat [UNK]"),
        (["t", "##h", "##at", "[UNK]", "."], "that [UNK] ."),
        (["un", "##believ", "##able"], "unbelievable"),
        ([], ""),
    ]
    for tokens, want in cases:
        got = student.decode(tokens)
        assert got == want, f"decode({tokens!r}) returned {got!r}, expected {want!r}"
