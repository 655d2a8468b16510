"""python manage.py regrade (--submission ID | --assignment ID | --exercise SLUG) [--never-lower] [--wait]

--assignment and --exercise regrade after a grader change: run `sync_exercises` first (a changed grader is a
new version), then this moves the runs to the exercise's current version AND re-pins the assignment (with
--exercise: every assignment of the exercise) to it, so later submissions are graded like the regraded ones.
--submission regrades one submission with the version it is graded with now: its assignment's pinned
version (practice: the current one). With --wait it prints a before/after table once the runs finish.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Exercise, ExerciseVersion
from courses.models import Assignment
from grading.models import FINAL_STATUSES, GradingRun, Submission
from grading.regrade import RegradeRefused, regrade_with_current_version, run_regrade

Scores = dict[int, float | None]  # submission id -> its score
NOT_TO_REGRADE = (
    "no submission matches; to move an assignment without submissions to the current grader version, choose "
    "that version in the admin"
)


class Command(BaseCommand):
    help = (
        "Regrade one submission (with its assignment's pinned grader version), or an assignment or every "
        "submission of an exercise after its grader changed: those move to the exercise's current version "
        "and the assignments are re-pinned to it. Run sync_exercises first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument(
            "--submission", type=int, help="one submission, with the grader version of its assignment"
        )
        target.add_argument(
            "--assignment", type=int, help="every submission of it, with the current version; re-pins it"
        )
        target.add_argument(
            "--exercise", help="exercise slug: every submission of it, with the current version; re-pins its assignments"
        )
        parser.add_argument("--never-lower", action="store_true", help="keep the old score when the new is lower")
        parser.add_argument("--wait", type=float, default=0, help="seconds to wait for the results (0: don't)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["submission"]:
                before, runs = self.regrade_submission(options["submission"], options["never_lower"])
            else:
                before, runs = self.regrade_with_current(
                    options["assignment"], options["exercise"], options["never_lower"]
                )
        except RegradeRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["wait"]:
            self.wait_and_report(before, runs, options["wait"])

    def regrade_submission(self, submission_id: int, never_lower: bool) -> tuple[Scores, dict[int, int]]:
        submission = (
            Submission.objects.select_related("exercise__current_version", "assignment__exercise_version")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None:
            raise CommandError("no submission matches")
        before = {submission.pk: submission.score}
        run = run_regrade(submission=submission, never_lower=never_lower)
        which = "its assignment's pinned version" if submission.assignment else "the exercise's current version"
        self.stdout.write(f"queued 1 regrade run(s) with grader {describe(run.exercise_version)} ({which})")
        if submission.assignment and submission.assignment.newer_version_exists:
            self.stdout.write(
                f"  the exercise has a newer grader version; --assignment {submission.assignment_id} regrades "
                "the whole assignment with it and re-pins the assignment"
            )
        return before, {submission.pk: run.pk}

    def regrade_with_current(
        self, assignment_id: int | None, slug: str | None, never_lower: bool
    ) -> tuple[Scores, dict[int, int]]:
        assignment = None
        if assignment_id is not None:
            assignment = Assignment.objects.select_related("exercise__current_version").filter(pk=assignment_id).first()
            if assignment is None:
                raise CommandError(f"no assignment {assignment_id}")
            exercise = assignment.exercise
            submissions = Submission.objects.filter(assignment=assignment)
        else:
            found = Exercise.objects.select_related("current_version").filter(slug=slug).first()
            if found is None:
                raise CommandError(f"no submission matches: there is no exercise {slug!r}")
            exercise = found
            submissions = Submission.objects.filter(exercise=exercise)
        before: Scores = dict(submissions.values_list("pk", "score"))
        if not before:
            raise CommandError(NOT_TO_REGRADE)
        regrade = regrade_with_current_version(exercise=exercise, assignment=assignment, never_lower=never_lower)
        self.stdout.write(
            f"queued {len(regrade.runs)} regrade run(s) with grader {describe(regrade.version)} "
            f"(the current version of {exercise.slug})"
        )
        for repinned, previous in regrade.repinned:
            self.stdout.write(
                f"  re-pinned assignment {repinned.pk} ({repinned.cohort}) from grader {describe(previous)} "
                f"to {regrade.version.short_hash}: its later submissions are graded with it too"
            )
        return before, regrade.runs

    def wait_and_report(self, before: Scores, runs: dict[int, int], wait_s: float) -> None:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if GradingRun.objects.filter(pk__in=runs.values()).exclude(status__in=FINAL_STATUSES).count() == 0:
                break
            time.sleep(0.5)
        self.stdout.write(f"{'submission':>10}  {'student':<16} {'before':>7} {'after':>7}  run status")
        for submission in Submission.objects.filter(pk__in=before).select_related("student").order_by("pk"):
            run = GradingRun.objects.get(pk=runs[submission.pk])
            self.stdout.write(
                f"{submission.pk:>10}  {submission.student.get_username():<16} {fmt(before[submission.pk]):>7} "
                f"{fmt(submission.score):>7}  {run.status}"
            )


def describe(version: ExerciseVersion) -> str:
    return f"{version.short_hash} of {version.created_at:%Y-%m-%d}"


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
