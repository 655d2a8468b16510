"""Manual grading: rubric items applied to a submission, adjustments, overrides with a reason, comments on
lines and cells, and releasing them to students.

The score a marked submission earns (``marked_score``), before any late penalty:

- rule ``add``: the tests' score + the rubric items applied + the adjustment, kept within 0 and the
  assignment's full marks (the tests' full marks + the manual points). A negative item takes points off the
  tests' score (a deduction for style, say) even when no manual points are set.
- rule ``replace``: the rubric items + the adjustment alone, within 0 and the manual points.
- an override replaces all of it (no late penalty either: staff typed the score that counts).

Every change is written to the audit log in its own transaction, with what it was before; once the marks
are released, the student is told and the LMS is sent the new score (grading.signals.score_changed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from core.errors import UserError
from core.points import POINTS_QUANTUM, format_points
from core.users import User
from courses.models import Assignment, CombineRule, Enrolment, Role, RubricItem
from courses.roles import is_instructor
from courses.selectors import is_cohort_staff
from grading.models import Comment, ManualGrade, Submission
from grading.signals import score_changed_on_commit
from notices.models import NoticeKind
from notices.services import notify

COMMENT_MAX_CHARS = 5000
REASON_MAX_CHARS = 2000
MAX_ANCHOR = 1_000_000  # a line or cell number beyond any file the upload limit lets in


class MarkingRefused(UserError):
    """A manual grade, comment, rubric item or release that cannot be saved; the message says why."""


# ------------------------------------------------------------------------------------------- the score


def manual_points(grade: ManualGrade, items: Iterable[RubricItem] | None = None) -> Decimal:
    """The rubric items applied plus the adjustment (signed)."""
    applied = list(grade.rubric_items.all()) if items is None else list(items)
    return sum((item.points for item in applied), Decimal(0)) + grade.adjustment


def marked_score(assignment: Assignment, auto: Decimal | None, grade: ManualGrade | None) -> Decimal | None:
    """The score before any late penalty, by the assignment's combine rule (see the module's docstring).
    None: nothing to count yet (rule ``replace`` and nobody has graded it)."""
    if grade is not None and grade.override_score is not None:
        return grade.override_score
    manual = manual_points(grade) if grade is not None else None
    if assignment.combine_rule == CombineRule.REPLACE:
        if manual is None:
            return None
        return _within(manual, assignment.max_score)
    if auto is None:
        return None
    return _within(auto + (manual or Decimal(0)), assignment.max_score)


def _within(value: Decimal, top: Decimal) -> Decimal:
    return min(max(value, Decimal(0)), top).quantize(POINTS_QUANTUM)


def question_points(grade: ManualGrade) -> dict[str, Decimal]:
    """The applied items' points per question they belong to (items for the whole work are left out)."""
    points: dict[str, Decimal] = {}
    for item in grade.rubric_items.all():
        if item.question:
            points[item.question] = points.get(item.question, Decimal(0)) + item.points
    return points



# ------------------------------------------------------------------------------------------ permissions


def _check_grader(actor: User, submission: Submission) -> Assignment:
    # Read afresh: whether marks are released decides who is told, and a caller's copy may be old.
    assignments = Assignment.objects.select_related("exercise", "exercise_version")
    assignment = assignments.filter(pk=submission.assignment_id).first() if submission.assignment_id else None
    if assignment is None or not is_cohort_staff(actor, assignment.cohort_id):
        raise MarkingRefused("Only the staff of the submission's cohort grade it.", status=404)
    return assignment


def _check_instructor(actor: User, assignment: Assignment) -> None:
    if not is_instructor(actor, assignment.cohort_id):
        raise MarkingRefused("Only the cohort's instructors change the rubric or release marks.", status=403)


# ---------------------------------------------------------------------------------------------- grading


