"""Grade book statistics: averages, letter grades, a distribution and a top-k list.

Replace each ``raise NotImplementedError`` with your own code.
Read README.md for the exact rules.

Every record is a dict like {"student": "ana", "course": "math", "score": 92};
a score of None means the student was excused and the record is ignored.
"""


def student_averages(records: list[dict]) -> dict[str, float]:
    """Return {student: mean of their non-excused scores}.

    Students whose scores are all None do not appear. Do not round.

    >>> student_averages([{"student": "a", "course": "x", "score": 80},
    ...                   {"student": "a", "course": "y", "score": 91}])
    {'a': 85.5}
    """
    raise NotImplementedError("student_averages is not written yet")


def letter_grade(average: float) -> str:
    """Return "A" (>= 90), "B" (>= 80), "C" (>= 70), "D" (>= 60) or "F".

    Raise ValueError when average is below 0 or above 100.

    >>> letter_grade(89.5)
    'B'
    """
    raise NotImplementedError("letter_grade is not written yet")


def grade_distribution(records: list[dict]) -> dict[str, int]:
    """Return how many students got each letter, with all five keys "A".."F" present."""
    raise NotImplementedError("grade_distribution is not written yet")


def top_students(records: list[dict], k: int) -> list[tuple[str, float]]:
    """Return the best students as (name, average) tuples.

    Highest average first, equal averages alphabetically. The first k are kept, plus
    any further student tied with the k-th one. k == 0 gives []; a negative k raises
    ValueError.
    """
    raise NotImplementedError("top_students is not written yet")
