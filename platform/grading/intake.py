"""Taking in a submission: one flow for the web form and the API, for practice and for assignments.

The upload is checked first; then the submission, its files and a queued run are stored in ONE transaction,
and the run is sent to the workers only once that transaction has committed. Whatever is refused raises a
UserError (SubmissionRejected, or courses' AssignmentClosed) with the sentence to show; nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from catalog.models import Exercise
from core.errors import UserError
from core.users import User
from courses.models import Assignment
from courses.selectors import exercise_is_assigned_to
from courses.services import AssignmentClosed, assignment_check_open
from grading import alerts, dispatch
from grading.models import GradingRun, Submission, SubmissionFile
from grading.selectors import attempts_for
from sandbox import NotGradable, load_submission


class SubmissionRejected(UserError):
    """The upload is not acceptable (wrong name, too large, broken notebook); nothing was stored."""

    field = "files"


def submit(
    *, student: User, files: Sequence[UploadedFile], exercise: Exercise | None = None, assignment: Assignment | None = None
) -> Submission:
    """Submit uploaded files for practice on `exercise`, or to `assignment`: what every submit view calls."""
    if assignment is not None:
        exercise = assignment.exercise
    if exercise is None:
        raise SubmissionRejected("Say which exercise or assignment this is for.", field="exercise")
    return submission_create(student=student, exercise=exercise, uploads=read_uploads(files), assignment=assignment)


def read_uploads(files: Sequence[UploadedFile]) -> dict[str, bytes]:
    """The uploaded files as bytes, refusing an oversized body before reading it."""
    if not files:
        raise SubmissionRejected("Choose a file to submit.")
    limit = settings.SANDBOX.max_upload_bytes
    if sum(f.size or 0 for f in files) > limit:
        raise SubmissionRejected(f"The upload is larger than {limit // 1024} KiB.")
    uploads: dict[str, bytes] = {}
    for upload in files:
        name = upload.name or "upload"
        if name in uploads:
            raise SubmissionRejected(f"The file {name} was chosen twice.")
        uploads[name] = upload.read(limit + 1)
    return uploads


def submission_create(
    *, student: User, exercise: Exercise, uploads: dict[str, bytes], assignment: Assignment | None = None
) -> Submission:
    """Check the upload, then store the submission, its files and a queued run in ONE transaction; the
    grading task is sent only after that transaction commits. With an assignment, its rules (enrolment,
    dates, attempts) are checked inside that transaction."""
    if assignment is not None and assignment.exercise_id != exercise.pk:
        raise SubmissionRejected("This file is for another exercise than the assignment's.")
    if assignment is None and not exercise.listed:
        # An unlisted exercise is a course's own: it takes work only through an assignment of it.
        raise SubmissionRejected(
            "This exercise is open only through a course's assignment: submit it from the assignment's page."
        )
    if assignment is None and exercise_is_assigned_to(student=student, exercise=exercise):
        # Practice must not get around an assignment's attempts, deadline or feedback rules.
        raise SubmissionRejected(
            "This exercise is an assignment in one of your courses: submit it from the assignment's page."
        )
    if not exercise.active or exercise.current_version is None:
        raise SubmissionRejected("This exercise is not open for submissions.")
    # An assignment grades with the version it is pinned to; practice with the exercise's current one.
    version = assignment.exercise_version if assignment is not None else exercise.current_version
    queue = dispatch.queue_for(version)
    if queue == "gpu" and not settings.SANDBOX_GPU:
        # Without a GPU worker the run would wait in the "gpu" queue forever: say so now instead, and tell
        # staff (once a day per exercise) so that the sentence below is true.
        course_staff, admins = alerts.gpu_unavailable(exercise=exercise, assignment=assignment)
        told = (
            "Your course staff have been told" if course_staff
            else "The site's administrators have been told" if admins
            else "Tell your course staff"
        )
        raise SubmissionRejected(
            f"This exercise is graded on a GPU, and this installation has no GPU grader. {told}; nothing was submitted."
        )
    total = sum(len(content) for content in uploads.values())
    limit = settings.SANDBOX.max_upload_bytes
    if total > limit:
        raise SubmissionRejected(f"The upload is {total // 1024} KiB; the limit is {limit // 1024} KiB.")
    try:
        loaded = load_submission(uploads, expected_files=list(exercise.files), config=settings.SANDBOX)
    except NotGradable as exc:
        raise SubmissionRejected(str(exc)) from exc
    with transaction.atomic():
        if assignment is not None:
            _check_can_submit(assignment=assignment, student=student)
        submission = Submission.objects.create(
            student=student,
            exercise=exercise,
            exercise_version=version,
            assignment=assignment,
            notes=loaded.notes,
            max_score=version.max_score,
        )
        SubmissionFile.objects.bulk_create(
            SubmissionFile(submission=submission, name=name, content=content)
            for name, content in sorted(loaded.files.items())
        )
        run = GradingRun.objects.create(
            submission=submission,
            exercise_version=version,
            queue=queue,
            tests_total=len(version.manifest),
            # Under the fair queue a new run is held until `admit` decides: a run not yet admitted must never
            # look like one waiting in the broker, or it would stop the student's held runs being released.
            held=settings.GRADING_FAIR_QUEUE,
        )
        if settings.GRADING_FAIR_QUEUE:
            dispatch.admit_on_commit(run)  # the fair queue: held while another of the student's runs waits
        else:
            dispatch.send_on_commit(run)
    return submission


def _check_can_submit(*, assignment: Assignment, student: User) -> None:
    """The assignment's rules, inside the submission's transaction: the enrolment row is locked first, so two
    uploads at once cannot both take the last attempt."""
    now = timezone.now()
    assignment_check_open(assignment=assignment, student=student, now=now)
    attempts = attempts_for(assignment, student.pk, now)
    if attempts.remaining == 0:
        if attempts.cap is not None and attempts.used_total >= attempts.cap:
            raise AssignmentClosed(f"You have used all {attempts.cap} attempts for this assignment.")
        when = f" at {attempts.next_refill_at:%Y-%m-%d %H:%M} UTC" if attempts.next_refill_at else ""
        raise AssignmentClosed(
            f"You have used your {attempts.per_day} attempts of the last 24 hours; the next one frees up{when}."
        )
