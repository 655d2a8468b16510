"""Reference solution for python-foundations/grade-book-stats."""

LETTERS = ("A", "B", "C", "D", "F")
CUTOFFS = ((90, "A"), (80, "B"), (70, "C"), (60, "D"))


def student_averages(records: list[dict]) -> dict[str, float]:
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for record in records:
        score = record["score"]
        if score is None:
            continue
        name = record["student"]
        totals[name] = totals.get(name, 0) + score
        counts[name] = counts.get(name, 0) + 1
    return {name: totals[name] / counts[name] for name in totals}


def letter_grade(average: float) -> str:
    if not 0 <= average <= 100:
        raise ValueError(f"an average must lie between 0 and 100, got {average}")
    for cutoff, letter in CUTOFFS:
        if average >= cutoff:
            return letter
    return "F"


def grade_distribution(records: list[dict]) -> dict[str, int]:
    distribution = {letter: 0 for letter in LETTERS}
    for average in student_averages(records).values():
        distribution[letter_grade(average)] += 1
    return distribution


def top_students(records: list[dict], k: int) -> list[tuple[str, float]]:
    if k < 0:
        raise ValueError(f"k must be zero or more, got {k}")
    if k == 0:
        return []
    ranked = sorted(student_averages(records).items(), key=lambda item: (-item[1], item[0]))
    if len(ranked) <= k:
        return ranked
    cut = ranked[k - 1][1]
    end = k
    while end < len(ranked) and ranked[end][1] == cut:
        end += 1
    return ranked[:end]
