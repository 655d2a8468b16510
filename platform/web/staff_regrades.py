"""Regrades from the browser: a submission (any of its cohort's staff), an assignment (its instructors), every
submission of an exercise across cohorts (site administrators); pages that follow the runs and compare each
with the submission's previous result test by test; and students' regrade requests with the staff's queue.

Who may: courses.selectors.access_cohort_as_staff (404 for anyone not on the cohort's staff), is_instructor for
an assignment's regrade (a teaching assistant gets a 403 page), ``user.is_staff`` for a practice submission and
an exercise-wide regrade (404 for everyone else). The services (grading.regrade, grading.regrade_requests)
write the audit log in the same transaction as the change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from catalog.models import Exercise
from core.errors import UserError
from core.users import SignedInRequest, User
from courses.models import Assignment, Cohort
from courses.roles import is_instructor
from courses.selectors import (
    access_assignment_as_staff,
    access_cohort_as_staff,
    feedback_level,
    hidden_tests_shown,
)
from grading.models import (
    REGRADE_ANSWER_MAX,
    GradingRun,
    RegradeBatch,
    RegradeRequest,
    RegradeVersion,
    RunStatus,
    Submission,
)
from grading.regrade import (
    RunDiff,
    batch_progress,
    batch_rows,
    regrade_batch_start,
    regrade_submission,
    run_diff,
)
from grading.regrade_requests import regrade_request_answer, regrade_request_create, requests_for_cohort
from grading.selectors import latest_run, submission_get_for_user
from web import submissions
from web.feedback import run_feedback


def review_path(submission_id: int) -> str:
    """The staff's review page of a submission (web/staff_review.py)."""
    return f"/submissions/{submission_id}/review/"


