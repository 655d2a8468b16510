"""`manage.py grade`: the contract instructors and scripts rely on, through the real sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SLUG = "python-foundations/word-frequencies"
GRADER = ROOT / "graders" / SLUG

pytestmark = pytest.mark.docker


def grade(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("SECRET_KEY", None)  # the command must work without one
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "grade", *args],
        capture_output=True, text=True, timeout=180, env=full_env, check=False,
    )


def test_reference_gets_full_marks_as_json() -> None:
    result = grade(SLUG, str(GRADER / "reference" / "solution.py"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"status", "score", "max_score", "tests", "duration_s", "messages"}
    assert report["status"] == "graded"
    assert report["score"] == report["max_score"] == 10
    for test in report["tests"]:
        assert set(test) >= {"name", "outcome", "points", "max_points", "message"}
        assert test["outcome"] == "passed"


@pytest.mark.parametrize("wrong", sorted(p.name for p in (GRADER / "wrong").iterdir()))
def test_each_wrong_solution_scores_less_and_says_why(wrong: str) -> None:
    result = grade(SLUG, str(GRADER / "wrong" / wrong), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "graded"
    assert report["score"] < report["max_score"]
    failed = [t for t in report["tests"] if t["outcome"] != "passed"]
    assert failed and all(t["message"] for t in failed)


def test_exercise_folder_path_works_and_summary_is_readable() -> None:
    result = grade(str(ROOT / "exercises" / SLUG), str(ROOT / "exercises" / SLUG / "starter" / "solution.py"))
    assert result.returncode == 0, result.stderr
    assert f"{SLUG}: graded, 0 / 10 points" in result.stdout
    assert "NotImplementedError" in result.stdout


def test_syntax_error_is_not_gradable_with_the_line(tmp_path: Path) -> None:
    source = tmp_path / "solution.py"
    source.write_text("def count_words(text):\n    return {\n\ndef top_words(text, n):\n    pass\n")
    result = grade(SLUG, str(source), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "not_gradable" and report["score"] == 0
    assert any("solution.py, line" in m for m in report["messages"])


def test_a_notebook_submission_is_graded(tmp_path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# My word counter"),
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install nothing"),
        nbformat.v4.new_code_cell((GRADER / "reference" / "solution.py").read_text()),
    ]
    path = tmp_path / "solution.ipynb"
    nbformat.write(notebook, path)
    report = json.loads(grade(SLUG, str(path), "--json").stdout)
    assert report["status"] == "graded" and report["score"] == 10
    assert "Cell 2, line 2: `!pip install nothing` was skipped: shell commands do not run while grading." in (
        report["messages"]
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("python-foundations/nope", "x.py"), "unknown exercise"),
        ((SLUG, "/nonexistent/solution.py"), "does not exist"),
    ],
)
def test_failures_to_grade_exit_non_zero_with_a_message(args: tuple[str, str], needle: str) -> None:
    result = grade(*args)
    assert result.returncode != 0
    assert needle in result.stderr


def test_no_docker_engine_is_a_clear_error_not_a_hang() -> None:
    result = grade(SLUG, str(GRADER / "reference" / "solution.py"), env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert result.returncode != 0
    assert "No Docker engine" in result.stderr


def hostile_word_frequencies(tmp_path: Path) -> Path:
    """The reference solution, printing and raising what a terminal, a page or PostgreSQL must not get raw."""
    source = (GRADER / "reference" / "solution.py").read_text() + '''
import os as _os
import sys as _sys

_sys.stdout.write("nul:\\x00 ansi:\\x1b[31mred\\x1b[0m osc52:\\x1b]52;c;ZXZpbA==\\x07 cr:one\\rtwo <script>alert(1)</script>\\n")
_sys.stdout.flush()
_os.write(1, b"invalid utf-8: \\xff\\xfe surrogate: \\xed\\xa0\\x80\\n")
_honest_top_words = top_words


def top_words(text, n):
    if n < 0:
        raise ValueError("n must not be negative \\x00 \\udcff \\x1b]52;c;aGk=\\x07 \\x1b[2J")
    return _honest_top_words(text, n)
'''
    path = tmp_path / "solution.py"
    path.write_text(source, encoding="utf-8", errors="surrogatepass")
    return path


def test_hostile_output_reaches_the_readable_summary_as_inert_text(tmp_path: Path) -> None:
    result = grade(SLUG, str(hostile_word_frequencies(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert f"{SLUG}: graded, 10 / 10 points" in result.stdout
    assert "\x1b" not in result.stdout and "\x00" not in result.stdout and "\x07" not in result.stdout
    assert "nul:\u2400 ansi:red osc52: cr:one" in result.stdout  # kept as text; escapes removed
    assert "ZXZpbA" not in result.stdout


QUESTION_TESTS = '''
import pytest
from gradient_grader import hidden, points, question

QUESTIONS = {"q1": {"title": "Counting", "points": 1}}


@question("q1")
def test_q1_one_word(student):
    assert student.count_words("a") == {"a": 1}


@question("q1")
def test_q1_two_words(student):
    assert student.count_words("a b a") == {"a": 2, "b": 1}


@question("q1")
def test_q1_impossible(student):
    assert student.count_words("a") == {"b": 1}, "this check fails for every solution"


@hidden
def test_hidden_input(student):
    assert student.count_words("zebra") == {"zebra": 1}


@points(0.5)
@pytest.mark.parametrize("text, count", [("x", 1), ("x x", 2), ("naïve", 1)])
def test_cases(student, text, count):
    assert sum(student.count_words(text).values()) >= count
'''


def test_questions_hidden_tests_and_parametrized_cases_through_the_sandbox(tmp_path: Path) -> None:
    """The worker's names for parametrized cases are the ones pytest reports from the grader box."""
    import shutil

    exercises, graders = tmp_path / "exercises", tmp_path / "graders"
    shutil.copytree(ROOT / "exercises" / SLUG, exercises / SLUG)
    shutil.copytree(GRADER, graders / SLUG)
    (graders / SLUG / "test_questions.py").write_text(QUESTION_TESTS, encoding="utf-8")
    env = {"GRADIENT_EXERCISES_DIR": str(exercises), "GRADIENT_GRADERS_DIR": str(graders)}
    result = grade(SLUG, str(GRADER / "reference" / "solution.py"), "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "graded", report["messages"]
    assert report["questions"] == [
        {"name": "q1", "title": "Counting", "score": 0.6667, "max_score": 1.0, "passed": 2, "tests": 3}
    ]
    tests = {t["name"]: t for t in report["tests"]}
    assert [tests[f"test_cases[{case}]"]["outcome"] for case in ("x-1", "x x-2", "na\\xefve-1")] == ["passed"] * 3
    assert tests["test_hidden_input"]["hidden"] is True and tests["test_hidden_input"]["outcome"] == "passed"
    assert (report["score"], report["max_score"]) == (10 + 0.6667 + 1 + 1.5, 10 + 1 + 1 + 1.5)
    assert not any("undeclared" in m for m in report["messages"])

    text = grade(SLUG, str(GRADER / "reference" / "solution.py"), env=env).stdout
    assert "question q1: Counting: 0.6667/1 (2 of 3 passed)" in text
    assert "test_hidden_input (hidden) (1/1)" in text
