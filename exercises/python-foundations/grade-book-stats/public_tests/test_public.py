"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked example and the rules of the statement. The hidden grader checks more (other
grade books, every letter boundary, more ties).
"""

import math
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import grade_distribution, letter_grade, student_averages, top_students  # noqa: E402

RECORDS = [
    {"student": "ana", "course": "math", "score": 92},
    {"student": "ana", "course": "art", "score": 85},
    {"student": "ben", "course": "math", "score": 78},
    {"student": "ben", "course": "art", "score": None},
    {"student": "cy", "course": "math", "score": 88.5},
    {"student": "dee", "course": "art", "score": None},
]


def test_averages_of_the_worked_example():
    got = student_averages(RECORDS)
    want = {"ana": 88.5, "ben": 78.0, "cy": 88.5}
    assert set(got) == set(want), (
        f"student_averages(RECORDS) has the students {sorted(got)}, expected {sorted(want)} "
        "(dee has only excused results, so dee has no average)"
    )
    for name, value in want.items():
        assert math.isclose(got[name], value), (
            f"the average of {name} is {got[name]!r}, expected {value} (an excused score, None, is ignored, not a zero)"
        )


def test_letter_grades_from_the_statement():
    for average, letter in [(88.5, "B"), (90, "A"), (59.99, "F"), (89.99, "B"), (89.5, "B")]:
        got = letter_grade(average)
        assert got == letter, f"letter_grade({average}) returned {got!r}, expected {letter!r} (never round the average first)"


def test_impossible_averages_raise_value_error():
    for average in (-1, 100.5):
        with pytest.raises(ValueError):
            letter_grade(average)


def test_distribution_of_the_worked_example():
    got = grade_distribution(RECORDS)
    want = {"A": 0, "B": 2, "C": 1, "D": 0, "F": 0}
    assert got == want, f"grade_distribution(RECORDS) returned {got!r}, expected {want!r} (all five letters, even at 0)"


def test_top_students_of_the_worked_example():
    got = top_students(RECORDS, 1)
    want = [("ana", 88.5), ("cy", 88.5)]
    assert got == want, f"top_students(RECORDS, 1) returned {got!r}, expected {want!r} (cy ties with ana, so both are in)"
    got = top_students(RECORDS, 3)
    want = [("ana", 88.5), ("cy", 88.5), ("ben", 78.0)]
    assert got == want, f"top_students(RECORDS, 3) returned {got!r}, expected {want!r}"
    got = top_students(RECORDS, 10)
    assert got == want, f"top_students(RECORDS, 10) returned {got!r}, expected all three students: {want!r}"


def test_top_students_with_k_zero_and_negative_k():
    assert top_students(RECORDS, 0) == [], "top_students(RECORDS, 0) should return []"
    with pytest.raises(ValueError):
        top_students(RECORDS, -1)
