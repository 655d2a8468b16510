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
from courses.models import (
    Assignment,
    AssignmentState,
    Cohort,
    CombineRule,
    Enrolment,
    Extension,
    Role,
    ScorePolicy,
)
from courses.selectors import DAY, cohorts_of, effective_cutoff, effective_due, late_penalty
from grading import marking
from grading.grace_days import GraceBank, grace_banks, grace_days_for
from grading.models import GradingRun, ManualGrade, RunStatus, Submission, TestResult
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
    penalty: float = 0.0  # the fraction taken off for lateness
    auto: Decimal | None = None  # the tests' score of the submission that counts (before any late penalty)
    manual: Decimal | None = None  # points given by hand (rubric items and adjustment), when graded
    overridden: bool = False  # staff typed the score that counts (with a reason)
    marks_hidden: bool = False  # marked by hand, not released yet (shown only to staff)


def counted_scores(
    assignments: Iterable[Assignment], *, student_id: int | None = None, include_unreleased: bool = False
) -> dict[tuple[int, int], GradebookCell]:
    """(student id, assignment id) -> the cell that counts, for every student (or one) of the assignments.
    Marks given by hand count once released; staff pages pass ``include_unreleased`` to see them before."""
    by_id = {a.pk: a for a in assignments}
    # A submission that could not be loaded (not_gradable) costs no attempt and is not a result: it must not
    # become the "latest" score, as attempts_for does not count it either.
    submissions = (
        Submission.objects.filter(assignment__in=list(by_id))
        .exclude(score__isnull=True)
        .exclude(runs__status=RunStatus.NOT_GRADABLE)
    )
    if student_id is not None:
        submissions = submissions.filter(student_id=student_id)
    extended = due_dates(by_id.values(), student_id=student_id)
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
            cell.penalty, cell.auto = penalty, score
        cell.attempts = counts[key]
    grades = _count_graded(cells, by_id, extended, student_id=student_id, include_unreleased=include_unreleased)
    _add_questions(cells)
    _add_marks(cells, by_id, grades, include_unreleased=include_unreleased)
    return cells


def due_dates(assignments: Iterable[Assignment], *, student_id: int | None = None) -> dict[tuple[int, int], datetime]:
    """(student id, assignment id) -> the student's own due date, where an extension or grace days moved it
    (absent: the assignment's). A fixed number of queries for a whole cohort."""
    by_id = {a.pk: a for a in assignments}
    # Every extension in one query, not one per submission (a cohort's gradebook reads millions of rows).
    extensions = Extension.objects.filter(assignment__in=list(by_id))
    if student_id is not None:
        extensions = extensions.filter(student_id=student_id)
    extended = {
        (student, assignment_id): max(by_id[assignment_id].due_at, due)
        for assignment_id, student, due in extensions.values_list("assignment_id", "student_id", "due_at")
    }
    # Grace days charged (grading/grace_days.py) extend the student's due date by whole days.
    for key, days in grace_days_for(by_id.values(), student_id=student_id).items():
        if key[1] in by_id:
            own_due = by_id[key[1]].due_at
            extended[key] = max(own_due, extended.get(key, own_due)) + days * DAY
    return extended


def _count_graded(
    cells: dict[tuple[int, int], GradebookCell],
    assignments: dict[int, Assignment],
    extended: dict[tuple[int, int], datetime],
    *,
    student_id: int | None,
    include_unreleased: bool,
) -> dict[int, ManualGrade]:
    """A submission graded by hand is the one that counts (graders grade one submission per student, as in
    nbgrader or Gradescope): a later submission, or a regrade that lifts another one, never drops the marks.
    Where a student has several graded, the one graded last counts. Before the marks are released, students
    see the submission the tests picked. Returns submission id -> its grade."""
    graded = ManualGrade.objects.filter(submission__assignment__in=list(assignments)).select_related("submission")
    if student_id is not None:
        graded = graded.filter(submission__student_id=student_id)
    latest: dict[tuple[int, int], ManualGrade] = {}
    for grade in graded.prefetch_related("rubric_items").order_by("updated_at", "pk"):
        submission = grade.submission
        assert submission.assignment_id is not None  # the query's filter
        latest[(submission.student_id, submission.assignment_id)] = grade
    for key, grade in latest.items():
        submission, assignment = grade.submission, assignments[key[1]]
        if not (assignment.marks_released or include_unreleased):
            continue
        cell = cells.setdefault(key, GradebookCell())
        if cell.submission_id == submission.pk:
            continue
        due = max(assignment.due_at, extended.get(key, assignment.due_at))
        penalty = late_penalty(assignment, key[0], submission.created_at, due=due)
        cell.submission_id, cell.auto, cell.raw = submission.pk, submission.score, submission.score
        cell.penalty, cell.late = penalty, penalty > 0
        cell.score = penalised_score(submission.score, penalty) if submission.score is not None else None
    return {grade.submission_id: grade for grade in latest.values()}


