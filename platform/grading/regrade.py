"""Regrading: a new run of a submission, or of every submission of an assignment or exercise after its
grader changed (those move to the current version, and their assignments are re-pinned to it).

The staff pages (web/staff_regrades.py) start them through regrade_submission and regrade_batch_start, which
write the audit log in the same transaction; run_diff and batch_rows compare a regrade run with the
submission's previous final run, test by test."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q

from audit import services as audit
from catalog.models import Exercise, ExerciseVersion
from core.errors import UserError
from core.points import format_points
from core.users import User
from courses.models import Assignment
from courses.services import assignment_pin
from grading import dispatch
from grading.models import FINAL_STATUSES, GradingRun, RegradeBatch, RegradeVersion, Submission, TestResult
from grading.runs import kept_score


class RegradeRefused(UserError):
    """The regrade asked for cannot be done (no such version, another exercise's version)."""


def run_regrade(
    *,
    submission: Submission,
    never_lower: bool = False,
    version: ExerciseVersion | None = None,
    batch: RegradeBatch | None = None,
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
            batch=batch,
            score_before=submission.score,
            max_before=submission.max_score,
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
    *,
    exercise: Exercise,
    assignment: Assignment | None = None,
    never_lower: bool = False,
    batch: RegradeBatch | None = None,
    actor: User | None = None,
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
        previous = assignment_pin(assignment=pinned, version=current, actor=actor)
        if previous is not None:
            repinned.append((pinned, previous))
    runs = {
        submission.pk: run_regrade(submission=submission, never_lower=never_lower, version=current, batch=batch).pk
        for submission in submissions.order_by("pk")
    }
    return Regrade(version=current, runs=runs, repinned=repinned)


# ------------------------------------------------------------------------------ from the staff pages


def _points(value: Decimal | None) -> str | None:
    return None if value is None else format_points(value)


def _submission_target(submission: Submission) -> str:
    return f"submission {submission.pk} of {submission.student.get_username()} ({submission.exercise.slug})"


def regrade_submission(*, actor: User, submission: Submission, never_lower: bool) -> GradingRun:
    """A regrade of one submission asked by its staff (with the version run_regrade chooses: its assignment's
    pinned one), written to the audit log with the run in one transaction. The caller checks who may."""
    with transaction.atomic():
        run = run_regrade(submission=submission, never_lower=never_lower)
        audit.record(
            actor=actor,
            action="submission.regraded",
            target=_submission_target(submission),
            cohort_id=submission.assignment.cohort_id if submission.assignment is not None else None,
            before={"score": _points(submission.score)},
            after={"run": run.pk, "grader": run.exercise_version.short_hash, "never_lower": never_lower},
        )
    return run


def regrade_batch_start(
    *,
    actor: User,
    version: str,
    never_lower: bool,
    assignment: Assignment | None = None,
    exercise: Exercise | None = None,
) -> RegradeBatch:
    """Regrade every submission of ``assignment`` (or, without one, of ``exercise`` across cohorts, practice
    included) as one batch: with the version each is graded with now (SAME), or with the exercise's current
    version, re-pinning the assignments (CURRENT: regrade_with_current_version). One audit row
    ``assignment.regraded`` per assignment with its count (and ``exercise.regraded`` for an exercise-wide
    batch), all in one transaction with the runs. The caller checks who may."""
    if assignment is not None:
        exercise = assignment.exercise
    if exercise is None:
        raise RegradeRefused("Say which assignment or exercise to regrade.")
    if version not in RegradeVersion.values:
        raise RegradeRefused("Choose the grader version to regrade with: the same one, or the current one.")
    submissions = Submission.objects.filter(exercise=exercise)
    if assignment is not None:
        submissions = submissions.filter(assignment=assignment)
    with transaction.atomic():
        per_assignment = dict(
            submissions.exclude(assignment=None).values_list("assignment_id").annotate(n=Count("pk"))
        )
        total = submissions.count()
        if total == 0:
            raise RegradeRefused("There is no submission to regrade.")
        batch = RegradeBatch.objects.create(
            exercise=exercise, assignment=assignment, requested_by=actor, version=version, never_lower=never_lower
        )
        if version == RegradeVersion.CURRENT:
            regrade = regrade_with_current_version(
                exercise=exercise, assignment=assignment, never_lower=never_lower, batch=batch, actor=actor
            )
            batch.exercise_version = regrade.version
            batch.save(update_fields=["exercise_version"])
        else:
            for submission in submissions.select_related("exercise__current_version", "assignment__exercise_version").order_by("pk"):
                run_regrade(submission=submission, never_lower=never_lower, batch=batch)
        grader = batch.exercise_version.short_hash if batch.exercise_version else None
        summary = {"batch": batch.pk, "version": version, "grader": grader, "never_lower": never_lower}
        for regraded in Assignment.objects.filter(pk__in=per_assignment).select_related("exercise", "cohort__course"):
            audit.record(
                actor=actor, action="assignment.regraded", target=str(regraded), cohort_id=regraded.cohort_id,
                after={**summary, "runs": per_assignment[regraded.pk]},
            )
        if assignment is None:
            audit.record(actor=actor, action="exercise.regraded", target=exercise.slug, after={**summary, "runs": total})
    return batch


def counted_score(run: GradingRun) -> Decimal | None:
    """The score the submission got from this run: with never_lower, the higher of the run's and the score
    it had when the regrade was asked, as a fraction of the new full marks (grading.runs.complete keeps the
    higher one)."""
    if run.score is None:
        return None
    if run.never_lower and run.score_before is not None:
        old_max = run.max_before if run.max_before is not None else run.max_score
        if run.max_score is None or old_max is None:
            return max(run.score, run.score_before)
        return max(run.score, kept_score(run.score_before, old_max, run.max_score))
    return run.score


@dataclass
class TestChange:
    """One test of a regrade run beside the same test in the submission's previous final run (either side is
    None where the test is only in the other: a grader version added or removed it)."""

    __test__ = False  # not a pytest test class

    name: str
    hidden: bool
    question: str
    before: TestResult | None
    after: TestResult | None

    @property
    def outcome_changed(self) -> bool:
        return self.before is None or self.after is None or self.before.outcome != self.after.outcome

    @property
    def points_changed(self) -> bool:
        return (
            self.before is None
            or self.after is None
            or (self.before.points, self.before.max_points) != (self.after.points, self.after.max_points)
        )

    @property
    def message_changed(self) -> bool:
        return self.before is None or self.after is None or self.before.message != self.after.message

    @property
    def changed(self) -> bool:
        return self.outcome_changed or self.points_changed or self.message_changed


def previous_runs(runs: list[GradingRun]) -> dict[int, GradingRun | None]:
    """Each run's comparison point: its submission's latest final run with a score made before it (None: the
    submission had none). One query however many runs."""
    earlier: dict[int, list[GradingRun]] = defaultdict(list)
    candidates = (
        GradingRun.objects.filter(
            submission_id__in={r.submission_id for r in runs}, status__in=FINAL_STATUSES, score__isnull=False
        )
        .only("pk", "submission_id", "status", "score", "max_score", "exercise_version_id", "created_at")
        .order_by("-pk")
    )
    for candidate in candidates:
        earlier[candidate.submission_id].append(candidate)
    return {r.pk: next((c for c in earlier[r.submission_id] if c.pk < r.pk), None) for r in runs}


def compare_tests(pairs: list[tuple[GradingRun, GradingRun | None]]) -> dict[int, list[TestChange]]:
    """Run id -> its tests beside the previous run's, in the new run's order, then the tests it no longer
    has. One query for all the results."""
    ids = {run.pk for run, _ in pairs} | {previous.pk for _, previous in pairs if previous is not None}
    results: dict[int, list[TestResult]] = defaultdict(list)
    for result in TestResult.objects.filter(run_id__in=ids).order_by("run_id", "position"):
        results[result.run_id].append(result)
    changes = {}
    for run, previous in pairs:
        before = {r.name: r for r in results[previous.pk]} if previous is not None else {}
        rows = [
            TestChange(r.name, r.hidden, r.question, before.pop(r.name, None), r) for r in results[run.pk]
        ]
        rows += [TestChange(r.name, r.hidden, r.question, r, None) for r in before.values()]
        changes[run.pk] = rows
    return changes


@dataclass
class RunDiff:
    run: GradingRun
    previous: GradingRun | None
    tests: list[TestChange] = field(default_factory=list)  # empty until the run is final

    @property
    def changed_count(self) -> int:
        return sum(1 for t in self.tests if t.changed)

    @property
    def counted(self) -> Decimal | None:
        return counted_score(self.run)

    @property
    def kept_before(self) -> bool:
        """never_lower held the score up: the run scored less than the submission had."""
        return self.run.score is not None and self.counted != self.run.score


def run_diff(run: GradingRun) -> RunDiff:
    previous = previous_runs([run])[run.pk]
    tests = compare_tests([(run, previous)])[run.pk] if run.is_final else []
    return RunDiff(run, previous, tests)


@dataclass
class BatchProgress:
    total: int
    done: int

    @property
    def final(self) -> bool:
        return self.done >= self.total


def batch_progress(batch: RegradeBatch) -> BatchProgress:
    counts = batch.runs.aggregate(total=Count("pk"), done=Count("pk", filter=Q(status__in=FINAL_STATUSES)))
    return BatchProgress(total=counts["total"], done=counts["done"])


def batch_rows(batch: RegradeBatch) -> list[RunDiff]:
    """Each run of the batch with its comparison (tests only once it is final), by student, in a fixed
    number of queries."""
    runs = list(
        batch.runs.select_related("submission__student", "submission__assignment__cohort", "exercise_version")
        .defer("student_output", "messages", "metrics", "questions")
        .order_by("submission__student__username", "submission_id")
    )
    previous = previous_runs(runs)
    changes = compare_tests([(run, previous[run.pk]) for run in runs if run.is_final])
    return [RunDiff(run, previous[run.pk], changes.get(run.pk, [])) for run in runs]
