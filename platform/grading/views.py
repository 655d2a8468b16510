"""Pages: submit through the form, watch the run, read the feedback."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalog.selectors import exercise_get_active
from catalog.views import render_exercise
from courses.selectors import TOTAL, feedback_level
from grading.selectors import latest_run, queue_position, submission_get_for_user
from grading.services import SubmissionRejected, submission_create
from grading.throttles import check_submission_rate
from grading.uploads import read_uploads


@login_required
@require_POST
def submit_view(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = exercise_get_active(slug=slug)
    try:
        check_submission_rate(request)
        uploads = read_uploads(request.FILES.getlist("files"))
        submission = submission_create(student=request.user, exercise=exercise, uploads=uploads)
    except SubmissionRejected as exc:
        return render_exercise(request, exercise, error=str(exc), status=getattr(exc, "status", 400))
    return redirect("submission", submission_id=submission.pk)


def _context(request: HttpRequest, submission_id: int) -> dict[str, object]:
    submission = submission_get_for_user(user=request.user, submission_id=submission_id)
    run = latest_run(submission)
    feedback, messages_from = feedback_level(user=request.user, submission=submission)
    results = list(run.results.all()) if run is not None and run.is_final and feedback != TOTAL else []
    return {
        "submission": submission,
        "run": run,
        "results": results,
        "assignment": submission.assignment,
        "feedback": feedback,
        "messages_from": messages_from,
        "queue_position": queue_position(run) if run is not None and run.status == "queued" else None,
    }


@login_required
def submission_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    return render(request, "grading/submission.html", _context(request, submission_id))


@login_required
def submission_result_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The result panel alone; the page polls it until the run is final."""
    return render(request, "grading/_result.html", _context(request, submission_id))
