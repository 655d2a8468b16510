"""Dates: an assignment opens, is due, takes late work with a penalty per started day until its hard
cut-off, and an extension moves both for one student. Refusals store nothing and say why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import ScorePolicy
from courses.services import AssignmentClosed
from grading.gradebook import gradebook
from grading.models import GradingRun, Submission, SubmissionFile
from tests.support.factories import ExtensionFactory


def test_before_it_opens_nothing_is_accepted(cohort, enrol, student_user, make_assignment, submit, sent) -> None:
    enrol(student_user, cohort)
    opens = timezone.now() + timedelta(days=2)
    assignment = make_assignment(cohort, opens_at=opens, due_at=opens + timedelta(days=7))
    with pytest.raises(AssignmentClosed, match=f"opens on {opens:%Y-%m-%d %H:%M} UTC"):
        submit(student_user, assignment)
    assert Submission.objects.count() == 0 and sent == []


def test_after_the_hard_cutoff_the_refusal_says_so_and_stores_nothing(
    cohort, enrol, student_user, make_assignment, submit, sent
) -> None:
    enrol(student_user, cohort)
    now = timezone.now()
    cutoff = now - timedelta(hours=1)
    assignment = make_assignment(
        cohort, opens_at=now - timedelta(days=10), due_at=now - timedelta(days=3), hard_cutoff_at=cutoff
    )
    with pytest.raises(AssignmentClosed) as info:
        submit(student_user, assignment)
    assert str(info.value) == (
        f"The deadline for this assignment passed on {cutoff:%Y-%m-%d %H:%M} UTC; "
        "late submissions are no longer accepted. Nothing was submitted."
    )
    assert Submission.objects.count() == GradingRun.objects.count() == SubmissionFile.objects.count() == 0
    assert sent == []


def test_late_work_before_the_cutoff_is_accepted(cohort, enrol, student_user, make_assignment, submit) -> None:
    enrol(student_user, cohort)
    now = timezone.now()
    assignment = make_assignment(
        cohort, opens_at=now - timedelta(days=10), due_at=now - timedelta(days=1), hard_cutoff_at=now + timedelta(days=1)
    )
    assert submit(student_user, assignment).assignment_id == assignment.pk


def test_an_extension_moves_the_due_date_and_the_cutoff_for_that_student_only(
    cohort, enrol, student_user, other_student, make_assignment, submit
) -> None:
    enrol(student_user, cohort)
    enrol(other_student, cohort)
    now = timezone.now()
    assignment = make_assignment(
        cohort, opens_at=now - timedelta(days=10), due_at=now - timedelta(days=2), hard_cutoff_at=now - timedelta(days=1)
    )
    ExtensionFactory(assignment=assignment, student=student_user, due_at=now + timedelta(days=1))
    assert submit(student_user, assignment).pk
    with pytest.raises(AssignmentClosed, match="deadline for this assignment passed"):
        submit(other_student, assignment)


def test_not_enrolled_is_refused(cohort, student_user, make_assignment, submit) -> None:
    assignment = make_assignment(cohort)
    with pytest.raises(AssignmentClosed, match="not enrolled"):
        submit(student_user, assignment)


def test_the_gradebook_takes_the_late_penalty_per_started_day(
    cohort, enrol, student_user, other_student, make_assignment, submit, grade, backdate
) -> None:
    enrol(student_user, cohort)
    enrol(other_student, cohort)
    now = timezone.now()
    due = now - timedelta(days=3)
    assignment = make_assignment(cohort, opens_at=now - timedelta(days=10), due_at=due, late_penalty_per_day=0.1)
    late = submit(student_user, assignment)
    grade(late)  # 10 of 10
    backdate(late, due + timedelta(days=1, hours=2))  # two started days late: 20% off
    on_time = submit(other_student, assignment)
    grade(on_time, failing=["test_simple_sentence"])  # 9 of 10
    backdate(on_time, due - timedelta(minutes=5))

    book = gradebook(cohort=cohort)
    late_cell = book.cells[(student_user.pk, assignment.pk)]
    assert (late_cell.score, late_cell.raw, late_cell.late) == (pytest.approx(8.0), 10.0, True)
    on_time_cell = book.cells[(other_student.pk, assignment.pk)]
    assert (on_time_cell.score, on_time_cell.late) == (9.0, False)

    # With an extension past that submission, the same work is on time.
    ExtensionFactory(assignment=assignment, student=student_user, due_at=due + timedelta(days=2))
    assert gradebook(cohort=cohort).cells[(student_user.pk, assignment.pk)].score == 10.0


def test_the_penalty_never_goes_below_zero(cohort, enrol, student_user, make_assignment, submit, grade, backdate) -> None:
    enrol(student_user, cohort)
    now = timezone.now()
    due = now - timedelta(days=30)
    assignment = make_assignment(cohort, opens_at=now - timedelta(days=40), due_at=due, late_penalty_per_day=0.25)
    submission = submit(student_user, assignment)
    grade(submission)
    backdate(submission, due + timedelta(days=6))
    assert gradebook(cohort=cohort).cells[(student_user.pk, assignment.pk)].score == 0.0


@pytest.mark.parametrize(("policy", "expected"), [(ScorePolicy.BEST, 10.0), (ScorePolicy.LATEST, 7.0)])
def test_best_or_latest_policy(cohort, enrol, student_user, make_assignment, submit, grade, policy, expected) -> None:
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, score_policy=policy)
    grade(submit(student_user, assignment), failing=["test_simple_sentence", "test_ignores_case"])  # 7
    grade(submit(student_user, assignment))  # 10
    grade(submit(student_user, assignment), failing=["test_simple_sentence", "test_ignores_case"])  # 7
    cell = gradebook(cohort=cohort).cells[(student_user.pk, assignment.pk)]
    assert cell.score == expected and cell.attempts == 3


def test_best_policy_compares_scores_after_the_penalty(
    cohort, enrol, student_user, make_assignment, submit, grade, backdate
) -> None:
    """A full mark three days late (30% off: 7) loses to an on-time 9."""
    enrol(student_user, cohort)
    now = timezone.now()
    due = now - timedelta(days=5)
    assignment = make_assignment(cohort, opens_at=now - timedelta(days=10), due_at=due, late_penalty_per_day=0.1)
    on_time = submit(student_user, assignment)
    grade(on_time, failing=["test_simple_sentence"])
    backdate(on_time, due - timedelta(hours=1))
    late = submit(student_user, assignment)
    grade(late)
    backdate(late, due + timedelta(days=2, hours=1))
    cell = gradebook(cohort=cohort).cells[(student_user.pk, assignment.pk)]
    assert (cell.score, cell.late) == (9.0, False)


def test_a_submission_that_could_not_be_loaded_is_not_the_latest_score(
    cohort, enrol, student_user, make_assignment, submit, grade
) -> None:
    enrol(student_user, cohort)
    assignment = make_assignment(cohort, score_policy=ScorePolicy.LATEST)
    grade(submit(student_user, assignment))  # 10
    everything = list(assignment.exercise.current_version.manifest.names)
    grade(submit(student_user, assignment), status="not_gradable", failing=everything)  # 0, free, not a result
    cell = gradebook(cohort=cohort).cells[(student_user.pk, assignment.pk)]
    assert (cell.score, cell.attempts) == (10.0, 1)
