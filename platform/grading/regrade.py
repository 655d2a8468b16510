"""Regrading: a new run of a submission, or of every submission of an assignment or exercise after its
grader changed (those move to the current version, and their assignments are re-pinned to it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from catalog.models import Exercise, ExerciseVersion
from core.errors import UserError
from courses.models import Assignment
from courses.services import assignment_pin
from grading import dispatch
from grading.models import GradingRun, Submission


class RegradeRefused(UserError):
    """The regrade asked for cannot be done (no such version, another exercise's version)."""


def run_regrade(
    *, submission: Submission, never_lower: bool = False, version: ExerciseVersion | None = None
) -> GradingRun:
    """A new run of the submission against ``version``, by default the one it is graded with now: its
    assignment's pinned version, or the exercise's current one for practice. (To move an assignment to a
    changed grader, see regrade_with_current_version.)"""
    exercise = submission.exercise
    if version is None:
        version = submission.assignment.exercise_version if submission.assignment else exercise.current_version
    if version is None:
        raise RegradeRefused("This exercise has no grader version to regrade against.")
    if version.exercise_id != exercise.pk:
        raise RegradeRefused(f"Grader version {version} is not a version of {exercise.slug}.")
    with transaction.atomic():
        run = GradingRun.objects.create(
            submission=submission,
            exercise_version=version,
            queue=dispatch.queue_for(version),
            tests_total=len(version.manifest),
            is_regrade=True,
            never_lower=never_lower,
        )
        dispatch.send_on_commit(run)
    return run


@dataclass
class Regrade:
    version: ExerciseVersion  # what the new runs grade with
    runs: dict[int, int]  # submission id -> its new run's id
    repinned: list[tuple[Assignment, ExerciseVersion]]  # each assignment moved, with the version it had


@transaction.atomic
def regrade_with_current_version(
    *, exercise: Exercise, assignment: Assignment | None = None, never_lower: bool = False
) -> Regrade:
    """Regrade an assignment, or every submission of an exercise, with the exercise's current grader version,
    and pin the assignment (with an exercise: each of its assignments) to that version. A regrade after a grader
    change means the new grader is the right one, so later submissions must be graded like the regraded
    ones. All of it or nothing; the runs are sent once the transaction commits."""
    current = exercise.current_version
    if current is None:
        raise RegradeRefused(f"{exercise.slug} has no grader version to regrade against.")
    if assignment is not None and assignment.exercise_id != exercise.pk:
        raise RegradeRefused(f"Assignment {assignment.pk} is not an assignment of {exercise.slug}.")
    assignments = Assignment.objects.filter(exercise=exercise).select_related("exercise", "cohort")
    submissions = Submission.objects.filter(exercise=exercise).select_related("exercise")
    if assignment is not None:
        assignments = assignments.filter(pk=assignment.pk)
        submissions = submissions.filter(assignment=assignment)
    repinned = []
    for pinned in assignments.select_for_update(of=("self",)):
        previous = assignment_pin(assignment=pinned, version=current)
        if previous is not None:
            repinned.append((pinned, previous))
    runs = {
        submission.pk: run_regrade(submission=submission, never_lower=never_lower, version=current).pk
        for submission in submissions.order_by("pk")
    }
    return Regrade(version=current, runs=runs, repinned=repinned)
