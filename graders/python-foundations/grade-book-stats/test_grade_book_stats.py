"""Hidden grader for python-foundations/grade-book-stats."""

import math

from gradient_grader import StudentError, expected, points, shows_expected

LETTERS = ("A", "B", "C", "D", "F")


def rec(student, course, score):
    return {"student": student, "course": course, "score": score}


def _expected_averages(records):
    sums, counts = {}, {}
    for r in records:
        if r["score"] is None:
            continue
        sums[r["student"]] = sums.get(r["student"], 0) + r["score"]
        counts[r["student"]] = counts.get(r["student"], 0) + 1
    return {name: sums[name] / counts[name] for name in sums}


def _check_averages(got, want, call):
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r}"
    assert set(got) == set(want), (
        f"{call} returned averages for {sorted(got)!r}, expected exactly {expected(sorted(want))}"
    )
    for name, value in want.items():
        value_got = got[name]
        assert isinstance(value_got, (int, float)) and not isinstance(value_got, bool), (
            f"{call}: the average of {name!r} should be a number, got {value_got!r}"
        )
        assert math.isclose(value_got, value, rel_tol=1e-9, abs_tol=1e-9), (
            f"{call}: the average of {name!r} is {value_got!r}, expected {expected(value)}"
        )


def _pairs(got, call):
    assert isinstance(got, (list, tuple)), (
        f"{call} should return a list of (name, average) tuples, got {type(got).__name__}: {got!r}"
    )
    pairs = []
    for item in got:
        assert isinstance(item, (list, tuple)) and len(item) == 2, (
            f"{call}: every item should be a (name, average) tuple, got {item!r}"
        )
        pairs.append((item[0], item[1]))
    return pairs


def _check_ranking(got, want, call, why=""):
    pairs = _pairs(got, call)
    names_got = [name for name, _ in pairs]
    names_want = [name for name, _ in want]
    assert names_got == names_want, (
        f"{call} returned {pairs!r}, expected {expected(want)}{why}"
    )
    for (name, value_got), (_, value) in zip(pairs, want):
        assert isinstance(value_got, (int, float)) and math.isclose(value_got, value, rel_tol=1e-9), (
            f"{call}: the average next to {name!r} is {value_got!r}, expected {expected(value)}"
        )


def _expect_value_error(func, call):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == "ValueError", (
            f"{call} raised {error.type_name}: {error.message}, expected a ValueError"
        )
    else:
        raise AssertionError(f"{call} returned {got!r}, expected it to raise ValueError")


BOOK = [
    rec("maria", "math", 91),
    rec("maria", "physics", 84.5),
    rec("maria", "history", 77),
    rec("tom", "math", 65),
    rec("tom", "physics", 70.25),
    rec("lena", "history", 100),
    rec("omar", "math", 59),
    rec("omar", "history", 61.5),
    rec("omar", "physics", 48),
    rec("lena", "math", 93),
    rec("ivo", "math", 80),
]


@points(2)
def test_student_averages(student):
    call = "student_averages(<11 records of 5 students, int and float scores>)"
    _check_averages(student.student_averages(BOOK), _expected_averages(BOOK), call)

    one = [rec("solo", "art", 73)]
    call = f"student_averages({one!r})"
    _check_averages(student.student_averages(one), {"solo": 73.0}, call)

    call = "student_averages([])"
    got = student.student_averages([])
    assert got == {}, f"{call} returned {got!r}, expected {{}}"

    names = [rec("Kim", "math", 90), rec("kim", "math", 70)]
    call = f"student_averages({names!r})"
    _check_averages(
        student.student_averages(names), {"Kim": 90.0, "kim": 70.0},
        call + " (names are compared exactly: 'Kim' and 'kim' are two students)",
    )


@shows_expected
@points(1)
def test_excused_scores_are_skipped(student):
    book = [
        rec("ada", "math", 80),
        rec("ada", "art", None),
        rec("ada", "music", 90),
        rec("bo", "math", None),
        rec("bo", "art", None),
        rec("cam", "math", 58),
    ]
    call = "student_averages(<ada: 80, None, 90; bo: None, None; cam: 58>)"
    _check_averages(
        student.student_averages(book), {"ada": 85.0, "cam": 58.0},
        call + " (an excused score is ignored, not a zero; a student with only excused scores is left out)",
    )

    call = "grade_distribution(<the same records>)"
    got = student.grade_distribution(book)
    want = {"A": 0, "B": 1, "C": 0, "D": 0, "F": 1}
    assert got == want, (
        f"{call} returned {got!r}, expected {want!r} (bo has no average, so bo gets no letter)"
    )

    call = "top_students(<the same records>, 5)"
    _check_ranking(student.top_students(book, 5), [("ada", 85.0), ("cam", 58.0)], call,
                   " (bo has no average, so bo is not ranked)")


