"""Hidden grader for transformers/bpe-tokenizer. Expected values come from the implementation below."""

import random
from collections import Counter

from gradient_grader import StudentError, expected, points, shows_expected


def _merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def _train(text, vocab_size):
    ids, merges = list(text.encode("utf-8")), []
    for new_id in range(256, vocab_size):
        counts = Counter(zip(ids, ids[1:]))
        if not counts or max(counts.values()) < 2:
            break
        best = max(counts.values())
        pair = min(p for p, c in counts.items() if c == best)
        ids = _merge(ids, pair, new_id)
        merges.append(pair)
    return merges


def _encode(text, merges):
    ids = list(text.encode("utf-8"))
    for k, pair in enumerate(merges):
        ids = _merge(ids, pair, 256 + k)
    return ids


def _vocab(merges):
    table = {i: bytes([i]) for i in range(256)}
    for k, (a, b) in enumerate(merges):
        table[256 + k] = table[a] + table[b]
    return table


def _merges(got, call):
    assert isinstance(got, (list, tuple)), f"{call} should return a list of (int, int) pairs, got {type(got).__name__}"
    pairs = []
    for item in got:
        assert isinstance(item, (list, tuple)) and len(item) == 2 and all(
            isinstance(x, int) and not isinstance(x, bool) for x in item
        ), f"{call}: every merge should be a pair of ints, got {item!r}"
        pairs.append(tuple(item))
    return pairs


def _compare_merges(got, want, call, hint=""):
    if got == want:
        return
    first = next((k for k, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
    more = " ..." if len(want) > first + 3 else ""
    want_first = want[first] if first < len(want) else "nothing"
    raise AssertionError(
        f"{call} returned {len(got)} merges, expected {expected(len(want))}; the first difference is merge #{first}: "
        f"got {got[first] if first < len(got) else 'nothing'}, "
        f"expected {expected(want_first)}"
        f"{hint}. Expected merges: {expected(want[:first + 3])}{more}"
    )


def _story(seed, n_words):
    r = random.Random(seed)
    words = ["the", "tokenizer", "token", "tokens", "merges", "pairs", "byte", "bytes", "café", "naïve",
             "new", "newer", "newest", "low", "lower", "lowest", "and", "of", "a", "model", "models", "über",
             "日本", "語", "🙂"]
    out = []
    for _ in range(n_words):
        out.append(r.choice(words))
        out.append(r.choice([" ", " ", " ", " ", ", ", ".\n"]))
    return "".join(out)


@shows_expected
@points(2)
def test_small_text(student):
    for text, size in (("abababcab", 260), ("the cat sat on the mat", 262), ("banana bandana", 265)):
        call = f"train_bpe({text!r}, {size})"
        got = _merges(student.train_bpe(text, size), call)
        _compare_merges(got, _train(text, size), call)


@shows_expected
@points(2)
def test_ties_go_to_the_smallest_pair(student):
    for text, size in (("xyxyabab", 258), ("zzqq mm zzqq mm", 259), ("dcdcbaba", 260)):
        call = f"train_bpe({text!r}, {size})"
        got = _merges(student.train_bpe(text, size), call)
        _compare_merges(got, _train(text, size), call,
                        " (when several pairs share the highest count, merge the smallest pair, "
                        "as min() orders tuples, not the one seen first)")


@shows_expected
@points(1)
def test_stops_early_and_checks_vocab_size(student):
    for text, size in (("abcdef", 300), ("abcabc", 300), ("", 260), ("x", 257), ("hello", 256)):
        call = f"train_bpe({text!r}, {size})"
        got = _merges(student.train_bpe(text, size), call)
        _compare_merges(got, _train(text, size), call, " (stop as soon as no pair occurs at least twice)")
    call = "train_bpe('abc', 100)"
    try:
        student.train_bpe("abc", 100)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"{call} should raise ValueError (vocab_size must be at least 256)")


@shows_expected
@points(1)
def test_runs_of_one_byte(student):
    for text, size in (("aaaaa", 260), ("aaaaaaaa", 260), ("aaab aaab", 262)):
        call = f"train_bpe({text!r}, {size})"
        got = _merges(student.train_bpe(text, size), call)
        _compare_merges(got, _train(text, size), call,
                        " (overlapping pairs all count, and replacement goes left to right, skipping the merged pair)")
        call = f"encode({text!r}, {got})"
        enc = student.encode(text, got)
        assert enc == _encode(text, got), f"{call} returned {enc!r}, expected {_encode(text, got)!r}"


@points(2)
def test_longer_text_with_unicode(student):
    text = _story(7, 400)
    size = 256 + 60
    call = f"train_bpe(<a hidden text of {len(text)} characters, {len(text.encode())} bytes, with non-ASCII>, {size})"
    got = _merges(student.train_bpe(text, size), call)
    _compare_merges(got, _train(text, size), call)


@points(2)
def test_encode_vocab_and_round_trip(student):
    train_text = _story(11, 300)
    merges = _train(train_text, 256 + 40)
    for text in ("the newest tokenizer", "café, naïve über 日本語 🙂!", "", "a\n\nb  c", "zzzz qqq"):
        call = f"encode({text!r}, <40 merges learned from a hidden text>)"
        got = student.encode(text, merges)
        want = _encode(text, merges)
        assert isinstance(got, list) and got == want, f"{call} returned {got!r}, expected {expected(want)}"
        call = f"decode(<the ids that encode({text!r}) gives>, <the same merges>)"
        back = student.decode(want, merges)
        assert back == text, f"{call} returned {back!r}, expected {text!r}"
    table = student.vocab(merges)
    want = _vocab(merges)
    assert isinstance(table, dict) and set(table) == set(want), (
        f"vocab(<40 merges>) should have the keys 0..{255 + len(merges)}, got {len(table)} keys"
    )
    wrong = [k for k in want if table[k] != want[k]]
    assert not wrong, (
        f"vocab(<40 merges>)[{wrong[0]}] is {table[wrong[0]]!r}, expected {expected(want[wrong[0]])}"
    )
    bad = b"\xe6\x97"  # half of a three-byte character
    call = f"decode({list(bad)}, [])"
    got = student.decode(list(bad), [])
    assert got == bad.decode("utf-8", errors="replace"), (
        f"{call} returned {got!r}, expected {bad.decode('utf-8', errors='replace')!r} (decode with errors='replace')"
    )
