"""seed_demo builds the demo course, cohort, assignments and classmates' graded work, and running it again
changes nothing."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from courses.models import Assignment, Cohort, Enrolment, Role
from grading.gradebook import gradebook
from grading.models import GradingRun, LeaderboardEntry, Submission, TestResult
from grading.selectors import leaderboard


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (get_user_model(), Cohort, Enrolment, Assignment, Submission, GradingRun, TestResult, LeaderboardEntry)
    )


def test_seed_demo_is_idempotent_and_fills_the_leaderboard(db) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first

    cohort = Cohort.objects.get(course__title="AI Engineering 101", name="Autumn 2026")
    student = Enrolment.objects.get(cohort=cohort, user__username="student")
    assert (student.role, student.pseudonym) == (Role.STUDENT, "Curious Otter")
    assert Enrolment.objects.get(cohort=cohort, user__username="instructor").role == Role.INSTRUCTOR
    assignments = list(Assignment.objects.filter(cohort=cohort))
    slugs = {a.exercise.slug for a in assignments}
    assert "python-foundations/word-frequencies" in slugs and len(slugs) >= 3
    for a in assignments:
        assert (a.attempts_per_day, a.attempts_cap, a.late_penalty_per_day) == (5, 20, 0.1)
        assert a.opens_at < a.due_at and (a.hard_cutoff_at - a.due_at).days == 3

    words = next(a for a in assignments if a.exercise.slug == "python-foundations/word-frequencies")
    rows, _ = leaderboard(assignment=words, viewer=student.user)
    assert len(rows) >= 3 and rows == sorted(rows, key=lambda r: (-r.score, r.submitted_at))
    book = gradebook(cohort=cohort)
    assert sum(1 for cell in book.cells.values() if cell.score is not None) >= 8
    assert sum(book.failed_tests[words.pk].values()) > 0
    # the demo student has their attempts intact
    assert not Submission.objects.filter(student=student.user).exists()
