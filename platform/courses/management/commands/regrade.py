"""python manage.py regrade (--submission ID | --assignment ID | --exercise SLUG) [--never-lower] [--wait]

Queues new runs against the exercise's current grader version (run `sync_exercises` after changing a
grader first) and, with --wait, prints a before/after table once they finish.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grading.models import GradingRun, Submission
from grading.services import run_regrade


class Command(BaseCommand):
    help = "Regrade one submission, an assignment, or every submission of an exercise."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--submission", type=int)
        target.add_argument("--assignment", type=int)
        target.add_argument("--exercise", help="exercise slug: every submission of it")
        parser.add_argument("--never-lower", action="store_true", help="keep the old score when the new is lower")
        parser.add_argument("--wait", type=float, default=0, help="seconds to wait for the results (0: don't)")

    def handle(self, *args: Any, **options: Any) -> None:
        submissions = Submission.objects.select_related("exercise__current_version", "student")
        if options["submission"]:
            submissions = submissions.filter(pk=options["submission"])
        elif options["assignment"]:
            submissions = submissions.filter(assignment_id=options["assignment"])
        else:
            submissions = submissions.filter(exercise__slug=options["exercise"])
        chosen = list(submissions.order_by("pk"))
        if not chosen:
            raise CommandError("no submission matches")
        before = {s.pk: s.score for s in chosen}
        runs = {s.pk: run_regrade(submission=s, never_lower=options["never_lower"]).pk for s in chosen}
        self.stdout.write(f"queued {len(runs)} regrade run(s)")
        if not options["wait"]:
            return
        deadline = time.monotonic() + options["wait"]
        final = {"graded", "timeout", "memory_limit", "output_limit", "not_gradable", "infrastructure_error"}
        while time.monotonic() < deadline:
            if GradingRun.objects.filter(pk__in=runs.values()).exclude(status__in=final).count() == 0:
                break
            time.sleep(0.5)
        self.stdout.write(f"{'submission':>10}  {'student':<16} {'before':>7} {'after':>7}  run status")
        for submission in Submission.objects.filter(pk__in=before).select_related("student").order_by("pk"):
            run = GradingRun.objects.get(pk=runs[submission.pk])
            self.stdout.write(
                f"{submission.pk:>10}  {submission.student.get_username():<16} {fmt(before[submission.pk]):>7} "
                f"{fmt(submission.score):>7}  {run.status}"
            )


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
