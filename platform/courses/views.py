"""Pages of courses: my cohorts and assignments, an assignment, its leaderboard; for cohort staff the
gradebook (with charts and a CSV export) and bulk enrolment.

Views stay thin: reads and permission checks come from courses.selectors (`access_*` raise 404 for people
who may not see), writes from the services. The small dataclasses here only gather what a page shows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime

import markdown
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from catalog.models import Exercise
from courses import plots
from courses.forms import LeaderboardNameForm, RosterForm
from courses.models import Assignment, Cohort, Enrolment, ScorePolicy
from courses.selectors import (
    Gradebook,
    GradebookCell,
    access_assignment,
    access_cohort_as_staff,
    cohorts_of,
    gradebook,
    is_cohort_staff,
    leaderboard,
)
from courses.services import (
    Attempts,
    attempts_for,
    effective_cutoff,
    effective_due,
    enrol_from_csv,
    enrolment_get,
    late_penalty,
)
from grading.models import Submission
from grading.selectors import submissions_visible_to
from grading.services import SubmissionRejected, submission_create
from grading.throttles import check_submission_rate
from grading.uploads import read_uploads

# ----------------------------------------------------------------------------------------- students


@dataclass
class AssignmentStatus:
    """One assignment as one student sees it: their deadlines, attempts and score."""

    assignment: Assignment
    opens_at: datetime
    due_at: datetime  # with the student's extension, if any
    extended: bool
    cutoff_at: datetime | None  # late work is refused after this (None: never)
    attempts: Attempts
    score: float | None  # best (or latest) after the late penalty, as the gradebook counts it
    state: str  # upcoming, open, late (accepted with a penalty) or closed

    @property
    def attempts_text(self) -> str:
        a = self.attempts
        parts = []
        if a.per_day is not None:
            parts.append(f"{max(0, a.per_day - a.used_today)} of {a.per_day} today")
        if a.cap is not None:
            parts.append(f"{max(0, a.cap - a.used_total)} of {a.cap} in total")
        return ", ".join(parts) if parts else "unlimited"


def student_score(assignment: Assignment, student_id: int) -> float | None:
    """The score that counts, as courses.selectors.gradebook computes it for the whole cohort."""
    counted: float | None = None
    scored = (
        Submission.objects.filter(assignment=assignment, student_id=student_id, score__isnull=False)
        .exclude(runs__status="not_gradable")  # as the gradebook: not loaded, not a result
        .order_by("created_at", "pk")
        .values_list("score", "created_at")
    )
    for score, created_at in scored:
        penalised = score * (1 - late_penalty(assignment, student_id, created_at))
        if assignment.score_policy == ScorePolicy.LATEST or counted is None or penalised > counted:
            counted = penalised
    return counted


def assignment_status(assignment: Assignment, student_id: int, now: datetime | None = None) -> AssignmentStatus:
    now = now or timezone.now()
    due = effective_due(assignment, student_id)
    cutoff = effective_cutoff(assignment, student_id)
    if now < assignment.opens_at:
        state = "upcoming"
    elif now <= due:
        state = "open"
    elif cutoff is None or now <= cutoff:
        state = "late"
    else:
        state = "closed"
    return AssignmentStatus(
        assignment=assignment,
        opens_at=assignment.opens_at,
        due_at=due,
        extended=due != assignment.due_at,
        cutoff_at=cutoff,
        attempts=attempts_for(assignment, student_id, now),
        score=student_score(assignment, student_id),
        state=state,
    )


def my_assignments(user) -> list[tuple[Enrolment, list[AssignmentStatus]]]:  # type: ignore[no-untyped-def]
    """My cohorts, each with its assignments as I see them."""
    now = timezone.now()
    result = []
    for enrolment in cohorts_of(user):
        assignments = Assignment.objects.filter(cohort_id=enrolment.cohort_id).select_related(
            "exercise", "exercise_version", "cohort__course"
        )
        result.append((enrolment, [assignment_status(a, user.pk, now) for a in assignments]))
    return result


def _courses_page(request: HttpRequest, *, bad_form: LeaderboardNameForm | None = None, status: int = 200) -> HttpResponse:
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
def courses_view(request: HttpRequest) -> HttpResponse:
    return _courses_page(request)


@login_required
@require_POST
def leaderboard_name_view(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Set my pseudonym and whether leaderboards show my real name, for one enrolment of mine."""
    enrolment = enrolment_get(cohort_id=cohort_id, user=request.user)
    if enrolment is None:
        raise Http404("No such cohort.")
    form = LeaderboardNameForm(request.POST, instance=enrolment, prefix=f"e{enrolment.pk}")
    if not form.is_valid():
        return _courses_page(request, bad_form=form, status=400)
    form.save()
    return redirect(f"{reverse('courses')}#cohort-{cohort_id}")


def _statement(exercise: Exercise) -> SafeString:
    # As catalog.views.render_exercise: statements are written by course staff (trusted files).
    return mark_safe(markdown.markdown(exercise.statement_md, extensions=["fenced_code", "tables"]))  # noqa: S308


