"""Attempts: a per-day allowance that refills 24 hours after each attempt, a total cap, free re-tries when
the platform could not grade, and no way for two uploads to take the same last attempt."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from courses.services import AssignmentClosed
from grading import intake, runs
from grading.models import GradingRun, Submission
from grading.selectors import attempts_for


def test_the_daily_allowance_refills_24_hours_after_each_attempt(
    cohort, enrol, student_user, make_assignment, submit, backdate
) -> None:
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, attempts_per_day=2)
    first = submit(student_user, assignment)
    submit(student_user, assignment)
    attempts = attempts_for(assignment, student_user.pk)
    assert (attempts.used_today, attempts.remaining) == (2, 0)
    assert attempts.next_refill_at == first.created_at + timedelta(days=1)

    with pytest.raises(AssignmentClosed, match="used your 2 attempts of the last 24 hours") as info:
        submit(student_user, assignment)
    assert f"{attempts.next_refill_at:%Y-%m-%d %H:%M} UTC" in str(info.value)
    assert Submission.objects.count() == 2 and GradingRun.objects.count() == 2

    backdate(first, timezone.now() - timedelta(hours=24, minutes=1))  # the first attempt is a day old
    attempts = attempts_for(assignment, student_user.pk)
    assert (attempts.used_today, attempts.used_total, attempts.remaining) == (1, 2, 1)
    submit(student_user, assignment)
    assert Submission.objects.count() == 3


def test_the_total_cap_holds_whatever_the_day(cohort, enrol, student_user, make_assignment, submit, backdate) -> None:
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, attempts_per_day=5, attempts_cap=3)
    for days_ago in (3, 2, 1):
        backdate(submit(student_user, assignment), timezone.now() - timedelta(days=days_ago, minutes=1))
    attempts = attempts_for(assignment, student_user.pk)
    assert (attempts.used_today, attempts.used_total, attempts.remaining) == (0, 3, 0)
    with pytest.raises(AssignmentClosed, match="used all 3 attempts"):
        submit(student_user, assignment)
    assert Submission.objects.count() == 3


@pytest.mark.parametrize("status", ["not_gradable", "infrastructure_error"])
def test_runs_the_platform_could_not_grade_cost_no_attempt(
    cohort, enrol, student_user, make_assignment, submit, grade, status
) -> None:
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, attempts_per_day=1, attempts_cap=1)
    first = submit(student_user, assignment)
    if status == "infrastructure_error":
        run = GradingRun.objects.get(submission=first)
        runs.fail(run_id=run.pk, message="the engine went away")
    else:
        grade(first, status=status)
    attempts = attempts_for(assignment, student_user.pk)
    assert (attempts.used_today, attempts.used_total, attempts.remaining) == (0, 0, 1)
    second = submit(student_user, assignment)  # the allowance is intact
    grade(second)
    assert attempts_for(assignment, student_user.pk).remaining == 0


def test_a_graded_or_failed_run_does_cost_an_attempt(cohort, enrol, student_user, make_assignment, submit, grade) -> None:
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, attempts_per_day=3)
    grade(submit(student_user, assignment), failing=["test_simple_sentence"])
    grade(submit(student_user, assignment), status="timeout")
    assert attempts_for(assignment, student_user.pk).remaining == 1


def test_a_second_upload_right_after_cannot_take_the_last_attempt_again(
    cohort, enrol, student_user, make_assignment, submit
) -> None:
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, attempts_per_day=1)
    submit(student_user, assignment)
    with pytest.raises(AssignmentClosed, match="attempts of the last 24 hours"):
        submit(student_user, assignment)  # e.g. a double click
    assert Submission.objects.filter(student=student_user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_cannot_exceed_the_allowance(
    cohort, enrol, student_user, make_assignment, reference_source
) -> None:
    """Six uploads at once for two remaining attempts: the enrolment row lock lets exactly two through."""
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, attempts_per_day=2)
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def upload() -> None:
        try:
            start.wait(timeout=10)
            intake.submission_create(
                student=student_user,
                exercise=assignment.exercise,
                uploads={"solution.py": reference_source},
                assignment=assignment,
            )
            outcomes.append("ok")
        except AssignmentClosed:
            outcomes.append("rejected")
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok", "ok", "rejected", "rejected", "rejected", "rejected"]
    assert Submission.objects.filter(assignment=assignment).count() == 2


def test_the_refill_time_when_the_allowance_was_lowered(
    cohort, enrol, student_user, make_assignment, submit, backdate
) -> None:
    """Three attempts in the window and an allowance lowered to two: one attempt frees up only when the
    second-oldest ages out, not the oldest."""
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, attempts_per_day=3)
    now = timezone.now()
    made = [submit(student_user, assignment) for _ in range(3)]
    for submission, hours_ago in zip(made, (10, 5, 1), strict=True):
        backdate(submission, now - timedelta(hours=hours_ago))
    assignment.attempts_per_day = 2
    assignment.save()
    attempts = attempts_for(assignment, student_user.pk, now)
    assert attempts.remaining == 0
    assert attempts.next_refill_at == now - timedelta(hours=5) + timedelta(days=1)