def _submission_as_staff(user: User, submission_id: int) -> tuple[Submission, Cohort | None]:
    """A submission its cohort's staff may regrade (a practice one: site administrators only); 404 otherwise."""
    submission = (
        Submission.objects.select_related(
            "student", "exercise__current_version", "assignment__cohort__course", "assignment__exercise_version"
        )
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise Http404("No such submission.")
    if submission.assignment is None:
        if not user.is_staff:
            raise Http404("No such submission.")
        return submission, None
    return submission, access_cohort_as_staff(user=user, cohort_id=submission.assignment.cohort_id)


def _regrade_run_as_staff(user: User, run_id: int) -> tuple[GradingRun, Submission, Cohort | None]:
    run = GradingRun.objects.select_related("exercise_version").filter(pk=run_id, is_regrade=True).first()
    if run is None:
        raise Http404("No such regrade.")
    submission, cohort = _submission_as_staff(user, run.submission_id)
    return run, submission, cohort


def _batch_as_staff(user: User, batch_id: int) -> tuple[RegradeBatch, Cohort | None]:
    """An assignment's batch: its cohort's staff (teaching assistants may follow it); exercise-wide: site
    administrators. 404 for everyone else."""
    batch = (
        RegradeBatch.objects.select_related("exercise", "assignment__cohort__course", "requested_by", "exercise_version")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        raise Http404("No such regrade.")
    if batch.assignment is None:
        if not user.is_staff:
            raise Http404("No such regrade.")
        return batch, None
    return batch, access_cohort_as_staff(user=user, cohort_id=batch.assignment.cohort_id)


def _run_progress_text(run: GradingRun) -> str:
    if run.status == RunStatus.QUEUED:
        return "Queued: waiting for a free grader."
    if run.status == RunStatus.RUNNING:
        return f"Running the tests: {run.tests_done} of {run.tests_total} done."
    return f"Finished: {run.get_status_display()}."


# ------------------------------------------------------------------------------ one submission


@login_required
def submission_regrade_view(request: SignedInRequest, submission_id: int) -> HttpResponse:
    """GET: the form; POST: a regrade run of the submission with the version it is graded with now."""
    submission, cohort = _submission_as_staff(request.user, submission_id)
    context = {
        "kind": "submission", "submission": submission, "cohort": cohort, "review_url": review_path(submission.pk),
        "never_lower": True,
    }
    if request.method == "POST":
        try:
            run = regrade_submission(
                actor=request.user, submission=submission, never_lower="never_lower" in request.POST
            )
        except UserError as exc:
            return render(request, "grading/regrade_form.html", {**context, "error": exc.message}, status=exc.status)
        return redirect("regrade_run", run_id=run.pk)
    return render(request, "grading/regrade_form.html", context)


@login_required
def regrade_run_view(request: SignedInRequest, run_id: int) -> HttpResponse:
    run, submission, cohort = _regrade_run_as_staff(request.user, run_id)
    diff: RunDiff = run_diff(run)
    return render(
        request,
        "grading/regrade_run.html",
        {
            "run": run, "submission": submission, "cohort": cohort, "diff": diff,
            "progress_text": _run_progress_text(run), "review_url": review_path(submission.pk),
        },
    )


@login_required
def regrade_run_status_view(request: SignedInRequest, run_id: int) -> JsonResponse:
    """What the regrade page polls (static/gradient/regrade.js) until the run is final."""
    run, _, _ = _regrade_run_as_staff(request.user, run_id)
    return JsonResponse(
        {
            "status": run.status, "final": run.is_final, "done": run.tests_done, "total": run.tests_total,
            "text": _run_progress_text(run),
        }
    )


# ------------------------------------------------------------------------------ batches


def _batch_form(
    request: SignedInRequest,
    *,
    kind: str,
    cohort: Cohort | None,
    assignment: Assignment | None = None,
    exercise: Exercise,
) -> HttpResponse:
    submissions_qs = Submission.objects.filter(exercise=exercise)
    if assignment is not None:
        submissions_qs = submissions_qs.filter(assignment=assignment)
    context = {
        "kind": kind, "cohort": cohort, "assignment": assignment, "exercise": exercise,
        "count": submissions_qs.count(), "versions": RegradeVersion.choices, "chosen": RegradeVersion.SAME.value,
        "never_lower": True,
    }
    if request.method == "POST":
        version = request.POST.get("version", "")
        never_lower = "never_lower" in request.POST
        try:
            batch = regrade_batch_start(
                actor=request.user, version=version, never_lower=never_lower, assignment=assignment, exercise=exercise
            )
        except UserError as exc:
            context |= {"error": exc.message, "chosen": version, "never_lower": never_lower}
            return render(request, "grading/regrade_form.html", context, status=exc.status)
        return redirect("regrade_batch", batch_id=batch.pk)
    return render(request, "grading/regrade_form.html", context)


@login_required
def assignment_regrade_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    """Every submission of an assignment, for its cohort's instructors (a TA: 403)."""
    assignment = access_assignment_as_staff(user=request.user, assignment_id=assignment_id)
    cohort = assignment.cohort
    if not is_instructor(request.user, cohort.pk):
        return render(
            request,
            "grading/regrade_form.html",
            {"kind": "assignment", "cohort": cohort, "assignment": assignment, "exercise": assignment.exercise,
             "refused": "Only the cohort's instructors regrade a whole assignment; regrade one submission from its review page."},
            status=403,
        )
    return _batch_form(request, kind="assignment", cohort=cohort, assignment=assignment, exercise=assignment.exercise)


@login_required
def exercise_regrade_view(request: SignedInRequest, slug: str) -> HttpResponse:
    """Every submission of an exercise across cohorts, practice included: site administrators only (404)."""
    exercise = Exercise.objects.select_related("current_version").filter(slug=slug).first()
    if exercise is None or not request.user.is_staff:
        raise Http404("No such exercise.")
    return _batch_form(request, kind="exercise", cohort=None, exercise=exercise)


@login_required
def regrade_batch_view(request: SignedInRequest, batch_id: int) -> HttpResponse:
    batch, cohort = _batch_as_staff(request.user, batch_id)
    return render(
        request,
        "grading/regrade_batch.html",
        {"batch": batch, "cohort": cohort, "progress": batch_progress(batch), "rows": batch_rows(batch)},
    )


@login_required
def regrade_batch_status_view(request: SignedInRequest, batch_id: int) -> JsonResponse:
    batch, _ = _batch_as_staff(request.user, batch_id)
    progress = batch_progress(batch)
    return JsonResponse(
        {
            "final": progress.final, "done": progress.done, "total": progress.total,
            "text": f"{progress.done} of {progress.total} runs finished.",
        }
    )


# ------------------------------------------------------------------------------ regrade requests


def _queue(request: SignedInRequest, cohort: Cohort, *, error: str = "", error_for: int | None = None,
           status: int = 200) -> HttpResponse:
    open_requests, answered = requests_for_cohort(cohort.pk)
    return render(
        request,
        "grading/regrade_requests.html",
        {"cohort": cohort, "open_requests": open_requests, "answered": answered, "error": error,
         "error_for": error_for, "answer": request.POST.get("answer", "") if error else "",
         "answer_max": REGRADE_ANSWER_MAX},
        status=status,
    )


@login_required
def regrade_requests_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    """The cohort's regrade requests for any of its staff: open ones first, then the answered."""
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    return _queue(request, cohort)


@login_required
@require_POST
def regrade_request_answer_view(request: SignedInRequest, request_id: int) -> HttpResponse:
    regrade_request = (
        RegradeRequest.objects.select_related("submission__assignment").filter(pk=request_id).first()
    )
    assignment = regrade_request.submission.assignment if regrade_request else None
    cohort = access_cohort_as_staff(user=request.user, cohort_id=assignment.cohort_id if assignment else 0)
    assert regrade_request is not None
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("accept", "reject"):
            raise UserError("Choose to accept or to reject the request.")
        regrade_request_answer(
            actor=request.user,
            request_id=regrade_request.pk,
            accept=decision == "accept",
            answer=request.POST.get("answer", ""),
            start_regrade="regrade" in request.POST,
            never_lower="never_lower" in request.POST,
        )
    except UserError as exc:
        return _queue(request, cohort, error=exc.message, error_for=regrade_request.pk, status=exc.status)
    return redirect(f"{reverse('regrade_requests', args=[cohort.pk])}#request-{regrade_request.pk}")


@login_required
@require_POST
def regrade_request_create_view(request: SignedInRequest, submission_id: int) -> HttpResponse:
    """A student asks for one test of their own assignment submission to be looked at again. The test is
    named as their page names it (web.feedback: a hidden test by its position), and mapped back here."""
    submission = submission_get_for_user(user=request.user, submission_id=submission_id)
    if submission.student_id != request.user.pk:
        raise Http404("No such submission.")  # a site administrator's view of someone else's work
    run = latest_run(submission)
    shown = request.POST.get("test", "")
    reason = request.POST.get("reason", "")
    test_name = ""
    if run is not None and run.is_final:
        level, _ = feedback_level(user=request.user, assignment=submission.assignment, student_id=submission.student_id)
        hidden_shown = hidden_tests_shown(
            user=request.user, assignment=submission.assignment, student_id=submission.student_id
        )
        rows = run_feedback(run, level=level, hidden_shown=hidden_shown).tests
        # run_feedback lists every result in order (or none at all): the n-th row is the n-th result.
        names = dict(zip([row.name for row in rows], run.results.values_list("name", flat=True), strict=False))
        test_name = names.get(shown, "")
    try:
        if run is not None and run.is_final and not test_name:
            raise UserError("Choose one of the tests your page shows.", field="test")
        regrade_request_create(
            student=request.user, submission=submission, run=run, test_name=test_name, test_shown_as=shown,
            reason=reason,
        )
    except UserError as exc:
        context = submissions._context(request, submission_id)
        context |= {"regrade_error": exc.message, "regrade_test": shown, "regrade_reason": reason}
        return render(request, "grading/submission.html", context, status=exc.status)
    return redirect(f"{reverse('submission', args=[submission.pk])}#regrade-requests")


urlpatterns = [
    # Before exercises/<path:slug>/, which would take "…/regrade" for part of a slug.
    path("exercises/<path:slug>/regrade/", exercise_regrade_view, name="regrade_exercise"),
    path("submissions/<int:submission_id>/regrade/", submission_regrade_view, name="regrade_submission"),
    path("regrades/runs/<int:run_id>/", regrade_run_view, name="regrade_run"),
    path("regrades/runs/<int:run_id>/status/", regrade_run_status_view, name="regrade_run_status"),
    path("assignments/<int:assignment_id>/regrade/", assignment_regrade_view, name="regrade_assignment"),
    path("regrades/<int:batch_id>/", regrade_batch_view, name="regrade_batch"),
    path("regrades/<int:batch_id>/status/", regrade_batch_status_view, name="regrade_batch_status"),
    path("cohorts/<int:cohort_id>/regrade-requests/", regrade_requests_view, name="regrade_requests"),
    path("regrade-requests/<int:request_id>/answer/", regrade_request_answer_view, name="regrade_request_answer"),
    path(
        "submissions/<int:submission_id>/regrade-requests/", regrade_request_create_view, name="regrade_request_create"
    ),
]
