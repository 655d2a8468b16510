"""The scores that count: per student and assignment, after late penalties and by the assignment's score
policy. One loop computes them, for a whole cohort's gradebook or for one student's own view of their
assignments, so the two can never disagree."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from core.points import POINTS_QUANTUM
from core.users import User
from courses.models import Assignment, AssignmentState, Cohort, Enrolment, Extension, Role, ScorePolicy
from courses.selectors import cohorts_of, effective_cutoff, effective_due, late_penalty
from grading.models import GradingRun, RunStatus, Submission, TestResult
from grading.selectors import Attempts, attempts_for
from sandbox import TestResultOutcome


@dataclass
class GradebookCell:
    score: Decimal | None = None  # after the late penalty (exact, to four decimal places)
    raw: Decimal | None = None
    late: bool = False
    attempts: int = 0
    submission_id: int | None = None  # the submission that counts
    # Its question subtotals, as graded (before any late penalty): question name -> points.
    questions: dict[str, Decimal] = field(default_factory=dict)


def counted_scores(
    assignments: Iterable[Assignment], *, student_id: int | None = None
) -> dict[tuple[int, int], GradebookCell]:
    """(student id, assignment id) -> the cell that counts, for every student (or one) of the assignments."""
    by_id = {a.pk: a for a in assignments}
    # A submission that could not be loaded (not_gradable) costs no attempt and is not a result: it must not
    # become the "latest" score, as attempts_for does not count it either.
    submissions = (
        Submission.objects.filter(assignment__in=list(by_id))
        .exclude(score__isnull=True)
        .exclude(runs__status=RunStatus.NOT_GRADABLE)
    )
    # Every extension in one query, not one per submission (a cohort's gradebook reads millions of rows).
    extensions = Extension.objects.filter(assignment__in=list(by_id))
    if student_id is not None:
        submissions = submissions.filter(student_id=student_id)
        extensions = extensions.filter(student_id=student_id)
    extended = {
        (student, assignment_id): due
        for assignment_id, student, due in extensions.values_list("assignment_id", "student_id", "due_at")
    }
    cells: dict[tuple[int, int], GradebookCell] = {}
    counts: dict[tuple[int, int], int] = defaultdict(int)
    rows = submissions.order_by("created_at", "pk").values_list(
        "pk", "student_id", "assignment_id", "score", "created_at"
    )
    for submission_id, student, assignment_id, score, created_at in rows:
        assignment = by_id[assignment_id]
        key = (student, assignment_id)
        counts[key] += 1
        due = max(assignment.due_at, extended.get(key, assignment.due_at))
        penalty = late_penalty(assignment, student, created_at, due=due)
        assert score is not None  # the query excludes unscored submissions
        penalised = penalised_score(score, penalty)
        cell = cells.setdefault(key, GradebookCell())
        if assignment.score_policy == ScorePolicy.LATEST or cell.score is None or penalised > cell.score:
            cell.score, cell.raw, cell.late, cell.submission_id = penalised, score, penalty > 0, submission_id
        cell.attempts = counts[key]
    _add_questions(cells)
    return cells


def _add_questions(cells: dict[tuple[int, int], GradebookCell]) -> None:
    """Each counted submission's question subtotals, from its latest finished run (one query)."""
    by_submission = {cell.submission_id: cell for cell in cells.values() if cell.submission_id is not None}
    runs = (
        GradingRun.objects.filter(submission_id__in=list(by_submission))
        .exclude(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        .exclude(questions=[])
        .order_by("submission_id", "-pk")
        .values_list("submission_id", "questions")
    )
    seen: set[int] = set()
    for submission_id, questions in runs:
        if submission_id in seen:
            continue  # an older run of the same submission
        seen.add(submission_id)
        by_submission[submission_id].questions = {
            str(q.get("name", "")): Decimal(str(q.get("score", "0"))) for q in questions if isinstance(q, dict)
        }


def penalised_score(score: Decimal, penalty: float) -> Decimal:
    """``score`` less the fraction ``penalty`` of it, exact to four decimal places (rounded half-up). The
    penalty is a fraction the instructor typed (0.1 per day): read through its decimal text, not its binary
    value, so 10 points less 10% is exactly 9."""
    kept = Decimal(1) - Decimal(repr(float(penalty)))
    return (score * kept).quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)


