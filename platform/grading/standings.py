"""The standings kept with each result, inside its transaction: a student's best on an exercise (the
roadmap), and their best on an assignment (its leaderboard). Reads of them are in grading.selectors."""

from __future__ import annotations

from decimal import Decimal

from courses.models import Assignment
from grading.models import ExerciseBest, LeaderboardEntry, Submission


def exercise_best_record(*, submission: Submission, score: Decimal, max_score: Decimal) -> None:
    """Raise the student's best on the exercise if this beats it. Call inside the result's transaction."""
    # get_or_create (it retries the read when a concurrent result inserted the row first).
    best, created = ExerciseBest.objects.select_for_update().get_or_create(
        student_id=submission.student_id,
        exercise_id=submission.exercise_id,
        defaults={"best_score": score, "max_score": max_score, "achieved_at": submission.created_at},
    )
    if not created and score > best.best_score:
        best.best_score, best.max_score, best.achieved_at = score, max_score, submission.created_at
        best.save(update_fields=["best_score", "max_score", "achieved_at"])


def leaderboard_record(*, submission: Submission, score: Decimal, metrics: dict[str, dict[str, float]]) -> None:
    """Keep the student's best row for the assignment. Call inside the result's transaction."""
    assignment = submission.assignment  # None (no query) for practice
    if assignment is None:
        return
    metric_name = assignment.exercise.leaderboard_metric
    public = metrics.get("public", {}).get(metric_name) if metric_name else None
    private = metrics.get("private", {}).get(metric_name) if metric_name else None
    # get_or_create, not select-then-create: two workers finishing the student's first two results at once
    # would both find no row, and the second insert would break its whole result transaction.
    entry, created = LeaderboardEntry.objects.select_for_update().get_or_create(
        assignment_id=assignment.pk,
        student_id=submission.student_id,
        defaults={
            "best_score": score,
            "best_submission": submission,
            "best_submitted_at": submission.created_at,
            "metric_public": public,
            "metric_private": private,
            "metric_submitted_at": submission.created_at if public is not None else None,
        },
    )
    if created:
        return
    if entry.best_submission_id == submission.pk and score < entry.best_score:
        # A regrade lowered the best submission: the row must follow, so recompute it from scratch.
        entry.delete()
        _leaderboard_rebuild(assignment, submission.student_id)
        return
    changed = []
    better = score > entry.best_score or (score == entry.best_score and submission.created_at < entry.best_submitted_at)
    if better:
        entry.best_score, entry.best_submission, entry.best_submitted_at = score, submission, submission.created_at
        changed += ["best_score", "best_submission", "best_submitted_at"]
    if public is not None:
        sign = 1 if assignment.exercise.leaderboard_direction == "max" else -1
        if entry.metric_public is None or sign * public > sign * entry.metric_public:
            entry.metric_public, entry.metric_private = public, private
            entry.metric_submitted_at = submission.created_at
            changed += ["metric_public", "metric_private", "metric_submitted_at"]
    if changed:
        entry.save(update_fields=changed)


def _leaderboard_rebuild(assignment: Assignment, student_id: int) -> None:
    scored = Submission.objects.filter(assignment=assignment, student_id=student_id, score__isnull=False)
    best = scored.order_by("-score", "created_at").first()
    if best is None:
        return
    assert best.score is not None  # only scored submissions were read
    LeaderboardEntry.objects.create(
        assignment=assignment,
        student_id=student_id,
        best_score=best.score,
        best_submission=best,
        best_submitted_at=best.created_at,
    )
