"""Values at a point of the notebook (issue 11, item 2): at a check point (Otter's `grader.check("q1")`, an
nbgrader test cell) the notebook pauses and the grader runs that question's tests against its state there;
as in Otter, the last check of a question counts, and `check_all()` checks every question; questions never
checked run on the final state (`check_all()` pauses nothing, as in Otter's grading); a test runs at most
once per run, whatever the notebook asks (real boxes)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from sandbox import GradingJob, declared_tests, load_submission, run_job
from tests.support.redteam import CONFIG, SMALL_LIMITS, leftovers

pytestmark = pytest.mark.docker

GRADER = '''
from gradient_grader import hidden, question

QUESTIONS = {"q1": {"points": 1}, "q2": {"points": 1}, "q3": {"points": 1}, "q4": {"points": 1}}


@question("q1")
def test_q1_x_as_it_was_when_checked(student_globals):
    assert student_globals["x"] == 1, f"x is {student_globals['x']}"


@question("q2")
@hidden
def test_q2_runs_once(student):
    assert student.bump() == 1, "this hidden test ran more than once"


@question("q3")
def test_q3_never_checked_reads_the_final_state(student_globals):
    assert student_globals["x"] == 99, f"x is {student_globals['x']}"


@question("q4")
def test_q4_at_the_test_cell(student_globals):
    assert student_globals["z"] == 5, f"z is {student_globals['z']}"


def test_stand_alone_reads_the_final_state(student_globals):
    assert student_globals["z"] == 0
'''


def notebook(*cells: str | dict[str, object]) -> bytes:
    made = nbformat.v4.new_notebook()
    for cell in cells:
        if isinstance(cell, dict):  # an nbgrader test cell
            made.cells.append(nbformat.v4.new_code_cell(
                str(cell["source"]),
                metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": cell["grade_id"], "points": 1}},
            ))
        else:
            made.cells.append(nbformat.v4.new_code_cell(cell))
    return nbformat.writes(made).encode()


HEAD = (
    "import otter\ngrader = otter.Notebook()\ncount = 0\n\ndef bump():\n    global count\n    count += 1\n    return count",
    "x = 1",
    'grader.check("q1")',
    'grader.check("q2")  # not the last check of q2: no pause',
    'for _ in range(3):\n    grader.check("q2")  # the last check: one pause, whatever the loop',
    "z = 5",
    {"grade_id": "q4", "source": "assert False, 'the student changed this test cell; it never runs'"},
)
TAIL = ("z = 0\nx = 99",)


@pytest.fixture(scope="module")
def grader_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("checkpoints")
    (folder / "test_checkpoints.py").write_text(textwrap.dedent(GRADER), encoding="utf-8")
    return folder


@pytest.fixture
def grade(grader_dir: Path) -> Iterator[object]:
    names: list[str] = []

    def job_outcome(files: dict[str, bytes]):  # type: ignore[no-untyped-def]
        names.append(f"checkpoints-{len(names)}")
        job = GradingJob(
            run_name=names[-1], image="python", student_files=files, module="solution", grader_dir=grader_dir,
            declared_tests=declared_tests(grader_dir), limits=SMALL_LIMITS,
        )
        return run_job(job, config=CONFIG)

    def run(data: bytes):  # type: ignore[no-untyped-def]
        files = load_submission({"hw.ipynb": data}, expected_files=["solution.py"], config=CONFIG).files
        outcome = job_outcome(files)
        assert outcome.status == "graded", outcome.messages
        return {t.name: (t.outcome, t.message) for t in outcome.tests}, {q.name: q.score for q in outcome.questions}

    run.job_outcome = job_outcome  # type: ignore[attr-defined]
    yield run
    for name in names:
        assert leftovers(name) == []


def test_each_question_reads_the_notebook_where_it_was_checked(grade) -> None:  # type: ignore[no-untyped-def]
    tests, questions = grade(notebook(*HEAD, *TAIL))
    assert questions == {"q1": 1, "q2": 1, "q3": 1, "q4": 1}, tests
    assert tests["test_stand_alone_reads_the_final_state"][0] == "passed"


def test_check_all_is_no_check_point(grade) -> None:  # type: ignore[no-untyped-def]
    # As in Otter's grading: check_all() changes nothing; q1 still reads x at its own check (1), q3 reads the
    # final state (x is 100 by then, so it fails).
    tests, questions = grade(notebook(*HEAD, *TAIL, "grader.check_all()", "x = 100"))
    assert questions == {"q1": 1, "q2": 1, "q3": 0, "q4": 1}, tests
    assert "x is 100" in tests["test_q3_never_checked_reads_the_final_state"][1]


def test_without_check_points_every_test_reads_the_final_state(grade) -> None:  # type: ignore[no-untyped-def]
    plain = [c for c in (*HEAD, *TAIL) if isinstance(c, str) and "grader.check" not in c]
    tests, questions = grade(notebook(*plain))
    assert questions == {"q1": 0, "q2": 1, "q3": 1, "q4": 0}, tests


def test_a_notebook_that_exits_after_its_checks_is_charged_with_what_they_found(grade) -> None:  # type: ignore[no-untyped-def]
    # Ending the load after the check points (os._exit) must not turn the hidden verdicts into a free
    # not_gradable run: the run is graded, what ran keeps its result, the rest fails.
    files = load_submission({"hw.ipynb": notebook(*HEAD, "import os\nos._exit(0)")},
                            expected_files=["solution.py"], config=CONFIG).files
    outcome = grade.job_outcome(files)  # type: ignore[attr-defined]
    assert outcome.status == "graded" and outcome.score == 3, outcome.messages  # q1, q2 and q4 ran at their checks
    assert any("stopped before its end" in m for m in outcome.messages)
    missing = {t.name: t.message for t in outcome.tests}["test_q3_never_checked_reads_the_final_state"]
    assert "notebook stopped" in missing


HANGING_GRADER = '''
from gradient_grader import call_timeout, question


@question("q1")
def test_q1_hangs(student):
    with call_timeout(0.5):
        student.hang()


@question("q1")
def test_q1_after_the_restart(student):
    assert student.value() == 42


@question("q2")
def test_q2_on_the_final_state(student):
    assert student.later() == "later"
'''


def test_a_box_replaced_at_a_check_point_keeps_every_later_answer_in_step(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text(textwrap.dedent(HANGING_GRADER), encoding="utf-8")
    data = notebook(
        "import otter\ngrader = otter.Notebook()\n\ndef hang():\n    while True:\n        pass\n\ndef value():\n    return 42",
        'grader.check("q1")',
        'def later():\n    return "later"',
        'grader.check("q2")',
    )
    files = load_submission({"hw.ipynb": data}, expected_files=["solution.py"], config=CONFIG).files
    job = GradingJob(
        run_name="checkpoints-restart", image="python", student_files=files, module="solution", grader_dir=tmp_path,
        declared_tests=declared_tests(tmp_path), limits=SMALL_LIMITS,
    )
    outcome = run_job(job, config=CONFIG)
    results = {t.name: t.outcome for t in outcome.tests}
    assert results == {
        "test_q1_hangs": "timeout", "test_q1_after_the_restart": "passed", "test_q2_on_the_final_state": "passed",
    }, outcome.messages
    assert leftovers("checkpoints-restart") == []
