"""Staff review of submissions: one submission in full (its files and notebooks, every test of every run with
the hidden ones, the run history, the student's output), an assignment's submissions listed, and a zip of each
student's latest or counted submission.

Access: the cohort's staff (courses.selectors.access_cohort_as_staff: 404 for anyone else, staff of another
cohort included); a practice submission (no assignment) only site administrators. Every opening and every
download is written to the audit log. Everything a student wrote is shown as escaped text (web/code_view.py
for files and notebooks; docs/review.md).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.services import record
from core.points import format_points
from core.users import SignedInRequest, User
from courses.models import Assignment, Cohort, Enrolment, FeedbackLevel
from courses.selectors import access_assignment_as_staff, late_penalty
from grading.gradebook import counted_scores, due_dates, penalised_score
from grading.models import GradingRun, Submission, SubmissionFile
from grading.selectors import assignment_submissions, submission_for_staff
from web.code_view import show_file
from web.feedback import Feedback, run_feedback
from web.marking_pages import attach_comments, marking_context
from web.spreadsheet import csv_text

PAGE_SIZE = 100
SPOOL_BYTES = 16 * 1024 * 1024  # a zip larger than this goes to a temporary file on disk
WHICH = ("latest", "best")


def _submission_for_staff(user: User, submission_id: int) -> Submission:
    return submission_for_staff(
        user=user,
        submission_id=submission_id,
        submissions=Submission.objects.select_related(
            "student", "exercise", "exercise_version", "assignment__cohort__course", "assignment__exercise",
            "assignment__exercise_version",
        ),
    )


def _assignment_for_staff(user: User, assignment_id: int) -> tuple[Assignment, Cohort]:
    assignment = access_assignment_as_staff(user=user, assignment_id=assignment_id)
    return assignment, assignment.cohort


def _display_names(assignment: Assignment, user_ids: list[int]) -> dict[int, str]:
    """How the cohort shows each user (a pseudonym unless they show their name); "" for non-members."""
    enrolments = Enrolment.objects.filter(cohort_id=assignment.cohort_id, user_id__in=user_ids).select_related("user")
    return {e.user_id: e.display_name for e in enrolments}


def _due_dates(assignment: Assignment, student_id: int | None = None) -> dict[int, datetime]:
    """Each student's due date where an extension or grace days moved it; absent: the assignment's own."""
    return {student: due for (student, _), due in due_dates([assignment], student_id=student_id).items()}


@dataclass
class RunView:
    run: GradingRun
    feedback: Feedback


@login_required
@require_GET
def submission_review_view(request: SignedInRequest, submission_id: int) -> HttpResponse:
    submission = _submission_for_staff(request.user, submission_id)
    assignment = submission.assignment
    files = [
        show_file(index, f.name, bytes(f.content))
        for index, f in enumerate(SubmissionFile.objects.filter(submission=submission).order_by("name"))
    ]
    runs = submission.runs.select_related("exercise_version").prefetch_related("results").order_by("-created_at", "-pk")
    # Staff see everything: every test with its message, hidden ones by name (marked hidden).
    run_views = [RunView(run, run_feedback(run, level=FeedbackLevel.FULL, hidden_shown=True)) for run in runs]
    context: dict[str, object] = {
        "submission": submission, "assignment": assignment, "files": files, "runs": run_views,
        "student": submission.student, "display_name": "", "late": False, "penalty": 0.0, "due": None,
        "own_score": submission.score, "counted": None,
    }
    if assignment is not None:
        due = _due_dates(assignment, submission.student_id).get(submission.student_id, assignment.due_at)
        penalty = late_penalty(assignment, submission.student_id, submission.created_at, due=due)
        counted = counted_scores([assignment], student_id=submission.student_id, include_unreleased=True)
        context.update(
            cohort=assignment.cohort,
            due=due,
            late=submission.created_at > due,
            penalty=penalty,
            penalty_percent=format_points(Decimal(repr(penalty)) * 100),
            own_score=penalised_score(submission.score, penalty) if submission.score is not None else None,
            counted=counted.get((submission.student_id, assignment.pk)),
            display_name=_display_names(assignment, [submission.student_id]).get(submission.student_id, ""),
        )
    if assignment is not None:
        marks = marking_context(request, submission)
        attach_comments(files, marks["comments_by_anchor"])  # type: ignore[arg-type]
        context.update(marks)
    with transaction.atomic():
        record(
            actor=request.user,
            action="submission.opened",
            target=f"submission {submission.pk} of {submission.student.get_username()}",
            cohort_id=assignment.cohort_id if assignment is not None else None,
        )
    return render(request, "courses/review.html", context)


@dataclass
class SubmissionRow:
    submission: Submission
    status: str
    late: bool
    score: Decimal | None  # after the late penalty
    counts: bool  # the one the gradebook counts
    display_name: str


@login_required
@require_GET
def assignment_submissions_view(request: SignedInRequest, assignment_id: int) -> HttpResponse:
    """Every submission of the assignment, newest first, 100 a page, optionally one student's."""
    assignment, cohort = _assignment_for_staff(request.user, assignment_id)
    student = request.GET.get("student", "").strip()
    submissions = assignment_submissions(assignment, username=student)
    page = Paginator(submissions, PAGE_SIZE).get_page(request.GET.get("page"))
    dues = _due_dates(assignment)
    counted = {cell.submission_id for cell in counted_scores([assignment]).values()}
    shown: list[Submission] = list(page.object_list)
    names = _display_names(assignment, list({s.student_id for s in shown}))
    rows = []
    for submission in shown:
        due = dues.get(submission.student_id, assignment.due_at)
        penalty = late_penalty(assignment, submission.student_id, submission.created_at, due=due)
        rows.append(
            SubmissionRow(
                submission=submission,
                status=getattr(submission, "run_status", None) or "",
                late=submission.created_at > due,
                score=penalised_score(submission.score, penalty) if submission.score is not None else None,
                counts=submission.pk in counted,
                display_name=names.get(submission.student_id, ""),
            )
        )
    students = (
        User.objects.filter(submissions__assignment=assignment).distinct().order_by("username").values_list("username", flat=True)
    )
    return render(
        request,
        "courses/assignment_submissions.html",
        {"assignment": assignment, "cohort": cohort, "page": page, "rows": rows, "student": student, "students": students},
    )


