"""Hidden grader for rag/text-chunking."""

import re

from gradient_grader import StudentError, points, shows_expected

# ---------------------------------------------------------------- an independent oracle for larger inputs


def _spans_words(text):
    return [m.span() for m in re.finditer(r"\S+", text)]


def _spans_chars(text):
    return [(i, i + 1) for i in range(len(text))]


def _windows(text, spans, size, overlap, doc_id="doc"):
    out, first, step = [], 0, size - overlap
    while first < len(spans):
        last = min(first + size, len(spans)) - 1
        s, e = spans[first][0], spans[last][1]
        out.append({"id": f"{doc_id}#{len(out)}", "start": s, "end": e, "text": text[s:e]})
        if last == len(spans) - 1:
            break
        first += step
    return out


# ---------------------------------------------------------------- helpers


def _chunks(got, call):
    assert isinstance(got, list), f"{call} should return a list of chunk dicts, got {type(got).__name__}: {got!r:.300}"
    for chunk in got:
        assert isinstance(chunk, dict), f"{call}: every chunk should be a dict, got {chunk!r:.200}"
        missing = {"id", "start", "end", "text"} - set(chunk)
        assert not missing, f"{call}: a chunk is missing the key(s) {sorted(missing)}: {chunk!r:.200}"
    return [{k: c[k] for k in ("id", "start", "end", "text")} for c in got]


def _compare(got, want, call, hint=""):
    got = _chunks(got, call)
    if got == want:
        return
    if len(got) != len(want):
        raise AssertionError(
            f"{call} returned {len(got)} chunks, expected {len(want)}. {hint}\n"
            f"got (start, end): {[(c['start'], c['end']) for c in got]}\n"
            f"expected: {[(c['start'], c['end']) for c in want]}"
        )
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            raise AssertionError(f"{call}: chunk {i} is {g!r:.300}, expected {w!r:.300}. {hint}")


def _expect_value_error(call_text, fn, *args, **kwargs):
    try:
        got = fn(*args, **kwargs)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call_text} raised {error.type_name}: {error.message}, expected ValueError"
    else:
        raise AssertionError(f"{call_text} returned {got!r:.200}, expected it to raise ValueError")


# ---------------------------------------------------------------- tests


@shows_expected
@points(2)
def test_chars_basic_offsets(student):
    text = "The quick brown fox jumps."
    call = f"chunk_by_chars({text!r}, size=10, overlap=3)"
    want = _windows(text, _spans_chars(text), 10, 3)
    _compare(student.chunk_by_chars(text, 10, 3), want, call,
             "Windows start every size - overlap characters; text must equal text[start:end].")
    text = "abcdefghijkl"
    call = f"chunk_by_chars({text!r}, size=4)"
    want = _windows(text, _spans_chars(text), 4, 0)
    _compare(student.chunk_by_chars(text, 4), want, call, "With overlap 0 the chunks simply tile the text.")


@shows_expected
@points(2)
def test_chars_stopping_rule(student):
    text = "abcdefghij"
    call = f"chunk_by_chars({text!r}, size=4, overlap=1)"
    want = _windows(text, _spans_chars(text), 4, 1)
    _compare(student.chunk_by_chars(text, 4, 1), want, call,
             "Stop right after the first chunk that reaches the end of the text: no extra chunk like 'j' "
             "whose characters are all in the previous chunk.")
    text = "abcdefgh"
    call = f"chunk_by_chars({text!r}, size=4, overlap=2)"
    want = _windows(text, _spans_chars(text), 4, 2)
    _compare(student.chunk_by_chars(text, 4, 2), want, call, "The window [4, 8) already reaches the end.")
    text = "short"
    call = f"chunk_by_chars({text!r}, size=50, overlap=10)"
    want = [{"id": "doc#0", "start": 0, "end": 5, "text": "short"}]
    _compare(student.chunk_by_chars(text, 50, 10), want, call, "A text shorter than size is one chunk.")