@shows_expected
@points(2)
def test_letter_grade_boundaries(student):
    cases = [
        (100, "A"), (90, "A"), (90.0, "A"), (89.999, "B"), (89.5, "B"), (80, "B"),
        (79.5, "C"), (79.99, "C"), (70, "C"), (69.5, "D"), (60, "D"), (59.99, "F"),
        (59.5, "F"), (0, "F"), (33.3, "F"),
    ]
    for average, want in cases:
        call = f"letter_grade({average!r})"
        got = student.letter_grade(average)
        assert got == want, (
            f"{call} returned {got!r}, expected {want!r} "
            "(the boundaries are exact: 90 or more is an A, 89.5 is still a B; do not round)"
        )
    for average in (-0.5, 100.01, 250):
        _expect_value_error(lambda a=average: student.letter_grade(a), f"letter_grade({average!r})")


@points(1)
def test_grade_distribution(student):
    call = "grade_distribution(<11 records of 5 students>)"
    got = student.grade_distribution(BOOK)
    # maria 84.17 B, tom 67.625 D, lena 96.5 A, omar 56.17 F, ivo 80 B
    want = {"A": 1, "B": 2, "C": 0, "D": 1, "F": 1}
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r}"
    assert got == want, f"{call} returned {got!r}, expected {expected(want)} (every letter is a key, even with count 0)"

    call = "grade_distribution([])"
    got = student.grade_distribution([])
    want = {letter: 0 for letter in LETTERS}
    assert got == want, f"{call} returned {got!r}, expected every letter with count 0"


@points(2)
def test_top_students_ranking(student):
    averages = _expected_averages(BOOK)
    ranked = sorted(averages.items(), key=lambda item: (-item[1], item[0]))

    call = "top_students(<11 records of 5 students>, 2)"
    _check_ranking(student.top_students(BOOK, 2), ranked[:2], call, " (highest average first)")

    for k in (5, 9):
        call = f"top_students(<11 records of 5 students>, {k})"
        _check_ranking(student.top_students(BOOK, k), ranked, call,
                       " (with fewer than k students, all of them are returned, best first)")

    book = [
        rec("zoe", "math", 75), rec("adam", "math", 70), rec("mia", "math", 75),
        rec("adam", "art", 80), rec("liv", "math", 95),
    ]
    call = "top_students(<liv 95; zoe, mia and adam all 75>, 4)"
    want = [("liv", 95.0), ("adam", 75.0), ("mia", 75.0), ("zoe", 75.0)]
    _check_ranking(student.top_students(book, 4), want, call,
                   " (equal averages are listed alphabetically by name)")

    call = "top_students(<11 records of 5 students>, 0)"
    got = _pairs(student.top_students(BOOK, 0), call)
    assert got == [], f"{call} returned {got!r}, expected []"


@shows_expected
@points(2)
def test_top_students_ties_at_cutoff(student):
    book = [
        rec("pia", "math", 88), rec("pia", "art", 92),          # 90
        rec("ugo", "math", 95),                                 # 95
        rec("eli", "math", 90),                                 # 90
        rec("abe", "math", 100), rec("abe", "art", 80),         # 90
        rec("kai", "math", 85),                                 # 85
        rec("noa", "math", 70), rec("noa", "art", 100),         # 85
    ]
    call = "top_students(<ugo 95; pia, eli and abe 90; kai and noa 85>, 2)"
    want = [("ugo", 95.0), ("abe", 90.0), ("eli", 90.0), ("pia", 90.0)]
    _check_ranking(
        student.top_students(book, 2), want, call,
        " (the 2nd student has 90, so every student with 90 is included too)",
    )

    call = "top_students(<the same records>, 4)"
    _check_ranking(student.top_students(book, 4), want, call,
                   " (the 4th student has 90; no one after them ties, so exactly 4 come back)")

    call = "top_students(<the same records>, 5)"
    want = want + [("kai", 85.0), ("noa", 85.0)]
    _check_ranking(student.top_students(book, 5), want, call,
                   " (kai and noa tie at 85 for 5th place, so both are included)")

    _expect_value_error(lambda: student.top_students(book, -1), "top_students(<the same records>, -1)")