# ------------------------------------------------------------------------------------------- the zip

_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*/\\]')  # and the separators: one part is one name
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def safe_part(name: str, limit: int = 100) -> str:
    """One folder or file name from a student, safe on any system's disk: no control or invisible characters,
    none of Windows' reserved ones, no leading or trailing dots or spaces (so never "." or ".."), not a
    device name; "" when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = _WINDOWS_FORBIDDEN.sub("_", name).strip(" .")[:limit].strip(" .")
    return f"_{name}" if _WINDOWS_DEVICES.match(name) else name


def safe_path(name: str) -> str:
    """A submitted file's name as a relative path inside a student's folder: its folders kept, each part made
    safe, empty and "."/".." parts dropped (so never absolute, never out of the folder), backslashes taken as
    separators; "" when nothing is left."""
    parts = [safe_part(part) for part in re.split(r"[/\\]+", name)]
    return "/".join(part for part in parts if part)


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``... (before its extension) where one is taken (compared ignoring
    case: Windows and macOS disks do)."""
    stem, dot, suffix = name.rpartition(".") if "." in name.rsplit("/", 1)[-1] else (name, "", "")
    candidate, number = name, 1
    while candidate.lower() in used:
        number += 1
        candidate = f"{stem}-{number}{dot}{suffix}"
    used.add(candidate.lower())
    return candidate


