"""Pages for cohort staff: the gradebook (with charts and a CSV export) and bulk enrolment from a roster.

Every page checks that the user teaches the cohort (courses.selectors.access_cohort_as_staff: 404 otherwise).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe

from core.points import format_points
from core.users import SignedInRequest
from courses.forms import RosterForm
from courses.models import Assignment, Cohort, Enrolment
from courses.roles import cohort_role
from courses.roster import RosterRejected, enrol_roster
from courses.selectors import access_cohort_as_staff, cohort_roster
from grading.gradebook import Gradebook, GradebookCell, gradebook
from web import plots
from web.spreadsheet import csv_text


@dataclass(frozen=True)
class Milestone:
    """One milestone of a project assignment (a grader question marked ``"milestone": True``)."""

    name: str
    title: str
    max_score: Decimal


@dataclass(frozen=True)
class MilestoneScore:
    milestone: Milestone
    score: Decimal | None  # the counted submission's subtotal, as graded; None: nothing graded yet


@dataclass
class GradebookColumn:
    assignment: Assignment
    max_score: Decimal
    mean: Decimal | None
    count: int
    histogram: SafeString
    failures: SafeString
    milestones: tuple[Milestone, ...] = ()


@dataclass
class GradebookRow:
    enrolment: Enrolment
    cells: list[GradebookCell]
    total: Decimal
    milestones: list[list[MilestoneScore]] = field(default_factory=list)  # per cell, that assignment's milestones

    @property
    def items(self) -> list[tuple[GradebookCell, list[MilestoneScore]]]:
        """Each cell with its milestones (empty for an assignment that is not a project)."""
        return list(zip(self.cells, self.milestones or [[] for _ in self.cells], strict=True))


def milestones_of(assignment: Assignment) -> tuple[Milestone, ...]:
    manifest = assignment.exercise_version.manifest
    return tuple(
        Milestone(q.name, q.title or q.name, manifest.question_max(q)) for q in manifest.questions if q.milestone
    )


def gradebook_rows(book: Gradebook) -> list[GradebookRow]:
    """One row per enrolled student, with their total (the page, the CSV and the staff API's gradebook)."""
    rows = []
    projects = [milestones_of(assignment) for assignment in book.assignments]
    for enrolment in book.students:
        cells = book.row(enrolment)
        milestones = [
            [MilestoneScore(m, cell.questions.get(m.name) if cell.score is not None else None) for m in project]
            for cell, project in zip(cells, projects, strict=True)
        ]
        rows.append(
            GradebookRow(enrolment, cells, sum((c.score or Decimal(0) for c in cells), Decimal(0)), milestones)
        )
    return rows


def _columns(book: Gradebook, rows: list[GradebookRow], *, charts: bool) -> list[GradebookColumn]:
    columns = []
    for index, assignment in enumerate(book.assignments):
        # Only the enrolled students' cells: staff test submissions and former students stay out of the mean.
        scores = [score for row in rows if (score := row.cells[index].score) is not None]
        max_score = assignment.max_score
        title = assignment.exercise.title
        histogram = failures = SafeString("")
        if charts:
            # plots.py escapes every label it writes, so its SVG may be inserted as it is.
            histogram = mark_safe(  # noqa: S308
                plots.histogram_svg([float(s) for s in scores], max_value=float(max_score), title=f"Scores: {title}")
            )
            failures = mark_safe(  # noqa: S308
                plots.bar_chart_svg(
                    book.failed_tests.get(assignment.pk, Counter()).most_common(8),
                    title=f"Most-failed tests: {title}",
                )
            )
        columns.append(
            GradebookColumn(
                assignment=assignment,
                max_score=max_score,
                mean=sum(scores, Decimal(0)) / len(scores) if scores else None,
                count=len(scores),
                histogram=histogram,
                failures=failures,
                milestones=milestones_of(assignment),
            )
        )
    return columns


@login_required
def gradebook_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    book = gradebook(cohort=cohort)
    rows = gradebook_rows(book)
    return render(
        request,
        "courses/gradebook.html",
        {"cohort": cohort, "rows": rows, "columns": _columns(book, rows, charts=True)},
    )


def _csv_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula in any locale (pseudonyms are chosen by students)."""
    return csv_text(value)


def _csv_number(value: Decimal | None) -> str:
    return "" if value is None else format_points(value)


@login_required
def gradebook_csv_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    return gradebook_csv(access_cohort_as_staff(user=request.user, cohort_id=cohort_id))


def gradebook_csv(cohort: Cohort) -> HttpResponse:
    """The cohort's gradebook as a CSV download (this page's and the staff API's gradebook.csv)."""
    book = gradebook(cohort=cohort)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{cohort.course.slug}-{cohort.slug}-gradebook.csv"'
    writer = csv.writer(response)
    # Each assignment's score (after any late penalty), then its questions' subtotals as graded.
    questions = [[q.name for q in a.exercise_version.manifest.questions] for a in book.assignments]
    header = ["username", "display name"]
    for assignment, names in zip(book.assignments, questions, strict=True):
        header += [assignment.exercise.slug, *(f"{assignment.exercise.slug}: {name}" for name in names)]
    writer.writerow([_csv_text(h) for h in [*header, "total"]])
    for row in gradebook_rows(book):
        cells = []
        for cell, names in zip(row.cells, questions, strict=True):
            cells += [_csv_number(cell.score), *(_csv_number(cell.questions.get(name)) for name in names)]
        writer.writerow(
            [_csv_text(row.enrolment.user.get_username()), _csv_text(row.enrolment.display_name), *cells,
             _csv_number(row.total)]
        )
    return response


@login_required
def enrol_view(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    """Bulk enrolment from a CSV roster: every line is checked, then enrolled, or none (courses.roster). TAs
    enrol students; instructors anyone (courses.roles)."""
    cohort = access_cohort_as_staff(user=request.user, cohort_id=cohort_id)
    error, problems, result, status = "", [], None, 200
    form = RosterForm()
    if request.method == "POST":
        form = RosterForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = enrol_roster(cohort=cohort, actor=request.user, text=form.cleaned_data["roster"])
            except RosterRejected as exc:
                error, problems = exc.message, exc.problems
        else:
            error = " ".join(str(message) for messages in form.errors.values() for message in messages)
        if error:
            status = 400
    roster = cohort_roster(cohort)
    return render(
        request,
        "courses/enrol.html",
        {
            "cohort": cohort, "form": form, "error": error, "problems": problems, "result": result,
            "roster": roster, "role": cohort_role(request.user, cohort.pk),
        },
        status=status,
    )
