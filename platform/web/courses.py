"""Pages of courses for students: my cohorts and assignments, an assignment, its leaderboard, and the name I
show on leaderboards. (Staff pages: web/staff.py.)

Reads and permission checks come from the selectors (`access_*` raise 404 for people who may not see).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog.selectors import version_support_sizes
from core.users import SignedInRequest
from courses.forms import LeaderboardNameForm
from courses.models import Assignment, Cohort
from courses.selectors import DAY, access_assignment, cohorts_of, enrolment_get, is_cohort_staff, late_penalty
from grading.gradebook import assignment_status, my_assignments
from grading.leaderboards import assignment_leaderboard
from grading.selectors import submissions_visible_to
from web.roadmap import starter_response, statement_html, support_file_response


def _courses_page(request: SignedInRequest, *, bad_form: LeaderboardNameForm | None = None, status: int = 200) -> HttpResponse:
    cohorts = []
    for enrolment, rows in my_assignments(request.user):
        if bad_form is not None and bad_form.instance.pk == enrolment.pk:
            form = bad_form
        else:
            form = LeaderboardNameForm(instance=enrolment, prefix=f"e{enrolment.pk}")
        cohorts.append({"enrolment": enrolment, "rows": rows, "form": form})
    teaching: dict[int, Cohort] = {
        e.cohort_id: e.cohort for e in cohorts_of(request.user) if e.is_staff_role
    }
    if request.user.is_staff:
        teaching.update({c.pk: c for c in Cohort.objects.select_related("course")})
    return render(
        request,
        "courses/courses.html",
        {"cohorts": cohorts, "teaching": sorted(teaching.values(), key=lambda c: (c.course.title, c.name))},
        status=status,
    )


@login_required
def courses_view(request: SignedInRequest) -> HttpResponse:
    return _courses_page(request)


@login_required
@require_POST
def leaderboard_name_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    """Set my pseudonym and whether leaderboards show my real name, for one enrolment of mine."""
    enrolment = enrolment_get(cohort_id=cohort_id, user=request.user)
    if enrolment is None:
        raise Http404("No such cohort.")
    form = LeaderboardNameForm(request.POST, instance=enrolment, prefix=f"e{enrolment.pk}")
    if not form.is_valid():
        return _courses_page(request, bad_form=form, status=400)
    form.save()
    return redirect(f"{reverse('courses')}#cohort-{cohort_id}")


def render_assignment(
    request: SignedInRequest, assignment: Assignment, *, error: str = "", status: int = 200
) -> HttpResponse:
    """The exercise page (catalog/exercise.html) with the assignment's rules, its submit form and my
    submissions for it."""
    submissions = list(
        submissions_visible_to(request.user).filter(assignment=assignment, student=request.user)[:20]
    )
    standing = assignment_status(assignment, request.user.pk)
    due = standing.due_at + standing.grace_days * DAY  # grace days charged move it as the gradebook does
    for submission in submissions:
        # For the template only: each listed submission carries its late penalty (not a model field).
        submission.penalty = late_penalty(assignment, request.user.pk, submission.created_at, due=due)  # type: ignore[attr-defined]
    return render(
        request,
        "catalog/exercise.html",
        {
            "exercise": assignment.exercise,
            "statement": statement_html(assignment.exercise, assignment.exercise_version),
            "submissions": submissions,
            "error": error,
            "assignment": assignment,
            "standing": standing,
            "staff_view": is_cohort_staff(request.user, assignment.cohort_id),
            # The support files of the version this assignment grades with (it may be pinned to an older one).
            "support_files": version_support_sizes(assignment.exercise_version),
        },
        status=status,
    )


@login_required
def assignment_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    return render_assignment(request, access_assignment(user=request.user, assignment_id=assignment_id))


@login_required
def assignment_file_view(request: SignedInRequest, assignment_id: int, name: str) -> FileResponse:
    """A support file of the version the assignment grades with."""
    assignment = access_assignment(user=request.user, assignment_id=assignment_id)
    return support_file_response(assignment.exercise_version, name)


@login_required
def assignment_starter_view(request: SignedInRequest, assignment_id: int) -> FileResponse:
    """The starter of the version the assignment grades with (it may be pinned to an older one)."""
    assignment = access_assignment(user=request.user, assignment_id=assignment_id)
    return starter_response(assignment.exercise, assignment.exercise_version)


@login_required
def leaderboard_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    assignment = access_assignment(user=request.user, assignment_id=assignment_id)
    rows, ranked_by = assignment_leaderboard(assignment=assignment, viewer=request.user)
    return render(
        request,
        "courses/leaderboard.html",
        {
            "assignment": assignment,
            "rows": rows,
            "ranked_by": ranked_by,
            "metric": assignment.exercise.leaderboard_metric,
            "revealed": timezone.now() >= assignment.due_at,
        },
    )