def _chosen(assignment: Assignment, which: str) -> list[Submission]:
    """Each student's latest submission (scored or not), or the one the gradebook counts."""
    submissions = Submission.objects.filter(assignment=assignment).select_related("student")
    if which == "latest":
        submissions = submissions.order_by("student_id", "-created_at", "-pk").distinct("student_id")
    else:
        counted = [cell.submission_id for cell in counted_scores([assignment]).values()]
        submissions = submissions.filter(pk__in=[pk for pk in counted if pk is not None])
    return sorted(submissions, key=lambda s: (s.student.get_username(), s.pk))


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    utc = when.astimezone(UTC)
    return (max(utc.year, 1980), utc.month, utc.day, utc.hour, utc.minute, utc.second)


def _write(archive: zipfile.ZipFile, name: str, data: bytes, when: datetime) -> None:
    info = zipfile.ZipInfo(name, date_time=_zip_time(when))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # a plain file, readable: never executable, never a link
    archive.writestr(info, data)


def _build_zip(assignment: Assignment, chosen: list[Submission]) -> tempfile.SpooledTemporaryFile[bytes]:
    buffer: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    used_folders = {"index.csv"}
    folders = {}
    for submission in chosen:
        student = submission.student
        folders[submission.pk] = _unique(safe_part(student.get_username()) or f"user-{student.pk}", used_folders)
    names: dict[int, list[str]] = defaultdict(list)
    by_pk = {s.pk: s for s in chosen}
    with zipfile.ZipFile(buffer, "w") as archive:
        used: dict[int, set[str]] = defaultdict(set)
        files = SubmissionFile.objects.filter(submission_id__in=list(by_pk)).order_by("submission_id", "name")
        for number, file in enumerate(files.iterator(chunk_size=50), 1):
            name = _unique(safe_path(file.name) or f"file-{number}", used[file.submission_id])
            names[file.submission_id].append(name)
            submission = by_pk[file.submission_id]
            _write(archive, f"{folders[submission.pk]}/{name}", bytes(file.content), submission.created_at)
        dues = _due_dates(assignment)
        display = _display_names(assignment, [s.student_id for s in chosen])
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["username", "display name", "email", "submission id", "submitted at (UTC)", "score",
                         "max score", "late", "files"])
        for submission in chosen:
            student = submission.student
            due = dues.get(submission.student_id, assignment.due_at)
            penalty = late_penalty(assignment, submission.student_id, submission.created_at, due=due)
            score = penalised_score(submission.score, penalty) if submission.score is not None else None
            writer.writerow([
                csv_text(student.get_username()),
                csv_text(display.get(submission.student_id, "")),
                csv_text(student.email),
                submission.pk,
                submission.created_at.astimezone(UTC).isoformat(),
                "" if score is None else format_points(score),
                format_points(submission.max_score),
                "yes" if submission.created_at > due else "no",
                csv_text("; ".join(f"{folders[submission.pk]}/{name}" for name in names[submission.pk])),
            ])
        _write(archive, "index.csv", text.getvalue().encode("utf-8"), datetime.now(UTC))
    buffer.seek(0)
    return buffer


@login_required
@require_GET
def assignment_submissions_zip_view(request: SignedInRequest, assignment_id: int) -> HttpResponseBase:
    """Each student's latest (``which=latest``) or counted (``which=best``) submission: a folder per student
    and index.csv."""
    assignment, cohort = _assignment_for_staff(request.user, assignment_id)
    which = request.GET.get("which", "")
    if which not in WHICH:
        return HttpResponseBadRequest(
            "Say which submissions to download: which=latest (each student's newest) or which=best (the one the "
            "gradebook counts).",
            content_type="text/plain; charset=utf-8",
        )
    chosen = _chosen(assignment, which)
    archive = _build_zip(assignment, chosen)
    with transaction.atomic():
        record(
            actor=request.user,
            action="submissions.downloaded",
            target=f"submissions of {assignment}",
            cohort_id=cohort.pk,
            after={"assignment": assignment.pk, "which": which, "submissions": len(chosen)},
        )
    exercise = assignment.exercise.slug.rsplit("/", 1)[-1]
    filename = safe_part(f"{cohort.course.slug}-{cohort.slug}-{exercise}-{which}") + ".zip"
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")