@dataclass
class Gradebook:
    cohort: Cohort
    assignments: list[Assignment]
    students: list[Enrolment]
    cells: dict[tuple[int, int], GradebookCell] = field(default_factory=dict)
    failed_tests: dict[int, Counter[str]] = field(default_factory=dict)

    def row(self, enrolment: Enrolment) -> list[GradebookCell]:
        return [self.cells.get((enrolment.user_id, a.pk), GradebookCell()) for a in self.assignments]

    def scores(self, assignment: Assignment) -> list[Decimal]:
        """The scores of the cohort's enrolled students (not staff's test submissions)."""
        enrolled = {e.user_id for e in self.students}
        return [
            cell.score
            for (user_id, assignment_id), cell in self.cells.items()
            if assignment_id == assignment.pk and cell.score is not None and user_id in enrolled
        ]


def gradebook(*, cohort: Cohort) -> Gradebook:
    assignments = list(Assignment.objects.filter(cohort=cohort).select_related("exercise", "exercise_version"))
    students = list(
        Enrolment.objects.filter(cohort=cohort, role=Role.STUDENT).select_related("user").order_by("user__username")
    )
    book = Gradebook(cohort=cohort, assignments=assignments, students=students, cells=counted_scores(assignments))
    for assignment in assignments:
        failing = TestResult.objects.filter(
            run__submission__assignment=assignment, run__is_regrade=False
        ).exclude(outcome=TestResultOutcome.PASSED)
        book.failed_tests[assignment.pk] = Counter(failing.values_list("name", flat=True))
    return book


@dataclass
class AssignmentStatus:
    """One assignment as one student sees it: their deadlines, attempts and score."""

    assignment: Assignment
    opens_at: datetime
    due_at: datetime  # with the student's extension, if any
    extended: bool
    cutoff_at: datetime | None  # late work is refused after this (None: never)
    attempts: Attempts
    score: Decimal | None  # best (or latest) after the late penalty, as the gradebook counts it
    state: AssignmentState

    @property
    def attempts_text(self) -> str:
        a = self.attempts
        parts = []
        if a.per_day is not None:
            parts.append(f"{max(0, a.per_day - a.used_today)} of {a.per_day} today")
        if a.cap is not None:
            parts.append(f"{max(0, a.cap - a.used_total)} of {a.cap} in total")
        return ", ".join(parts) if parts else "unlimited"


def assignment_status(assignment: Assignment, student_id: int, now: datetime | None = None) -> AssignmentStatus:
    now = now or timezone.now()
    due = effective_due(assignment, student_id)
    cutoff = effective_cutoff(assignment, student_id)
    if now < assignment.opens_at:
        state = AssignmentState.UPCOMING
    elif now <= due:
        state = AssignmentState.OPEN
    elif cutoff is None or now <= cutoff:
        state = AssignmentState.LATE
    else:
        state = AssignmentState.CLOSED
    cell = counted_scores([assignment], student_id=student_id).get((student_id, assignment.pk))
    return AssignmentStatus(
        assignment=assignment,
        opens_at=assignment.opens_at,
        due_at=due,
        extended=due != assignment.due_at,
        cutoff_at=cutoff,
        attempts=attempts_for(assignment, student_id, now),
        score=cell.score if cell is not None else None,
        state=state,
    )


def my_assignments(user: User) -> list[tuple[Enrolment, list[AssignmentStatus]]]:
    """My cohorts, each with its assignments as I see them."""
    now = timezone.now()
    result = []
    for enrolment in cohorts_of(user):
        assignments = Assignment.objects.filter(cohort_id=enrolment.cohort_id).select_related(
            "exercise", "exercise_version", "cohort__course"
        )
        result.append((enrolment, [assignment_status(a, user.pk, now) for a in assignments]))
    return result