@dataclass
class GradeInput:
    """What a grader sends: the rubric items applied (ids), an adjustment, an override with its reason."""

    item_ids: Sequence[int]
    adjustment: str = "0"
    override: str = ""  # empty: no override
    override_reason: str = ""


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip() or "0")
    except InvalidOperation:
        raise MarkingRefused(f"{what} must be a number, like 2 or -0.5 (got {text[:40]!r}).") from None
    if not value.is_finite() or abs(value) >= Decimal("1e8"):
        raise MarkingRefused(f"{what} must be a number below 100,000,000.")
    if value != value.quantize(POINTS_QUANTUM):
        raise MarkingRefused(f"{what} has at most four decimal places.")
    return value


def grade_state(grade: ManualGrade | None) -> dict[str, Any]:
    """A grade as the audit log records it (before and after)."""
    if grade is None or grade.pk is None:
        return {"rubric": [], "adjustment": "0", "override": None}
    return {
        "rubric": sorted(f"{item.title} ({format_points(item.points)})" for item in grade.rubric_items.all()),
        "adjustment": format_points(grade.adjustment),
        "override": format_points(grade.override_score) if grade.override_score is not None else None,
    }


def grade_save(*, actor: User, submission: Submission, data: GradeInput) -> ManualGrade:
    """Save the grader's marks for the submission. Items must be the assignment's own; an override needs a
    reason and must lie within 0 and the assignment's full marks. All of it or nothing, with its audit row."""
    assignment = _check_grader(actor, submission)
    adjustment = _decimal(data.adjustment, "The adjustment")
    override = _decimal(data.override, "The override") if data.override.strip() else None
    reason = data.override_reason.strip()
    if override is not None:
        if not reason:
            raise MarkingRefused("Say why the score is overridden: the student and the audit log will read it.")
        if not Decimal(0) <= override <= assignment.max_score:
            raise MarkingRefused(
                f"The override must lie between 0 and the assignment's full marks, {format_points(assignment.max_score)}."
            )
    if len(reason) > REASON_MAX_CHARS:
        raise MarkingRefused(f"The reason is longer than {REASON_MAX_CHARS} characters.")
    wanted = set(data.item_ids)
    with transaction.atomic():
        # The submission's row first: two graders saving its first grade at once go one after the other.
        Submission.objects.select_for_update().filter(pk=submission.pk).first()
        # Locked too, so an item cannot be deleted between this check and the save (rubric_item_delete).
        items = list(RubricItem.objects.select_for_update().filter(assignment=assignment, pk__in=wanted))
        if len(items) != len(wanted):
            raise MarkingRefused("A rubric item chosen is not one of this assignment's (was it deleted? reload the page).")
        grade = ManualGrade.objects.select_for_update().filter(submission=submission).first()
        before = grade_state(grade)
        if grade is None:
            grade = ManualGrade(submission=submission)
        grade.adjustment = adjustment
        grade.override_score = override
        grade.override_reason = reason if override is not None else ""
        grade.graded_by = actor
        grade.save()
        grade.rubric_items.set(items)
        after = grade_state(grade)
        audit.record(
            actor=actor,
            action="grade.saved",
            target=f"submission {submission.pk} of {submission.student.username}",
            cohort_id=assignment.cohort_id,
            before=before,
            after=after,
            reason=reason,
        )
        if assignment.marks_released and before != after:
            score_changed_on_commit(assignment_id=assignment.pk, student_id=submission.student_id)
            _tell_student(assignment, [submission.student_id], changed=True)
    return grade


# --------------------------------------------------------------------------------------------- comments


def _check_anchor(submission: Submission, file_name: str, line: int | None, cell: int | None) -> None:
    if line is not None and cell is not None:
        raise MarkingRefused("A comment sits on a line or on a cell, not both.")
    if (line is not None or cell is not None) and not file_name:
        raise MarkingRefused("Say which file the line or cell is in.")
    if file_name and not submission.files.filter(name=file_name).exists():
        raise MarkingRefused(f"The submission has no file named {file_name[:100]!r}.")
    if line is not None and not 1 <= line <= MAX_ANCHOR:
        raise MarkingRefused("Lines are counted from 1, and the file has no such line.")
    if cell is not None and not 0 <= cell <= MAX_ANCHOR:
        raise MarkingRefused("Cells are counted from 1, and the notebook has no such cell.")


