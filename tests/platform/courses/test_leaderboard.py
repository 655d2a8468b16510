"""Leaderboards: best score first and the earliest submission on a tie; metric challenges rank by the public
part while open and by the private part after the due date, in the metric's direction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Exercise
from courses.models import Assignment
from grading.models import LeaderboardEntry
from grading.selectors import leaderboard
from tests.support.factories import UserFactory


@pytest.fixture
def three(cohort, enrol, student_user, other_student):  # type: ignore[no-untyped-def]
    third = UserFactory(username="lin", first_name="Lin", last_name="Wu")
    enrol(student_user, cohort, pseudonym="Curious Otter")
    enrol(other_student, cohort, pseudonym="Quiet Heron")
    enrol(third, cohort, pseudonym="Hidden", show_name=True)
    return student_user, other_student, third


def test_best_score_first_and_the_earliest_wins_a_tie(cohort, three, make_assignment, submit, grade) -> None:
    ada, grace, lin = three
    assignment = make_assignment(cohort)
    grade(submit(grace, assignment))  # 10, first
    grade(submit(ada, assignment), failing=["test_simple_sentence"])  # 9
    grade(submit(lin, assignment))  # 10, later than grace
    grade(submit(ada, assignment), failing=["test_ignores_case"])  # 8: ada keeps her 9

    rows, ranked_by = leaderboard(assignment=assignment, viewer=ada)
    assert [(r.rank, r.name, r.score) for r in rows] == [
        (1, "Quiet Heron", 10.0),
        (2, "Lin Wu", 10.0),  # shows her name, as she chose
        (3, "Curious Otter", 9.0),
    ]
    assert [r.is_me for r in rows] == [False, False, True]
    assert ranked_by == "best score, earliest submission first on ties"
    assert all(r.metric is None for r in rows)


def test_an_equal_later_score_does_not_take_the_earlier_ones_place(cohort, three, make_assignment, submit, grade) -> None:
    ada, _, _ = three
    assignment = make_assignment(cohort)
    first = submit(ada, assignment)
    grade(first)
    grade(submit(ada, assignment))
    entry = LeaderboardEntry.objects.get(assignment=assignment, student=ada)
    assert entry.best_submission_id == first.pk


def _metric_assignment(cohort, make_assignment, slug: str, **fields) -> Assignment:  # type: ignore[no-untyped-def]
    return make_assignment(cohort, exercise=Exercise.objects.get(slug=slug), **fields)


@pytest.mark.parametrize(
    ("slug", "metric", "values", "expected"),
    [
        # accuracy: higher is better
        ("classical-ml/digits-challenge", "accuracy", [0.91, 0.97, 0.85], ["Quiet Heron", "Curious Otter", "Lin Wu"]),
        # val_loss: lower is better
        ("transformers/char-language-model", "val_loss", [2.1, 1.7, 2.6], ["Quiet Heron", "Curious Otter", "Lin Wu"]),
    ],
)
def test_metric_direction(cohort, three, make_assignment, submit, grade, slug, metric, values, expected) -> None:
    assignment = _metric_assignment(cohort, make_assignment, slug)
    for student, value in zip(three, values, strict=True):
        grade(submit(student, assignment), metrics={"public": {metric: value}, "private": {metric: value}})
    rows, ranked_by = leaderboard(assignment=assignment, viewer=three[0])
    assert [r.name for r in rows] == expected
    assert ranked_by == f"{metric} on the public part"
    assert rows[0].metric == (max(values) if metric == "accuracy" else min(values))


def test_a_better_public_metric_replaces_the_row_a_worse_one_does_not(cohort, three, make_assignment, submit, grade) -> None:
    ada = three[0]
    assignment = _metric_assignment(cohort, make_assignment, "classical-ml/digits-challenge")
    grade(submit(ada, assignment), metrics={"public": {"accuracy": 0.9}, "private": {"accuracy": 0.8}})
    grade(submit(ada, assignment), metrics={"public": {"accuracy": 0.95}, "private": {"accuracy": 0.7}})
    grade(submit(ada, assignment), metrics={"public": {"accuracy": 0.5}, "private": {"accuracy": 0.99}})
    entry = LeaderboardEntry.objects.get(assignment=assignment, student=ada)
    assert (entry.metric_public, entry.metric_private) == (0.95, 0.7)


def test_the_private_part_ranks_only_after_the_due_date(cohort, three, make_assignment, submit, grade) -> None:
    ada, grace, lin = three
    assignment = _metric_assignment(cohort, make_assignment, "classical-ml/digits-challenge")
    # Public and private disagree: grace overfits the public part.
    scores = {ada: (0.90, 0.93), grace: (0.98, 0.80), lin: (0.85, 0.88)}
    for student, (public, private) in scores.items():
        grade(submit(student, assignment), metrics={"public": {"accuracy": public}, "private": {"accuracy": private}})

    rows, ranked_by = leaderboard(assignment=assignment, viewer=ada)
    assert [r.name for r in rows] == ["Quiet Heron", "Curious Otter", "Lin Wu"]
    assert [r.metric for r in rows] == [0.98, 0.90, 0.85]  # no private value is shown before the due date
    assert "public" in ranked_by

    Assignment.objects.filter(pk=assignment.pk).update(
        opens_at=timezone.now() - timedelta(days=9), due_at=timezone.now() - timedelta(minutes=1)
    )
    assignment.refresh_from_db()
    rows, ranked_by = leaderboard(assignment=assignment, viewer=ada)
    assert [r.name for r in rows] == ["Curious Otter", "Lin Wu", "Quiet Heron"]
    assert [r.metric for r in rows] == [0.93, 0.88, 0.80]
    assert ranked_by == "accuracy on the private (hidden) part"


def test_rows_without_the_metric_are_left_out_of_a_metric_leaderboard(cohort, three, make_assignment, submit, grade) -> None:
    ada, grace, _ = three
    assignment = _metric_assignment(cohort, make_assignment, "classical-ml/digits-challenge")
    grade(submit(ada, assignment), metrics={"public": {"accuracy": 0.9}})
    grade(submit(grace, assignment), status="not_gradable")  # crashed while loading: no metric
    rows, _ = leaderboard(assignment=assignment, viewer=ada)
    assert [r.name for r in rows] == ["Curious Otter"]


def test_staff_submissions_never_rank(cohort, three, make_assignment, submit, grade, enrol) -> None:
    ada, _, _ = three
    ta = UserFactory(username="ta")
    enrol(ta, cohort, role="ta", pseudonym="Teaching Owl")
    assignment = make_assignment(cohort)
    grade(submit(ta, assignment))
    grade(submit(ada, assignment), failing=["test_simple_sentence"])
    rows, _ = leaderboard(assignment=assignment, viewer=ada)
    assert [r.name for r in rows] == ["Curious Otter"]


def test_a_regrade_that_lowers_the_best_moves_the_row(cohort, three, make_assignment, submit, grade) -> None:
    from grading.regrade import run_regrade

    ada, _, _ = three
    assignment = make_assignment(cohort)
    first = submit(ada, assignment)
    grade(first)  # 10
    second = submit(ada, assignment)
    grade(second, failing=["test_simple_sentence"])  # 9
    run_regrade(submission=first)
    grade(first, failing=["test_simple_sentence", "test_ignores_case"])  # the new grader: 7
    entry = LeaderboardEntry.objects.get(assignment=assignment, student=ada)
    assert entry.best_score == 9 and entry.best_submission_id == second.pk


def test_private_ranking_waits_for_the_hard_cutoff(cohort, three, make_assignment, submit, grade) -> None:
    ada, grace, _ = three
    now = timezone.now()
    assignment = _metric_assignment(
        cohort, make_assignment, "classical-ml/digits-challenge",
        opens_at=now - timedelta(days=3), due_at=now - timedelta(hours=1), hard_cutoff_at=now + timedelta(days=1),
    )
    grade(submit(ada, assignment), metrics={"public": {"accuracy": 0.9}, "private": {"accuracy": 0.99}})
    _, ranked_by = leaderboard(assignment=assignment, viewer=ada)
    assert "public" in ranked_by  # late work is still coming in: the private part stays hidden