def _add_marks(
    cells: dict[tuple[int, int], GradebookCell],
    assignments: dict[int, Assignment],
    grades: dict[int, ManualGrade],
    *,
    include_unreleased: bool,
) -> None:
    """Manual grading (grading.marking) on top of the tests' scores of the submissions that count. Marks not
    released count only for staff (``include_unreleased``); for students a ``replace`` assignment has no score
    until they are."""
    for (_student, assignment_id), cell in cells.items():
        assignment = assignments[assignment_id]
        grade = grades.get(cell.submission_id) if cell.submission_id is not None else None
        if grade is None and assignment.combine_rule == CombineRule.ADD:
            continue
        if not (assignment.marks_released or include_unreleased):
            if grade is not None:
                cell.marks_hidden = True
            if assignment.combine_rule == CombineRule.REPLACE:
                cell.score = cell.raw = None
            continue
        cell.marks_hidden = not assignment.marks_released and grade is not None
        raw = marking.marked_score(assignment, cell.auto, grade)
        cell.manual = marking.manual_points(grade) if grade is not None else None
        cell.overridden = grade is not None and grade.override_score is not None
        cell.raw = raw
        if raw is None:
            cell.score = None
        elif cell.overridden:
            cell.score = raw  # the score staff typed counts as it is
        else:
            cell.score = penalised_score(raw, cell.penalty)
        if grade is not None:
            for question, points in marking.question_points(grade).items():
                cell.questions[question] = max(Decimal(0), cell.questions.get(question, Decimal(0)) + points)


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
    cells = counted_scores(assignments, include_unreleased=True)
    book = Gradebook(cohort=cohort, assignments=assignments, students=students, cells=cells)
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
    grace_days: int = 0  # grace days charged to this assignment (grading/grace_days.py)
    grace_bank: GraceBank | None = None  # the student's bank in the cohort; None: no grace days

    @property
    def attempts_text(self) -> str:
        a = self.attempts
        parts = []
        if a.per_day is not None:
            parts.append(f"{max(0, a.per_day - a.used_today)} of {a.per_day} today")
        if a.cap is not None:
            parts.append(f"{max(0, a.cap - a.used_total)} of {a.cap} in total")
        return ", ".join(parts) if parts else "unlimited"


def assignment_status(
    assignment: Assignment,
    student_id: int,
    now: datetime | None = None,
    *,
    banks: dict[tuple[int, int], GraceBank] | None = None,
    cells: dict[tuple[int, int], GradebookCell] | None = None,
) -> AssignmentStatus:
    """``banks``: grace_banks of the student's cohorts, and ``cells``: counted_scores of the student's
    assignments, when the caller has them for several assignments (else read here)."""
    now = now or timezone.now()
    if banks is None:
        banks = grace_banks([assignment.cohort_id], [student_id])
    bank = banks.get((assignment.cohort_id, student_id))
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
    if cells is None:
        cells = counted_scores([assignment], student_id=student_id)
    cell = cells.get((student_id, assignment.pk))
    return AssignmentStatus(
        assignment=assignment,
        opens_at=assignment.opens_at,
        due_at=due,
        extended=due != assignment.due_at,
        cutoff_at=cutoff,
        attempts=attempts_for(assignment, student_id, now),
        score=cell.score if cell is not None else None,
        state=state,
        grace_days=bank.used.get(assignment.pk, 0) if bank else 0,
        grace_bank=bank,
    )


def my_assignments(user: User) -> list[tuple[Enrolment, list[AssignmentStatus]]]:
    """My cohorts, each with its assignments as I see them."""
    now = timezone.now()
    result = []
    enrolments = list(cohorts_of(user))
    banks = grace_banks([e.cohort_id for e in enrolments], [user.pk])
    for enrolment in enrolments:
        assignments = list(
            Assignment.objects.filter(cohort_id=enrolment.cohort_id).select_related(
                "exercise", "exercise_version", "cohort__course"
            )
        )
        cells = counted_scores(assignments, student_id=user.pk)  # one pass for the cohort's assignments
        result.append(
            (enrolment, [assignment_status(a, user.pk, now, banks=banks, cells=cells) for a in assignments])
        )
    return result