def comment_add(
    *, actor: User, submission: Submission, text: str, file_name: str = "", line: int | None = None, cell: int | None = None
) -> Comment:
    assignment = _check_grader(actor, submission)
    text = text.strip()
    if not text:
        raise MarkingRefused("Write the comment first.")
    if len(text) > COMMENT_MAX_CHARS:
        raise MarkingRefused(f"A comment holds at most {COMMENT_MAX_CHARS} characters.")
    _check_anchor(submission, file_name, line, cell)
    with transaction.atomic():
        comment = Comment.objects.create(
            submission=submission, author=actor, file_name=file_name, line=line, cell=cell, text=text
        )
        audit.record(
            actor=actor,
            action="comment.added",
            target=f"submission {submission.pk} of {submission.student.username}, {comment.anchor}",
            cohort_id=assignment.cohort_id,
            after={"text": text},
        )
        if assignment.marks_released:
            _tell_student(assignment, [submission.student_id], changed=True)
    return comment


def comment_delete(*, actor: User, comment: Comment) -> None:
    """Its author, or an instructor of the cohort, takes a comment back."""
    submission = comment.submission
    assignment = _check_grader(actor, submission)
    if comment.author_id != actor.pk and not is_instructor(actor, assignment.cohort_id):
        raise MarkingRefused("Only its author or an instructor deletes a comment.", status=403)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="comment.deleted",
            target=f"submission {submission.pk} of {submission.student.username}, {comment.anchor}",
            cohort_id=assignment.cohort_id,
            before={"text": comment.text},
        )
        comment.delete()


# ------------------------------------------------------------------------------------------------ rubric


def rubric_item_save(
    *, actor: User, assignment: Assignment, item: RubricItem | None, title: str, points: str, question: str = "",
    description: str = "",
) -> RubricItem:
    _check_instructor(actor, assignment)
    title, question, description = title.strip(), question.strip(), description.strip()
    if not title:
        raise MarkingRefused("Give the rubric item a title.")
    if len(title) > 200 or len(description) > REASON_MAX_CHARS:
        raise MarkingRefused(f"A title holds 200 characters, a description {REASON_MAX_CHARS}.")
    value = _decimal(points, "The points")
    questions = [q.name for q in assignment.exercise_version.manifest.questions]
    if question and question not in questions:
        known = ", ".join(questions) or "none"
        raise MarkingRefused(f"The grader has no question {question[:100]!r} (its questions: {known}).")
    with transaction.atomic():
        before = _item_state(item) if item is not None else None
        if item is None:
            last = RubricItem.objects.filter(assignment=assignment).order_by("-position").first()
            item = RubricItem(assignment=assignment, position=(last.position + 1) if last else 0)
        item.title, item.points, item.question, item.description = title, value, question, description
        item.save()
        audit.record(
            actor=actor,
            action="rubric.changed" if before else "rubric.added",
            target=f"rubric item {item.pk} of assignment {assignment.pk}",
            cohort_id=assignment.cohort_id,
            before=before,
            after=_item_state(item),
        )
        if before is not None and before["points"] != format_points(item.points) and assignment.marks_released:
            # Every submission it was applied to changes score: the LMS follows.
            for student_id in ManualGrade.objects.filter(rubric_items=item).values_list("submission__student_id", flat=True):
                score_changed_on_commit(assignment_id=assignment.pk, student_id=student_id)
    return item


def rubric_item_delete(*, actor: User, item: RubricItem) -> None:
    assignment = item.assignment
    _check_instructor(actor, assignment)
    with transaction.atomic():
        RubricItem.objects.select_for_update().filter(pk=item.pk).first()  # grade_save locks it too
        used = ManualGrade.objects.filter(rubric_items=item).count()
        if used:
            raise MarkingRefused(
                f"This item is applied to {used} submission(s): take it off them first, or change its points "
                "instead (the change reaches every submission it is applied to)."
            )
        audit.record(
            actor=actor,
            action="rubric.deleted",
            target=f"rubric item {item.pk} of assignment {assignment.pk}",
            cohort_id=assignment.cohort_id,
            before=_item_state(item),
        )
        item.delete()


def _item_state(item: RubricItem) -> dict[str, Any]:
    return {"title": item.title, "points": format_points(item.points), "question": item.question}