def render_assignment(
    request: HttpRequest, assignment: Assignment, *, error: str = "", status: int = 200
) -> HttpResponse:
    """The exercise page (catalog/exercise.html) with the assignment's rules, its submit form and my
    submissions for it."""
    submissions = list(
        submissions_visible_to(request.user).filter(assignment=assignment, student=request.user)[:20]
    )
    for submission in submissions:
        submission.penalty = late_penalty(assignment, request.user.pk, submission.created_at)  # type: ignore[attr-defined]
    return render(
        request,
        "catalog/exercise.html",
        {
            "exercise": assignment.exercise,
            "statement": _statement(assignment.exercise),
            "submissions": submissions,
            "error": error,
            "assignment": assignment,
            "standing": assignment_status(assignment, request.user.pk),
            "staff_view": is_cohort_staff(request.user, assignment.cohort_id),
        },
        status=status,
    )


@login_required
def assignment_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    return render_assignment(request, access_assignment(user=request.user, assignment_id=assignment_id))


@login_required
@require_POST
def assignment_submit_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = access_assignment(user=request.user, assignment_id=assignment_id)
    try:
        check_submission_rate(request)
        uploads = read_uploads(request.FILES.getlist("files"))
        submission = submission_create(
            student=request.user, exercise=assignment.exercise, uploads=uploads, assignment=assignment
        )
    except SubmissionRejected as exc:
        return render_assignment(request, assignment, error=str(exc), status=getattr(exc, "status", 400))
    return redirect("submission", submission_id=submission.pk)


@login_required
def leaderboard_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = access_assignment(user=request.user, assignment_id=assignment_id)
    rows, ranked_by = leaderboard(assignment=assignment, viewer=request.user)
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


# ----------------------------------------------------------------------------------------- feedback

# How much of a result a student sees, by the assignment's feedback_visibility (staff always see all). Used by
# the submission page (grading.views) and the courses API.
# ----------------------------------------------------------------------------------------- staff


@dataclass
class GradebookColumn:
    assignment: Assignment
    max_score: float
    mean: float | None
    count: int
    histogram: SafeString
    failures: SafeString


@dataclass
class GradebookRow:
    enrolment: Enrolment
    cells: list[GradebookCell]
    total: float


def _rows(book: Gradebook) -> list[GradebookRow]:
    rows = []
    for enrolment in book.students:
        cells = book.row(enrolment)
        rows.append(GradebookRow(enrolment, cells, sum(c.score or 0.0 for c in cells)))
    return rows


def _columns(book: Gradebook, rows: list[GradebookRow], *, charts: bool) -> list[GradebookColumn]:
    columns = []
    for index, assignment in enumerate(book.assignments):
        # Only the enrolled students' cells: staff test submissions and former students stay out of the mean.
        scores = [row.cells[index].score for row in rows if row.cells[index].score is not None]
        max_score = assignment.max_score
        title = assignment.exercise.title
        histogram = failures = SafeString("")
        if charts:
            # plots.py escapes every label it writes, so its SVG may be inserted as it is.
            histogram = mark_safe(  # noqa: S308
                plots.histogram_svg(scores, max_value=max_score, title=f"Scores: {title}")  # type: ignore[arg-type]
            )
            failures = mark_safe(  # noqa: S308
                plots.bar_chart_svg(
                    book.failed_tests.get(assignment.pk, {}).most_common(8),  # type: ignore[union-attr]
                    title=f"Most-failed tests: {title}",
                )
            )
        columns.append(
            GradebookColumn(
                assignment=assignment,
                max_score=max_score,
                mean=sum(scores) / len(scores) if scores else None,  # type: ignore[arg-type]
                count=len(scores),
                histogram=histogram,
                failures=failures,
            )
        )
    return columns


@login_required
def gradebook_view(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    book = gradebook(cohort=cohort)
    rows = _rows(book)
    return render(
        request,
        "courses/gradebook.html",
        {"cohort": cohort, "rows": rows, "columns": _columns(book, rows, charts=True)},
    )


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula (pseudonyms are chosen by students)."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def _csv_number(value: float | None) -> str:
    return "" if value is None else f"{round(value, 2):g}"


@login_required
def gradebook_csv_view(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    book = gradebook(cohort=cohort)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{cohort.course.slug}-{cohort.slug}-gradebook.csv"'
    writer = csv.writer(response)
    writer.writerow(["username", "display name", *(a.exercise.slug for a in book.assignments), "total"])
    for row in _rows(book):
        writer.writerow(
            [
                _csv_text(row.enrolment.user.get_username()),
                _csv_text(row.enrolment.display_name),
                *(_csv_number(cell.score) for cell in row.cells),
                _csv_number(row.total),
            ]
        )
    return response


@login_required
def enrol_view(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Bulk enrolment from a CSV roster: every line is enrolled, or none."""
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    error, result, status = "", None, 200
    form = RosterForm()
    if request.method == "POST":
        form = RosterForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = enrol_from_csv(cohort=cohort, text=form.cleaned_data["roster"])
            except ValueError as exc:
                error = f"Nobody was enrolled: {exc}."
        else:
            error = " ".join(message for messages in form.errors.values() for message in messages)
        if error:
            status = 400
    roster = Enrolment.objects.filter(cohort=cohort).select_related("user").order_by("role", "user__username")
    return render(
        request,
        "courses/enrol.html",
        {"cohort": cohort, "form": form, "error": error, "result": result, "roster": roster},
        status=status,
    )
