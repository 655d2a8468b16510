"""The verdict: one place maps what the relay observed to the run's status (no Docker)."""

from __future__ import annotations

import pytest

from sandbox import STATUS_SENTENCES, GradingJob, Outcome, RunStatus, TestResultOutcome
from sandbox.verdict import RULES, Ending, Observations, verdict
from tests.support.redteam import ATTACK_GRADER, SMALL_LIMITS

DECLARED = {"test_a": 2, "test_b": 1}
JOB = GradingJob(
    run_name="verdict", image="python", student_files={}, module="solution", grader_dir=ATTACK_GRADER,
    declared_tests=DECLARED, limits=SMALL_LIMITS, notes=("a note",),
)
PASSED_A = {"test_a": (TestResultOutcome.PASSED, "")}


def decide(*endings: Ending, detail: str = "why") -> Outcome:
    observed = Observations(endings={e: detail for e in endings}, results=PASSED_A, problems=("odd report",))
    return verdict(JOB, observed, duration_s=1.5, student_output="out", grader_output="grader")


def test_nothing_observed_is_graded_and_scored_by_the_worker() -> None:
    outcome = decide()
    assert (outcome.status, outcome.score, outcome.max_score, outcome.retryable) == (RunStatus.GRADED, 2.0, 3.0, False)
    assert [(t.name, t.outcome, t.points) for t in outcome.tests] == [
        ("test_a", "passed", 2.0), ("test_b", "failed", 0.0)
    ]
    assert outcome.tests[1].message == "The grader did not report this test, so it counts as failed."
    assert outcome.messages == ("a note", "odd report")
    assert (outcome.student_output, outcome.grader_output, outcome.duration_s) == ("out", "grader", 1.5)


@pytest.mark.parametrize(
    ("ending", "status", "retryable"),
    [
        (Ending.ENGINE_FAILED, RunStatus.INFRASTRUCTURE_ERROR, True),
        (Ending.IMAGE_GONE, RunStatus.INFRASTRUCTURE_ERROR, False),
        (Ending.STOPPED_FROM_OUTSIDE, RunStatus.INFRASTRUCTURE_ERROR, True),
        (Ending.BOXES_NOT_READY, RunStatus.INFRASTRUCTURE_ERROR, True),
        (Ending.GRADER_BROKEN, RunStatus.INFRASTRUCTURE_ERROR, False),
        (Ending.LOAD_TIMEOUT, RunStatus.TIMEOUT, False),
        (Ending.LOAD_OUT_OF_MEMORY, RunStatus.MEMORY_LIMIT, False),
        (Ending.NOT_LOADED, RunStatus.NOT_GRADABLE, False),
        (Ending.WALL_TIME, RunStatus.TIMEOUT, False),
        (Ending.ANSWER_EXHAUSTED_GRADER, RunStatus.MEMORY_LIMIT, False),
        (Ending.ANSWER_CRASHED_GRADER, RunStatus.GRADED, False),
        (Ending.STUDENT_OUT_OF_MEMORY, RunStatus.MEMORY_LIMIT, False),
        (Ending.CALL_TIMEOUT, RunStatus.TIMEOUT, False),
        (Ending.OUTPUT_LIMIT, RunStatus.OUTPUT_LIMIT, False),
    ],
)
def test_each_ending_has_one_status(ending: Ending, status: RunStatus, retryable: bool) -> None:
    outcome = decide(ending)
    assert (outcome.status, outcome.retryable) == (status, retryable)
    if status != RunStatus.GRADED:
        assert outcome.messages[0] == STATUS_SENTENCES[status]
    if RULES[ending].message == "{detail}":
        assert "why" in outcome.messages


def test_the_most_decisive_ending_wins() -> None:
    # Ours before the submission's: a box killed from outside is never charged, whatever else happened.
    assert decide(Ending.CALL_TIMEOUT, Ending.STOPPED_FROM_OUTSIDE).status == RunStatus.INFRASTRUCTURE_ERROR
    # The wall clock before a broken grader, a broken grader before what the submission did in calls.
    assert decide(Ending.GRADER_BROKEN, Ending.WALL_TIME).status == RunStatus.TIMEOUT
    assert decide(Ending.STUDENT_OUT_OF_MEMORY, Ending.GRADER_BROKEN).status == RunStatus.INFRASTRUCTURE_ERROR
    # Memory before a call's time, both before the output cap.
    assert decide(Ending.OUTPUT_LIMIT, Ending.CALL_TIMEOUT, Ending.STUDENT_OUT_OF_MEMORY).status == "memory_limit"
    assert decide(Ending.OUTPUT_LIMIT, Ending.CALL_TIMEOUT).status == RunStatus.TIMEOUT
    # An engine failure ends everything, as the exception it was.
    assert decide(Ending.WALL_TIME, Ending.ENGINE_FAILED).status == RunStatus.INFRASTRUCTURE_ERROR


def test_tests_not_run_say_why() -> None:
    assert decide(Ending.NOT_LOADED).tests[1].message == "Not run: the submission could not be loaded."
    assert decide(Ending.WALL_TIME).tests[1].message == "Not run: grading stopped before this test finished."
    assert decide(Ending.WALL_TIME).messages[-2] == f"Grading stopped at the time limit of {SMALL_LIMITS.wall_s:g} s."


def test_outcome_constructors() -> None:
    outcome = Outcome.not_gradable(DECLARED, "Expected solution.py", 0.25)
    assert outcome.status == RunStatus.NOT_GRADABLE and outcome.score == 0.0 and outcome.max_score == 3.0
    assert outcome.messages == (STATUS_SENTENCES[RunStatus.NOT_GRADABLE], "Expected solution.py")
    assert [(t.name, t.outcome, t.max_points) for t in outcome.tests] == [("test_a", "failed", 2.0), ("test_b", "failed", 1.0)]
    assert outcome == verdict(
        JOB.__class__(**{**JOB.__dict__, "notes": ()}),
        Observations(endings={Ending.NOT_LOADED: "Expected solution.py"}), duration_s=0.25,
    )
    infra = Outcome.infrastructure("engine down")
    assert (infra.status, infra.retryable, infra.tests, infra.max_score) == ("infrastructure_error", True, (), 0.0)
    assert Outcome.infrastructure("gone", retryable=False).retryable is False
    # Plain strings are checked and become the enums; the JSON is unchanged.
    assert Outcome(status="timeout", score=0, max_score=0, tests=(), duration_s=0).status is RunStatus.TIMEOUT
    with pytest.raises(ValueError):
        Outcome(status="queued", score=0, max_score=0, tests=(), duration_s=0)
    assert outcome.as_dict()["status"] == "not_gradable" and type(outcome.as_dict()["status"]) is str
    assert type(outcome.as_dict()["tests"][0]["outcome"]) is str
