"""Hidden grader for python-foundations/word-frequencies.

The `student` fixture is a proxy of the student's `solution` module provided by
the grader harness; values come back as plain built-ins. Pairs returned by
`top_words` may arrive as tuples or as lists (depending on the codec), so they
are normalised to tuples before comparing.
"""

from gradient_grader import StudentError, expected, points, shows_expected


def _check_counts(got, call):
    """Assert that `got` looks like the result of count_words and return it."""
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r}"
    for word, count in got.items():
        assert isinstance(word, str), f"{call}: every key should be a word (str), got {word!r}"
        assert isinstance(count, int) and not isinstance(count, bool), (
            f"{call}: every count should be an int, got {count!r} for {word!r}"
        )
    return got


def _pairs(got, call):
    """Assert that `got` is a list of (word, count) pairs and return it as a list of tuples."""
    assert isinstance(got, (list, tuple)), (
        f"{call} should return a list of (word, count) tuples, got {type(got).__name__}: {got!r}"
    )
    pairs = []
    for item in got:
        assert isinstance(item, (list, tuple)) and len(item) == 2, (
            f"{call}: every item should be a (word, count) tuple, got {item!r}"
        )
        word, count = item
        assert isinstance(word, str) and isinstance(count, int) and not isinstance(count, bool), (
            f"{call}: every item should be a (word, count) tuple with a str and an int, got {item!r}"
        )
        pairs.append((word, count))
    return pairs


@shows_expected
@points(1)
def test_simple_sentence(student):
    text = "the cat and the hat"
    call = f"count_words({text!r})"
    got = _check_counts(student.count_words(text), call)
    want = {"the": 2, "cat": 1, "and": 1, "hat": 1}
    assert got == want, f"{call} returned {got!r}, expected {want!r}"

    call = f"top_words({text!r}, 1)"
    got = _pairs(student.top_words(text, 1), call)
    want = [("the", 2)]
    assert got == want, f"{call} returned {got!r}, expected {want!r}"


@shows_expected
@points(2)
def test_ignores_case(student):
    text = "The the THE tHe cat Cat"
    call = f"count_words({text!r})"
    got = _check_counts(student.count_words(text), call)
    want = {"the": 4, "cat": 2}
    assert got == want, (
        f"{call} returned {got!r}, expected {want!r} "
        "(words are counted in lowercase: 'The' and 'the' are the same word)"
    )

    text = "Apple banana apple BANANA Cherry"
    call = f"top_words({text!r}, 2)"
    got = _pairs(student.top_words(text, 2), call)
    want = [("apple", 2), ("banana", 2)]
    assert got == want, f"{call} returned {got!r}, expected {want!r} (words are reported in lowercase)"


@points(2)
def test_punctuation_digits_and_apostrophes(student):
    text = "Hello, world! Hello again... it's 4pm; well-known (x2)."
    call = f"count_words({text!r})"
    got = _check_counts(student.count_words(text), call)
    want = {"hello": 2, "world": 1, "again": 1, "it's": 1, "pm": 1, "well": 1, "known": 1, "x": 1}
    assert got == want, (
        f"{call} returned {got!r}, expected {expected(want)} "
        "(punctuation, digits and spaces all separate words)"
    )

    text = "'Quoted' words: don't, rock'n'roll, the students' books"
    call = f"count_words({text!r})"
    got = _check_counts(student.count_words(text), call)
    want = {
        "quoted": 1, "words": 1, "don't": 1, "rock'n'roll": 1,
        "the": 1, "students": 1, "books": 1,
    }
    assert got == want, (
        f"{call} returned {got!r}, expected {expected(want)} "
        "(an apostrophe belongs to a word only between two letters)"
    )


@points(2)
def test_ties_are_alphabetical(student):
    text = "d c b a b a"
    call = f"top_words({text!r}, 3)"
    got = _pairs(student.top_words(text, 3), call)
    want = [("a", 2), ("b", 2), ("c", 1)]
    assert got == want, (
        f"{call} returned {got!r}, expected {expected(want)} "
        "(highest count first; equal counts in alphabetical order, not in order of appearance)"
    )

    text = "pear fig apple fig pear apple kiwi"
    call = f"top_words({text!r}, 4)"
    got = _pairs(student.top_words(text, 4), call)
    want = [("apple", 2), ("fig", 2), ("pear", 2), ("kiwi", 1)]
    assert got == want, (
        f"{call} returned {got!r}, expected {expected(want)} "
        "(highest count first; equal counts in alphabetical order)"
    )


@shows_expected
@points(1)
def test_n_larger_than_vocabulary(student):
    text = "one two two three three three"
    want = [("three", 3), ("two", 2), ("one", 1)]
    for n in (3, 10):
        call = f"top_words({text!r}, {n})"
        got = _pairs(student.top_words(text, n), call)
        assert got == want, (
            f"{call} returned {got!r}, expected {want!r} "
            "(when there are fewer than n different words, return all of them)"
        )


@shows_expected
@points(1)
def test_empty_text(student):
    for text in ("", "   ", " ... 42 !? "):
        call = f"count_words({text!r})"
        got = _check_counts(student.count_words(text), call)
        assert got == {}, f"{call} returned {got!r}, expected {{}} (this text has no words)"

    call = "top_words('', 5)"
    got = _pairs(student.top_words("", 5), call)
    assert got == [], f"{call} returned {got!r}, expected []"


@shows_expected
@points(1)
def test_zero_and_negative_n(student):
    call = "top_words('a b c', 0)"
    got = _pairs(student.top_words("a b c", 0), call)
    assert got == [], f"{call} returned {got!r}, expected []"

    call = "top_words('a b c', -1)"
    try:
        got = student.top_words("a b c", -1)
    except StudentError as error:
        assert error.type_name == "ValueError", (
            f"{call} raised {error.type_name}: {error.message}, expected a ValueError"
        )
    else:
        raise AssertionError(f"{call} returned {got!r}, expected it to raise ValueError (n must not be negative)")
