"""Questions, exact points and hidden tests, from a grader's source to the database, the page, the API and the
gradebook (no Docker: the worker's outcome is scored as the worker scores it, by tests.support.outcomes)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Exercise
from catalog.services import exercises_sync
from courses.models import FeedbackVisibility
from grading import dispatch, intake, runs
from grading.gradebook import counted_scores, penalised_score
from grading.models import GradingRun, TestResult
from tests.platform.conftest import WORD_FREQ
from tests.support.factories import AssignmentFactory, CohortFactory, EnrolmentFactory, UserFactory
from tests.support.outcomes import fake_outcome

# Added to a copy of word-frequencies' grader: a question worth 1 point over three tests (Otter's usual
# shape), a hidden test, and a parametrized test with half a point per case.
EXTRA_TESTS = '''
import pytest
from gradient_grader import hidden, points, question

QUESTIONS = {"q1": {"title": "Counting", "points": 1}}


@question("q1")
def test_q1_a(student): ...


@question("q1")
def test_q1_b(student): ...


@question("q1")
def test_q1_c(student): ...


@hidden
def test_secret_inputs(student): ...


@points(0.5)
@pytest.mark.parametrize("n", [1, 2])
def test_cases(student, n): ...
'''


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)


@pytest.fixture
def exercise(grader_tree) -> Exercise:  # type: ignore[no-untyped-def]
    (grader_tree.graders / WORD_FREQ / "test_extra.py").write_text(EXTRA_TESTS, encoding="utf-8")
    exercises_sync()
    return Exercise.objects.get(slug=WORD_FREQ)


def graded_run(student, exercise: Exercise, *, failing: tuple[str, ...], assignment=None) -> GradingRun:  # type: ignore[no-untyped-def]
    submission = intake.submission_create(
        student=student, exercise=exercise, uploads={"solution.py": b"x = 1\n"}, assignment=assignment
    )
    run = GradingRun.objects.get(submission=submission)
    assert runs.claim(run_id=run.pk, token="t")
    assert runs.complete(
        run_id=run.pk, token="t",
        outcome=fake_outcome(run, failing=failing, messages={"test_secret_inputs": "count_words('zebra') was wrong"}),
    )
    run.refresh_from_db()
    return run


FAILING = ("test_q1_c", "test_secret_inputs", "test_cases[2]")


def test_questions_and_exact_points_are_stored(exercise: Exercise, student_user) -> None:  # type: ignore[no-untyped-def]
    version = exercise.current_version
    assert version is not None
    assert exercise.points == version.max_score == Decimal("10") + 1 + 1 + 1  # 10 + q1 + hidden + 2 x 0.5
    run = graded_run(student_user, exercise, failing=FAILING)
    assert run.score == Decimal("10") + Decimal("0.6667") + Decimal("0.5")
    assert run.submission.score == run.score and isinstance(run.score, Decimal)
    assert run.questions == [
        {"name": "q1", "title": "Counting", "score": "0.6667", "max_score": "1", "passed": 2, "tests": 3}
    ]
    rows = {r.name: r for r in TestResult.objects.filter(run=run)}
    assert (rows["test_q1_a"].question, rows["test_q1_a"].points, rows["test_q1_a"].max_points) == (
        "q1", Decimal("0.3333"), Decimal("0.3333")
    )
    assert rows["test_secret_inputs"].hidden and not rows["test_q1_a"].hidden
    assert {"test_cases[1]", "test_cases[2]"} <= set(rows)


def test_a_student_sees_questions_but_not_what_a_hidden_test_is(exercise: Exercise, student_user, client) -> None:  # type: ignore[no-untyped-def]
    run = graded_run(student_user, exercise, failing=FAILING)
    client.force_login(student_user)
    page = client.get(f"/submissions/{run.submission_id}/result/").content.decode()
    assert "11.1667 / 13" in page
    assert 'data-question="q1"' in page and "q1: Counting" in page and "0.6667 / 1" in page
    assert "test_secret_inputs" not in page and "zebra" not in page  # practice: hidden for good
    assert "hidden test" in page

    data = client.get(f"/api/v1/submissions/{run.submission_id}/").json()
    assert (data["score"], data["max_score"]) == (11.1667, 13)
    run_data = data["run"]
    assert run_data["questions"] == [
        {"name": "q1", "title": "Counting", "score": 0.6667, "max_score": 1.0, "passed": 2, "tests": 3}
    ]
    secret = [t for t in run_data["tests"] if t["hidden"]]
    assert len(secret) == 1 and secret[0]["name"].startswith("hidden test") and secret[0]["message"] == ""
    assert secret[0]["outcome"] == "failed" and secret[0]["max_points"] == 1.0
    assert "test_secret_inputs" not in str(run_data)


def test_staff_and_the_student_after_the_cutoff_see_hidden_tests(exercise: Exercise, student_user, client) -> None:  # type: ignore[no-untyped-def]
    cohort = CohortFactory()
    EnrolmentFactory(cohort=cohort, user=student_user)
    assignment = AssignmentFactory(
        cohort=cohort, exercise=exercise, feedback_visibility=FeedbackVisibility.VISIBLE,
        due_at=timezone.now() + timedelta(days=1),
    )
    run = graded_run(student_user, exercise, failing=FAILING, assignment=assignment)
    client.force_login(student_user)
    assert "test_secret_inputs" not in client.get(f"/submissions/{run.submission_id}/result/").content.decode()
    client.force_login(UserFactory(is_staff=True))
    page = client.get(f"/submissions/{run.submission_id}/result/").content.decode()
    assert "test_secret_inputs" in page and "zebra" in page
    # Past the due date, late work is still taken: the hidden tests stay hidden until the cut-off has passed.
    assignment.due_at = timezone.now() - timedelta(minutes=2)
    assignment.save()
    client.force_login(student_user)
    assert "zebra" not in client.get(f"/submissions/{run.submission_id}/result/").content.decode()
    assignment.hard_cutoff_at = timezone.now() - timedelta(minutes=1)
    assignment.save()
    assert "zebra" in client.get(f"/submissions/{run.submission_id}/result/").content.decode()


def test_the_gradebook_counts_exact_decimals_and_shows_questions(exercise: Exercise, student_user, client) -> None:  # type: ignore[no-untyped-def]
    assert penalised_score(Decimal("10"), 0.1) == Decimal("9")  # not 9.000000000000002
    assert penalised_score(Decimal("0.6667"), 1 / 3) == Decimal("0.4445")
    cohort = CohortFactory()
    EnrolmentFactory(cohort=cohort, user=student_user)
    assignment = AssignmentFactory(cohort=cohort, exercise=exercise)
    graded_run(student_user, exercise, failing=FAILING, assignment=assignment)
    cell = counted_scores([assignment])[(student_user.pk, assignment.pk)]
    assert cell.score == Decimal("11.1667") and cell.questions == {"q1": Decimal("0.6667")}

    client.force_login(UserFactory(is_staff=True))
    rows = list(csv.reader(io.StringIO(client.get(f"/cohorts/{cohort.pk}/gradebook.csv").content.decode())))
    assert rows[0] == ["username", "display name", WORD_FREQ, f"{WORD_FREQ}: q1", "total"]
    assert rows[1][2:] == ["11.1667", "0.6667", "11.1667"]
    page = client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    assert "q1: 0.6667" in page and "11.1667" in page


MILESTONE_TESTS = '''
from gradient_grader import question

QUESTIONS = {
    "m1": {"title": "Train", "points": 4, "milestone": True},
    "m2": {"title": "Serve", "points": 6, "milestone": True},
}


@question("m1")
def test_m1_trains(student): ...


@question("m2")
def test_m2_serves(student): ...


@question("m2")
def test_m2_validates(student): ...
'''


def test_a_project_shows_each_milestone_in_the_gradebook(grader_tree, student_user, client) -> None:  # type: ignore[no-untyped-def]
    (grader_tree.graders / WORD_FREQ / "test_milestones.py").write_text(MILESTONE_TESTS, encoding="utf-8")
    exercises_sync()
    exercise = Exercise.objects.get(slug=WORD_FREQ)
    manifest = exercise.versions.order_by("-created_at", "-pk").first().manifest  # type: ignore[union-attr]
    assert [(q.name, q.milestone) for q in manifest.questions] == [("m1", True), ("m2", True)]
    cohort = CohortFactory()
    EnrolmentFactory(cohort=cohort, user=student_user)
    EnrolmentFactory(cohort=cohort)  # a student with nothing graded yet
    assignment = AssignmentFactory(cohort=cohort, exercise=exercise)
    graded_run(student_user, exercise, failing=("test_m2_validates",), assignment=assignment)

    client.force_login(UserFactory(is_staff=True))
    page = client.get(f"/cohorts/{cohort.pk}/gradebook/").content.decode()
    assert "milestones: Train (/ 4) · Serve (/ 6)" in page
    assert '<span title="Train">4/4</span> · <span title="Serve">3/6</span>' in page
    assert '<span title="Train">–/4</span>' not in page  # nothing graded: only the dash of the score