# ----------------------------------------------------------------------------------------------- release


def marks_release(*, actor: User, assignment: Assignment, release: bool) -> None:
    """Show (or hide again) the marks and comments of the assignment to its students. Releasing tells each
    student who has marks or comments; the scores the LMS holds follow either way (the assignment's save)."""
    _check_instructor(actor, assignment)
    with transaction.atomic():
        # Locked and read afresh: two instructors pressing at once release once, with one notice each.
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        assignment.marks_released_at = locked.marks_released_at
        if release == assignment.marks_released:
            return
        before = {"released": assignment.marks_released}
        assignment.marks_released_at = timezone.now() if release else None
        assignment.save(update_fields=["marks_released_at"])
        audit.record(
            actor=actor,
            action="marks.released" if release else "marks.withdrawn",
            target=f"assignment {assignment.pk} ({assignment.exercise.slug})",
            cohort_id=assignment.cohort_id,
            before=before,
            after={"released": release},
        )
        if release:
            marked = set(
                ManualGrade.objects.filter(submission__assignment=assignment).values_list("submission__student_id", flat=True)
            ) | set(Comment.objects.filter(submission__assignment=assignment).values_list("submission__student_id", flat=True))
            _tell_student(assignment, sorted(marked), changed=False)


def _tell_student(assignment: Assignment, student_ids: list[int], *, changed: bool) -> None:
    students = Enrolment.objects.filter(
        cohort_id=assignment.cohort_id, role=Role.STUDENT, user_id__in=student_ids
    ).select_related("user")
    title = assignment.exercise.title
    notify(
        [e.user for e in students],
        NoticeKind.GRADE_RELEASED,
        title=f"{'Your marks changed' if changed else 'Marks released'}: {title}",
        body=(
            f"Your course staff {'changed the marks or comments on' if changed else 'released the marks and comments of'} "
            f"{title}. Open the assignment to read them."
        ),
        link=f"/assignments/{assignment.pk}/",
        key=None,
    )


# ------------------------------------------------------------------------------------------ what is shown


@dataclass
class Marks:
    """A submission's manual grading as a page shows it."""

    grade: ManualGrade | None
    items: list[RubricItem]  # every item of the rubric, in order
    applied: set[int]  # the ids of those applied
    comments: list[Comment]
    manual: Decimal | None  # the items and adjustment, when graded
    released: bool

    @property
    def applied_items(self) -> list[RubricItem]:
        return [item for item in self.items if item.pk in self.applied]

    @property
    def has_any(self) -> bool:
        return self.grade is not None or bool(self.comments)


def marks_of(submission: Submission, *, for_student: bool) -> Marks | None:
    """The marks and comments of an assignment's submission. A student sees them only once released (None
    before, and for practice)."""
    assignment = submission.assignment
    if assignment is None or (for_student and not assignment.marks_released):
        return None
    grade = ManualGrade.objects.filter(submission=submission).prefetch_related("rubric_items").first()
    items = list(RubricItem.objects.filter(assignment=assignment))
    applied = {item.pk for item in grade.rubric_items.all()} if grade is not None else set()
    comments = list(Comment.objects.filter(submission=submission).select_related("author"))
    _add_snippets(submission, comments)
    return Marks(
        grade=grade,
        items=items,
        applied=applied,
        comments=comments,
        manual=manual_points(grade) if grade is not None else None,
        released=assignment.marks_released,
    )


SNIPPET_CHARS = 200


def _add_snippets(submission: Submission, comments: list[Comment]) -> None:
    """The line each line comment is about, as text (a page shows it escaped beside the comment)."""
    wanted = {c.file_name for c in comments if c.line is not None}
    if not wanted:
        return
    lines = {
        f.name: bytes(f.content).decode("utf-8", errors="replace").splitlines()
        for f in submission.files.filter(name__in=wanted)
    }
    for comment in comments:
        text = lines.get(comment.file_name, [])
        if comment.line is not None and 0 < comment.line <= len(text):
            comment.snippet = text[comment.line - 1].strip()[:SNIPPET_CHARS]  # type: ignore[attr-defined]