@shows_expected
@points(1)
def test_parameter_errors(student):
    _expect_value_error("chunk_by_chars('abcdef', size=3, overlap=3)", student.chunk_by_chars, "abcdef", 3, 3)
    _expect_value_error("chunk_by_chars('abcdef', size=3, overlap=5)", student.chunk_by_chars, "abcdef", 3, 5)
    _expect_value_error("chunk_by_chars('abcdef', size=0)", student.chunk_by_chars, "abcdef", 0)
    _expect_value_error("chunk_by_chars('abcdef', size=3, overlap=-1)", student.chunk_by_chars, "abcdef", 3, -1)
    _expect_value_error("chunk_by_words('a b c', size=2, overlap=2)", student.chunk_by_words, "a b c", 2, 2)
    _expect_value_error("chunk_by_sentences('A. B.', size=1, overlap=1)", student.chunk_by_sentences, "A. B.", 1, 1)


@shows_expected
@points(2)
def test_words_keep_original_spacing(student):
    text = "one two  three\nfour five"
    call = f"chunk_by_words({text!r}, size=3, overlap=1)"
    want = _windows(text, _spans_words(text), 3, 1)
    _compare(student.chunk_by_words(text, 3, 1), want, call,
             "A word chunk is the original slice text[start:end], with its spaces and line breaks kept.")
    text = "  Retrieval\taugmented   generation needs good chunks, not  huge ones.\n"
    call = f"chunk_by_words({text!r}, size=4, overlap=2)"
    want = _windows(text, _spans_words(text), 4, 2)
    _compare(student.chunk_by_words(text, 4, 2), want, call,
             "Chunks start at the first character of their first word and end after their last word.")


@shows_expected
@points(2)
def test_sentence_spans(student):
    cases = [
        ("Hello there. How are you?  Fine", [(0, 12), (13, 25), (27, 31)]),
        ("  Pi is 3.14 roughly... Wait!! e.g.x is odd?", [(2, 23), (24, 30), (31, 44)]),
        ("One.\n\nTwo!\tThree?", [(0, 4), (6, 10), (11, 17)]),
        ("No final punctuation here   ", [(0, 25)]),
        ("", []),
        ("   \n ", []),
    ]
    for text, want in cases:
        call = f"sentence_spans({text!r})"
        got = student.sentence_spans(text)
        assert isinstance(got, list), f"{call} should return a list of (start, end) pairs, got {got!r}"
        got = [tuple(pair) if isinstance(pair, (list, tuple)) else pair for pair in got]
        assert got == want, (
            f"{call} returned {got!r}, expected {want!r} (a sentence ends at . ! or ? runs followed by "
            "whitespace or the end; surrounding whitespace belongs to no sentence)"
        )


@shows_expected
@points(2)
def test_sentence_chunks_with_overlap(student):
    text = "A b. C d! E f? G"
    call = f"chunk_by_sentences({text!r}, size=2, overlap=1)"
    want = [
        {"id": "doc#0", "start": 0, "end": 9, "text": "A b. C d!"},
        {"id": "doc#1", "start": 5, "end": 14, "text": "C d! E f?"},
        {"id": "doc#2", "start": 10, "end": 16, "text": "E f? G"},
    ]
    _compare(student.chunk_by_sentences(text, 2, 1), want, call)
    text = "First point.  Second point!\nThird one? Fourth.  Fifth and last."
    spans = [(0, 12), (14, 27), (28, 38), (39, 46), (48, 63)]
    call = f"chunk_by_sentences({text!r}, size=3, overlap=1)"
    want = _windows(text, spans, 3, 1)
    _compare(student.chunk_by_sentences(text, 3, 1), want, call,
             "Windows of 3 sentences moving by 2; stop after the window that holds the last sentence.")


@shows_expected
@points(1)
def test_ids_and_empty_text(student):
    text = "alpha beta gamma delta epsilon"
    call = f"chunk_by_words({text!r}, size=2, overlap=0, doc_id='report-7')"
    want = _windows(text, _spans_words(text), 2, 0, "report-7")
    _compare(student.chunk_by_words(text, 2, 0, doc_id="report-7"), want, call,
             "Ids are f'{doc_id}#{i}' with i counting from 0.")
    for name, fn in (("chunk_by_chars", student.chunk_by_chars), ("chunk_by_words", student.chunk_by_words),
                     ("chunk_by_sentences", student.chunk_by_sentences)):
        for text in ("", "   ") if name != "chunk_by_chars" else ("",):
            call = f"{name}({text!r}, size=3, overlap=1)"
            got = _chunks(fn(text, 3, 1), call)
            assert got == [], f"{call} returned {got!r}, expected [] (no units, no chunks)"
