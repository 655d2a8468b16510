"""Manual grading in the staff pages (grading.marking holds the rules): an assignment's rubric and the
release of its marks (instructors change them, every staff member reads them), the grading queue of its
submissions, and the forms of the review page that save a grade or a comment (any of the cohort's staff).

Every page answers 404 to whoever is not staff of the cohort; a refusal is a page with the sentence and a 4xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import UserError
from core.users import SignedInRequest, User
from courses.models import Assignment, Enrolment, Role, RubricItem
from courses.roles import is_instructor
from courses.selectors import access_assignment_as_staff
from grading import marking
from grading.gradebook import GradebookCell, counted_scores
from grading.models import Comment, ManualGrade, Submission
from grading.selectors import submission_for_staff
from web.code_view import ShownFile


def _staff_submission(user: User, submission_id: int) -> Submission:
    """An assignment's submission the user grades (practice is never graded by hand): 404 otherwise."""
    submission = submission_for_staff(
        user=user,
        submission_id=submission_id,
        submissions=Submission.objects.select_related("student", "assignment__cohort", "assignment__exercise_version"),
    )
    if submission.assignment is None:
        raise Http404("No such submission.")
    return submission


def _refused(request: SignedInRequest, error: UserError, back: str) -> HttpResponse:
    return render(request, "grading/marking_refused.html", {"error": str(error), "back": back}, status=error.status)


# ------------------------------------------------------------------------------------------------ rubric


@login_required
def rubric_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    assignment = access_assignment_as_staff(user=request.user, assignment_id=assignment_id)
    instructor = is_instructor(request.user, assignment.cohort_id)
    here = reverse("assignment_rubric", args=[assignment.pk])
    if request.method == "POST":
        try:
            _rubric_change(request, assignment)
        except UserError as exc:
            return _refused(request, exc, here)
        return redirect(here)
    questions = [q.name for q in assignment.exercise_version.manifest.questions]
    return render(
        request,
        "grading/rubric.html",
        {
            "assignment": assignment,
            "cohort": assignment.cohort,
            "items": RubricItem.objects.filter(assignment=assignment),
            "questions": questions,
            "instructor": instructor,
            "graded": ManualGrade.objects.filter(submission__assignment=assignment).count(),
            "positive_total": total_points(list(RubricItem.objects.filter(assignment=assignment))),
        },
    )


def _rubric_change(request: SignedInRequest, assignment: Assignment) -> None:
    action = request.POST.get("action", "")
    post = request.POST
    if action in ("release", "withdraw"):
        marking.marks_release(actor=request.user, assignment=assignment, release=action == "release")
        return
    item = None
    if post.get("item"):
        item = RubricItem.objects.filter(assignment=assignment, pk=_int(post["item"])).first()
        if item is None:
            raise marking.MarkingRefused("No such rubric item in this assignment.", status=404)
    if action == "delete" and item is not None:
        marking.rubric_item_delete(actor=request.user, item=item)
    elif action == "save":
        marking.rubric_item_save(
            actor=request.user,
            assignment=assignment,
            item=item,
            title=post.get("title", ""),
            points=post.get("points", ""),
            question=post.get("question", ""),
            description=post.get("description", ""),
        )
    else:
        raise marking.MarkingRefused("Unknown action.")


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise marking.MarkingRefused(f"{text[:20]!r} is not a number.") from None


# ------------------------------------------------------------------------------------------ grading queue


@dataclass
class QueueRow:
    enrolment: Enrolment
    cell: GradebookCell | None
    grade: ManualGrade | None
    comments: int


@login_required
def grading_queue_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    """Each student's submission that counts, with its marks so far: the graders' to-do list."""
    assignment = access_assignment_as_staff(user=request.user, assignment_id=assignment_id)
    students = list(
        Enrolment.objects.filter(cohort_id=assignment.cohort_id, role=Role.STUDENT).select_related("user").order_by("user__username")
    )
    cells = counted_scores([assignment], include_unreleased=True)
    submission_ids = [cell.submission_id for cell in cells.values() if cell.submission_id is not None]
    grades = {g.submission_id: g for g in ManualGrade.objects.filter(submission_id__in=submission_ids).select_related("graded_by")}
    comment_counts: dict[int, int] = {}
    for submission_id in Comment.objects.filter(submission_id__in=submission_ids).values_list("submission_id", flat=True):
        comment_counts[submission_id] = comment_counts.get(submission_id, 0) + 1
    rows = []
    for enrolment in students:
        cell = cells.get((enrolment.user_id, assignment.pk))
        sid = cell.submission_id if cell else None
        rows.append(QueueRow(enrolment, cell, grades.get(sid) if sid else None, comment_counts.get(sid, 0) if sid else 0))
    ungraded = [row for row in rows if row.cell is not None and row.grade is None]
    return render(
        request,
        "grading/grading_queue.html",
        {
            "assignment": assignment,
            "cohort": assignment.cohort,
            "rows": rows,
            "ungraded": len(ungraded),
            "next_ungraded": ungraded[0].cell.submission_id if ungraded and ungraded[0].cell else None,
            "instructor": is_instructor(request.user, assignment.cohort_id),
        },
    )


