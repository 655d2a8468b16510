"""Pages: submit through the form (practice or assignment), watch the run, read the feedback."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Exercise
from catalog.selectors import exercise_get_listed
from core.errors import UserError
from core.users import SignedInRequest
from courses.models import Assignment
from courses.selectors import access_assignment, feedback_level, hidden_tests_shown
from grading import intake, marking
from grading.gradebook import counted_scores
from grading.models import RunStatus
from grading.selectors import latest_run, queue_position, submission_get_for_user
from web.courses import render_assignment
from web.feedback import run_feedback
from web.roadmap import render_exercise
from web.throttles import check_submission_rate


def _submit(
    request: SignedInRequest,
    *,
    exercise: Exercise | None = None,
    assignment: Assignment | None = None,
    page: Callable[[str, int], HttpResponse],
) -> HttpResponse:
    """The one submit flow of the forms: on a refusal, `page` shows the form again with the sentence."""
    try:
        check_submission_rate(request)
        submission = intake.submit(
            student=request.user, files=request.FILES.getlist("files"), exercise=exercise, assignment=assignment
        )
    except UserError as exc:
        return page(str(exc), exc.status)
    return redirect("submission", submission_id=submission.pk)


@login_required
@require_POST
def submit_view(request: SignedInRequest, slug: str) -> HttpResponse:
    exercise = exercise_get_listed(slug=slug)  # an unlisted exercise takes work through its assignments only
    return _submit(
        request, exercise=exercise, page=lambda error, status: render_exercise(request, exercise, error=error, status=status)
    )


@login_required
@require_POST
def assignment_submit_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    assignment = access_assignment(user=request.user, assignment_id=assignment_id)
    return _submit(
        request,
        assignment=assignment,
        page=lambda error, status: render_assignment(request, assignment, error=error, status=status),
    )


def _context(request: SignedInRequest, submission_id: int) -> dict[str, object]:
    submission = submission_get_for_user(user=request.user, submission_id=submission_id)
    run = latest_run(submission)
    feedback, messages_from = feedback_level(
        user=request.user, assignment=submission.assignment, student_id=submission.student_id
    )
    hidden_shown = hidden_tests_shown(
        user=request.user, assignment=submission.assignment, student_id=submission.student_id
    )
    marks = marking.marks_of(submission, for_student=True)
    counted = None
    if marks is not None and submission.assignment is not None:
        cell = counted_scores([submission.assignment], student_id=submission.student_id).get(
            (submission.student_id, submission.assignment.pk)
        )
        counted = cell if cell is not None and cell.submission_id == submission.pk else None
    return {
        "submission": submission,
        "run": run,
        "results": run_feedback(run, level=feedback, hidden_shown=hidden_shown),
        "assignment": submission.assignment,
        "feedback": feedback,
        "messages_from": messages_from,
        "queue_position": queue_position(run) if run is not None and run.status == RunStatus.QUEUED else None,
        "marks": marks,
        "counted": counted,  # released marks: this submission's score for the assignment, when it counts
    }


@login_required
def submission_view(request: SignedInRequest, submission_id: int) -> HttpResponse:
    return render(request, "grading/submission.html", _context(request, submission_id))


@login_required
def submission_result_view(request: SignedInRequest, submission_id: int) -> HttpResponse:
    """The result panel alone; the page polls it until the run is final."""
    return render(request, "grading/_result.html", _context(request, submission_id))
