"""python manage.py grade EXERCISE SUBMISSION [--json]

Grades one submission through the same sandbox the workers use, with no database. EXERCISE is a slug or an
exercise folder; SUBMISSION a .py file, a folder or .zip of files, or an .ipynb. Exit status 0 when grading
ran (whatever the score); non-zero with a clear message when it could not.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.definitions import ExerciseDefinitionError
from catalog.jobs import build_job, load_for_exercise, read_submission_path
from catalog.sources import resolve_in, sources_from_settings
from core.points import format_points
from sandbox import (
    NotGradable,
    Outcome,
    SandboxUnavailable,
    TestOutcome,
    TestResultOutcome,
    ensure_images,
    run_job,
)


class Command(BaseCommand):
    help = "Grade one submission in the sandbox and print the result (no database needed)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("exercise", help="exercise slug (phase/name) or the path of an exercise folder")
        parser.add_argument("submission", help="a .py file, a folder or .zip of files, or an .ipynb")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--grader-output", action="store_true", help="also print the grader's pytest output")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            definition = resolve_in(sources_from_settings(settings), options["exercise"])
        except ExerciseDefinitionError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(options["submission"])
        if not path.exists():
            raise CommandError(f"cannot read the submission: {path} does not exist")
        started = time.monotonic()
        try:
            loaded = load_for_exercise(definition, read_submission_path(path), config=settings.SANDBOX)
        except NotGradable as exc:
            # The submission could not be loaded: that is a grading result (like a syntax error), not a failure.
            outcome = Outcome.not_gradable(definition.declared_tests, str(exc), time.monotonic() - started)
        else:
            job = build_job(
                definition, loaded, run_name=f"cli-{secrets.token_hex(4)}",
                default_limits=settings.SANDBOX_DEFAULT_LIMITS, gpu_available=settings.SANDBOX_GPU,
                grader_secret=settings.GRADER_SECRET,
            )
            try:
                # An operator's command may build a missing image (a worker never does); progress on stderr.
                ensure_images([job.image], config=settings.SANDBOX, log=lambda line: self.stderr.write(line))
                outcome = run_job(job, config=settings.SANDBOX)
            except SandboxUnavailable as exc:
                raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(outcome.as_dict(include_grader_output=options["grader_output"])))
        else:
            self.stdout.write(summary(definition.slug, outcome, grader_output=options["grader_output"]))


SYMBOLS = {
    TestResultOutcome.PASSED: "PASS", TestResultOutcome.FAILED: "FAIL", TestResultOutcome.ERROR: "ERR ",
    TestResultOutcome.TIMEOUT: "TIME",
}


def summary(slug: str, outcome: Outcome, *, grader_output: bool = False) -> str:
    colour = sys.stdout.isatty()
    lines = [f"{slug}: {outcome.status}, {format_points(outcome.score)} / {format_points(outcome.max_score)} points ({outcome.duration_s:.2f} s)"]
    for message in outcome.messages:
        lines.append(f"  {message}")
    for part, values in sorted(outcome.metrics.items()):
        shown = ", ".join(f"{name} = {value:.4g}" for name, value in sorted(values.items()))
        lines.append(f"  leaderboard metrics ({part}): {shown}")
    def test_lines(test: TestOutcome, indent: str) -> None:
        mark = SYMBOLS[test.outcome]
        if colour:
            mark = f"\033[{'32' if test.outcome == TestResultOutcome.PASSED else '31'}m{mark}\033[0m"
        hidden = " (hidden)" if test.hidden else ""
        lines.append(f"{indent}{mark} {test.name}{hidden} ({format_points(test.points)}/{format_points(test.max_points)})")
        if test.message:
            lines.extend(f"{indent}     {line}" for line in test.message.splitlines()[:12])

    for question in outcome.questions:
        title = f": {question.title}" if question.title else ""
        lines.append(
            f"  question {question.name}{title}: {format_points(question.score)}/{format_points(question.max_score)} "
            f"({question.passed} of {question.tests} passed)"
        )
        for test in outcome.tests:
            if test.question == question.name:
                test_lines(test, "    ")
    for test in outcome.tests:
        if not test.question:
            test_lines(test, "  ")
    if outcome.student_output.strip():
        lines.append("  output of your code (last lines):")
        lines.extend(f"    | {line}" for line in outcome.student_output.splitlines()[-10:])
    if grader_output and outcome.grader_output:
        lines.append("  grader output:")
        lines.extend(f"    | {line}" for line in outcome.grader_output.splitlines()[-40:])
    return "\n".join(lines)