# ------------------------------------------------------------------------------ the review page's forms


def marking_context(request: SignedInRequest, submission: Submission) -> dict[str, object]:
    """What the review page needs to show and take manual grading (staff only: unreleased marks too). A line
    or cell link of the page (?comment_file=&comment_line= or comment_cell=) fills in the comment form."""
    marks = marking.marks_of(submission, for_student=False)
    by_anchor: dict[str, list[Comment]] = {}
    names = sorted(submission.files.values_list("name", flat=True))
    index = {name: i for i, name in enumerate(names)}
    for comment in marks.comments if marks else []:
        by_anchor.setdefault(comment_anchor(comment, index), []).append(comment)
    wanted = request.GET.get("comment_file", "")
    return {
        "marks": marks,
        "comments_by_anchor": by_anchor,
        "comment_files": names,
        "comment_at": {
            "file": wanted if wanted in index else "",
            "line": request.GET.get("comment_line", "")[:8],
            "cell": request.GET.get("comment_cell", "")[:8],
        },
        "instructor": is_instructor(request.user, submission.assignment.cohort_id) if submission.assignment else False,
    }


def comment_anchor(comment: Comment, file_index: dict[str, int]) -> str:
    """The element id of the review page a comment belongs beside (web/code_view.py: lines f<file>-L<n>,
    notebook cells f<file>-cell-<index>); "comments" for one on the whole submission."""
    if comment.file_name in file_index:
        if comment.line is not None:
            return f"f{file_index[comment.file_name]}-L{comment.line}"
        if comment.cell is not None:
            return f"f{file_index[comment.file_name]}-cell-{comment.cell}"
    return "comments"


def attach_comments(files: list[ShownFile], by_anchor: dict[str, list[Comment]]) -> None:
    """Put each comment beside the line or cell it is about on the review page."""
    for shown in files:
        for line in shown.code.lines if shown.code else []:
            line.comments = by_anchor.get(line.anchor, [])
        for cell in shown.cells:
            cell.comments = by_anchor.get(cell.anchor, [])


@login_required
@require_POST
def grade_view(request: SignedInRequest, submission_id: int) -> HttpResponse:
    submission = _staff_submission(request.user, submission_id)
    back = reverse("submission_review", args=[submission.pk]) + "#grade"
    try:
        data = marking.GradeInput(
            item_ids=[_int(value) for value in request.POST.getlist("item")],
            adjustment=request.POST.get("adjustment", "0"),
            override=request.POST.get("override", ""),
            override_reason=request.POST.get("override_reason", ""),
        )
        marking.grade_save(actor=request.user, submission=submission, data=data)
    except UserError as exc:
        return _refused(request, exc, back)
    return redirect(back)


@login_required
@require_POST
def comment_view(request: SignedInRequest, submission_id: int) -> HttpResponse:
    submission = _staff_submission(request.user, submission_id)
    review = reverse("submission_review", args=[submission.pk])
    line, cell = request.POST.get("line", "").strip(), request.POST.get("cell", "").strip()
    try:
        comment = marking.comment_add(
            actor=request.user,
            submission=submission,
            text=request.POST.get("text", ""),
            file_name=request.POST.get("file", ""),
            line=_int(line) if line else None,
            cell=_int(cell) - 1 if cell else None,  # people count cells from 1
        )
    except UserError as exc:
        return _refused(request, exc, review)
    names = sorted(submission.files.values_list("name", flat=True))
    return redirect(f"{review}#{comment_anchor(comment, {n: i for i, n in enumerate(names)})}")


@login_required
@require_POST
def comment_delete_view(request: SignedInRequest, comment_id: int) -> HttpResponse:
    comment = Comment.objects.select_related("submission__assignment").filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment.")
    submission = _staff_submission(request.user, comment.submission_id)
    try:
        marking.comment_delete(actor=request.user, comment=comment)
    except UserError as exc:
        return _refused(request, exc, reverse("submission_review", args=[submission.pk]))
    return redirect(reverse("submission_review", args=[submission.pk]) + "#comments")


def total_points(items: list[RubricItem]) -> Decimal:
    return sum((item.points for item in items if item.points > 0), Decimal(0))
