"""What grading tells people (notices.services.notify): a result that came after a wait in the queue, a run
that failed on our side (being retried, or given up), and, for staff, runs given up and GPU exercises this
installation cannot grade. Called inside the transaction of the change each one announces."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from catalog.models import Exercise
from core.users import User
from courses.models import Assignment, Enrolment, Role
from grading.models import GradingRun, Submission
from notices.models import NoticeKind
from notices.services import notify


def site_admins() -> QuerySet[User]:
    return User.objects.filter(is_staff=True, is_active=True)


def cohort_staff_ids(cohort_id: int) -> list[int]:
    """The cohort's instructors and teaching assistants."""
    return list(
        Enrolment.objects.filter(cohort_id=cohort_id, role__in=[Role.TA, Role.INSTRUCTOR]).values_list(
            "user_id", flat=True
        )
    )


def _submission_link(submission_id: int) -> str:
    return reverse("submission", args=[submission_id])


def _what(submission: Submission) -> str:
    assignment = submission.assignment
    return f"{submission.exercise.title} ({assignment.cohort if assignment is not None else 'practice'})"


def result_after_backlog(run: GradingRun, submission: Submission, waited_s: float) -> None:
    """The student's result is in, after their run waited ``waited_s`` in the queue (they may have left)."""
    notify(
        [submission.student_id],
        NoticeKind.RESULT_AFTER_BACKLOG,
        f"Your result for {submission.exercise.title} is in",
        f"Your submission waited about {max(1, round(waited_s / 60))} minutes in the grading queue; its result is "
        "in now.",
        _submission_link(submission.pk),
        key=f"result:{run.pk}",
    )


def run_retrying(run: GradingRun) -> None:
    """A run failed on our side and goes back to the queue: tell the student once per run (not for a regrade,
    which they did not ask for)."""
    if run.is_regrade:
        return
    submission = Submission.objects.select_related("exercise").get(pk=run.submission_id)
    notify(
        [submission.student_id],
        NoticeKind.RUN_FAILED,
        f"Grading of your {submission.exercise.title} submission failed on our side; we are retrying",
        "Something on our side (not your code) stopped the grading. It will be tried again automatically; "
        "it costs you no attempt.",
        _submission_link(submission.pk),
        key=f"run_failed:{run.pk}:retry",
    )


def run_given_up(run_id: int, reason: str) -> int:
    """A run ended for good as our failure: tell staff (the cohort's instructors and TAs for an assignment, site
    administrators where it has none and for practice) and the student (unless a regrade: their score
    stands). Staff get one alert per assignment (or practice exercise) per hour however many of its runs fail
    (an engine outage fails them all). Returns how many staff were told."""
    run = GradingRun.objects.select_related(
        "submission__exercise", "submission__assignment__cohort__course"
    ).get(pk=run_id)
    submission, assignment = run.submission, run.submission.assignment
    staff: list[int] | QuerySet[User] = cohort_staff_ids(assignment.cohort_id) if assignment is not None else []
    scope = f"assignment:{assignment.pk}" if assignment is not None else f"exercise:{submission.exercise_id}"
    told = notify(
        staff or site_admins(),
        NoticeKind.STAFF_ALERT,
        f"Grading given up on our side: {_what(submission)}",
        f"Run {run.pk} (submission {submission.pk}) ended as an infrastructure error with no retry left: "
        f"{reason}\nFurther failures here within the hour are not announced again; the admin's grading runs "
        "list them all.",
        _submission_link(submission.pk),
        key=f"staff_alert:given_up:{scope}:{timezone.now():%Y-%m-%dT%H}",
    )
    if not run.is_regrade:
        notify(
            [submission.student_id],
            NoticeKind.RUN_FAILED,
            f"Grading of your {submission.exercise.title} submission failed on our side",
            "Grading failed on our side and could not be completed"
            + ("; staff have been told" if told else "")
            + ". It costs you nothing (no attempt, no score): submit again.",
            _submission_link(submission.pk),
            key=f"run_failed:{run.pk}",
        )
    return told


def gpu_unavailable(*, exercise: Exercise, assignment: Assignment | None) -> tuple[int, int]:
    """Someone tried to submit a GPU exercise and this installation has no GPU grader: tell the site's
    administrators, and the course staff for an assignment, once a day per exercise (a class of 200 sends one
    alert). Returns how many (course staff, site administrators) were told."""
    day = f"{timezone.now():%Y-%m-%d}"
    text = (
        f"{exercise.title} is graded on a GPU and this installation has no GPU grader (SANDBOX_GPU is off), so "
        "submissions to it are refused. Add a GPU worker (README, deploy/), or give the course another exercise."
    )
    course_staff = 0
    if assignment is not None:
        course_staff = notify(
            cohort_staff_ids(assignment.cohort_id),
            NoticeKind.STAFF_ALERT,
            f"Submissions refused: {exercise.title} needs a GPU grader",
            text,
            reverse("assignment", args=[assignment.pk]),
            key=f"staff_alert:gpu:assignment:{assignment.pk}:{day}",
        )
    admins = notify(
        site_admins(),
        NoticeKind.STAFF_ALERT,
        f"Submissions refused: {exercise.title} needs a GPU grader",
        text,
        "",
        key=f"staff_alert:gpu:exercise:{exercise.pk}:{day}",
    )
    return course_staff, admins
