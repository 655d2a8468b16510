"""The Otter-Grader and nbgrader importers (catalog.importers, manage.py import_otter / import_nbgrader).

The real material is vendored under tests/fixtures/third_party/ (its README says where from). The tests that
grade through the sandbox (marked docker) import the Otter tutorial and nbgrader's problem set 1 with one
command each and grade the shipped submissions, unmodified, expecting the scores the tools themselves gave.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import nbformat
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.checks import feedback_leaks, leaks
from catalog.definitions import load_exercise
from catalog.importers import (
    ImporterError,
    convert_nbgrader,
    convert_nbgrader_folder,
    convert_otter,
    write_exercise,
)
from catalog.importers.common import source_of, zip_members
from catalog.jobs import build_job, load_for_exercise, read_submission_path
from sandbox import Outcome, RunStatus, declared_tests, run_job, score_tests
from tests.support.paths import ROOT

THIRD_PARTY = ROOT / "tests" / "fixtures" / "third_party"
OTTER = THIRD_PARTY / "otter-grader"
TUTORIAL = OTTER / "tutorial"
NBGRADER = THIRD_PARTY / "nbgrader" / "user_guide"
PS1 = NBGRADER / "source" / "ps1"
STUDENTS = ("bitdiddle", "hacker")

# What `otter run` gives the six tutorial submissions, per question. Measured (see the fixtures' README) with
# otter-grader 7.0.0, numpy 1.26.4, pandas 2.3.3, Python 3.11: `otter assign --no-pdfs demo.ipynb dist`, then
# `otter run -a dist/autograder/demo-autograder_<time>.zip SUBMISSION` for each notebook and each zip (the
# same scores for both; Otter prints 0.66667 for 2/3, which we round to 0.6667 like every subtotal).
# Two differences from the table in Otter's tutorial pages (written with pandas 1 and numpy 1):
# - fails3: q3 is 0.25, not 0.375. It groups by "scoops", and since pandas 2 `groupby(...).mean()` raises on
#   the string column instead of dropping it, so `price_by_flavor` is never assigned (our `ml` image has pandas
#   3.1.1, which does the same).
# - With numpy 2 (otter-grader 7.0.0 with numpy 2.4.6 and pandas 3.1.1), Otter itself fails every
#   `np.isclose(...)` case, which expects the output `True` and gets `np.True_`: q3 is then 0.5 for
#   passesAll, fails1, fails2 and fails2Hidden. Our doctest helper reads `np.True_` as the `True` the test's
#   author saw, so the numpy 1 run is the one to compare with.
OTTER_RUN = {
    "passesAll": {"q1": "1", "q2": "1", "q3": "1"},
    "fails1": {"q1": "0.6667", "q2": "1", "q3": "1"},
    "fails2": {"q1": "1", "q2": "0", "q3": "1"},
    "fails2Hidden": {"q1": "1", "q2": "0.5", "q3": "1"},
    "fails3": {"q1": "1", "q2": "1", "q3": "0.25"},
    "fails3Hidden": {"q1": "1", "q2": "1", "q3": "0.5"},
}


def _roots(tmp_path: Path) -> dict[str, str]:
    exercises, graders = tmp_path / "exercises", tmp_path / "graders"
    exercises.mkdir(exist_ok=True)
    graders.mkdir(exist_ok=True)
    return {"out_exercises": str(exercises), "out_graders": str(graders)}


def _code(notebook) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(source_of(c) for c in notebook.cells)


# --------------------------------------------------------------------------- Otter: the master notebook


def test_the_otter_tutorial_converts_with_its_questions_points_and_hidden_tests() -> None:
    conversion = convert_otter(TUTORIAL / "demo.ipynb")
    shape = {q.name: (len(q.tests), sum(t.hidden for t in q.tests), q.points) for q in conversion.questions}
    assert shape == {"q1": (3, 1, Decimal(1)), "q2": (2, 1, Decimal(1)), "q3": (8, 4, Decimal(1))}
    # Nothing set: 1 point shared equally by the cases.
    assert {t.weight for t in conversion.questions[0].tests} == {Fraction(1, 3)}
    assert [s.name for s in conversion.staff] == ["q4", "q5"]  # manual questions, listed for staff
    assert conversion.image == "ml" and "import pandas as pd" in conversion.imports
    # A doctest case expects the test cell's output in the master.
    assert conversion.questions[0].tests[2].source == ">>> square(2.5) == 6.25\nTrue"

    starter, reference = _code(conversion.starter), _code(conversion.reference)
    for solution in ("x**2", "yield 0", "groupby", "plot.bar", "mint is the highest"):
        assert solution not in starter and solution not in conversion.statement
        assert solution in reference
    for test_text in ("square(2.5)", "6.25", "np.isclose", "next(f)"):
        assert test_text not in starter and test_text not in reference and test_text not in conversion.statement
    assert "def square(x):\n    ..." in starter
    assert "data = ...\nprice_by_flavor = ..." in starter  # the prompt block is what students see
    for name in ("q1", "q2", "q3"):
        assert f'grader.check("{name}")' in starter and f'grader.check("{name}")' in reference
    assert not any(c.get("outputs") for c in conversion.starter.cells + conversion.reference.cells)
    assert "otter" not in conversion.starter.metadata


def test_the_autograder_zip_and_a_folder_of_test_files_give_the_same_tests(tmp_path: Path) -> None:
    master = convert_otter(TUTORIAL / "demo.ipynb")
    from_zip = convert_otter(OTTER / "assign-output" / "demo-autograder.zip",
                             notebook=OTTER / "assign-output" / "demo-autograder.ipynb")
    folder = tmp_path / "autograder"
    with zipfile.ZipFile(OTTER / "assign-output" / "demo-autograder.zip") as archive:
        archive.extractall(folder)
    from_folder = convert_otter(folder, notebook=OTTER / "assign-output" / "demo-student.ipynb")

    def tests(conversion):  # type: ignore[no-untyped-def]
        return [(t.question, t.source.strip(), t.hidden, t.weight) for t in conversion.tests]

    assert tests(from_zip) == tests(master) == tests(from_folder)
    # The autograder notebook has the solutions: it is the reference, and stripped, the starter.
    assert from_zip.reference is not None and "x**2" in _code(from_zip.reference)
    assert "x**2" not in _code(from_zip.starter) and 'grader.check("q2")' in _code(from_zip.starter)
    # The student's notebook carries public tests in its metadata: the starter does not.
    assert from_folder.reference is None and "otter" not in from_folder.starter.metadata
    assert any("Manually graded questions" in n for n in from_folder.notes)


def _master(cells: list[tuple[str, str]], tmp_path: Path, name: str = "master.ipynb") -> Path:
    notebook = nbformat.v4.new_notebook()
    for kind, text in cells:
        maker = {"raw": nbformat.v4.new_raw_cell, "code": nbformat.v4.new_code_cell, "md": nbformat.v4.new_markdown_cell}
        notebook.cells.append(maker[kind](text))
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


def _question(name: str, config: str, tests: list[str], solution: str = "x = 1  # SOLUTION") -> list[tuple[str, str]]:
    return [
        ("raw", f"# BEGIN QUESTION\nname: {name}\n{config}"), ("md", f"**{name}:** do it"),
        ("raw", "# BEGIN SOLUTION"), ("code", solution), ("raw", "# END SOLUTION"),
        ("raw", "# BEGIN TESTS"), *[("code", t) for t in tests], ("raw", "# END TESTS"), ("raw", "# END QUESTION"),
    ]


def test_otter_points_follow_otters_rules_and_score_as_otter_does(tmp_path: Path) -> None:
    cells = [
        *_question("listed", "points: [0.5, 1.5]", ["assert x == 1", "# HIDDEN\nassert x > 0"]),
        *_question("shared", "points: 2", [
            "assert x == 1",
            '""" # BEGIN TEST CONFIG\npoints: 0.5\nhidden: true\n""" # END TEST CONFIG\nassert x',
            "assert x >= 1",
        ]),
        *_question("each", "points:\n  each: 0.25", ["assert x", "assert x", "assert x"]),
        *_question("whole", "points: 3\nall_or_nothing: true", ["assert x", "assert x"]),
        *_question("default", "", ["assert x", "assert x", "assert x"]),
    ]
    conversion = convert_otter(_master(cells, tmp_path))
    weights = {q.name: [t.weight for t in q.tests] for q in conversion.questions}
    assert weights == {
        "listed": [Fraction(1, 2), Fraction(3, 2)],
        "shared": [Fraction(3, 4), Fraction(1, 2), Fraction(3, 4)],  # the total less 0.5, shared by the others
        "each": [Fraction(1, 4)] * 3,
        "whole": [Fraction(3, 2)] * 2,
        "default": [Fraction(1, 3)] * 3,
    }
    assert [t.hidden for t in conversion.questions[1].tests] == [False, True, False]
    written = write_exercise(conversion, "acme/points", exercises_root=tmp_path / "e", graders_root=tmp_path / "g", unlisted=True)
    manifest = declared_tests(written.grader_dir)
    assert manifest.max_score == Decimal("8.75") == written.points
    # Scored as Otter scores: the sum of the passed cases' points (all or nothing where asked).
    passed = {"test_listed_2", "test_shared_1", "test_shared_2", "test_each_1", "test_whole_1", "test_default_1"}
    results = {name: ("passed" if name in passed else "failed", "") for name in manifest.names}
    _, questions = score_tests(manifest, results, "missing")  # type: ignore[arg-type]
    assert {q.name: q.score for q in questions} == {
        "listed": Decimal("1.5"), "shared": Decimal("1.25"), "each": Decimal("0.25"), "whole": Decimal(0),
        "default": Decimal("0.3333"),
    }


EXCEPTION_TESTS = (
    "from otter.test_files import test_case\nimport math\n\nOK_FORMAT = False\n\nname = 'q1'\npoints = 2\n\n"
    "@test_case(points=None, hidden=False)\ndef test_square(square):\n    assert square(3) == 9\n\n"
    "@test_case(points=1.5, hidden=True, failure_message='think again')\n"
    "def test_env(env):\n    assert math.isclose(env['square'](0.5), 0.25)\n    assert env.get('nothing') is None\n"
)


def _exception_based(folder: Path) -> Path:
    """A folder of one exception-based Otter test file and its notebook (also the reference)."""
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / "q1.py").write_text(EXCEPTION_TESTS)
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import otter\ngrader = otter.Notebook()"),
        nbformat.v4.new_code_cell("def square(x):\n    return x * x"), nbformat.v4.new_code_cell('grader.check("q1")'),
    ])
    nbformat.write(notebook, folder / "hw.ipynb")
    return folder


def test_exception_based_otter_tests_become_tests_that_take_the_students_values(tmp_path: Path) -> None:
    conversion = convert_otter(_exception_based(tmp_path / "src"))
    [question] = conversion.questions
    assert [(t.kind, t.hidden, t.weight) for t in question.tests] == [
        ("function", False, Fraction(1, 2)), ("function", True, Fraction(3, 2)),
    ]
    assert "import math" in question.tests[1].setup and "test_case" not in question.tests[1].source
    assert any("failure message" in n for n in question.tests[1].notes)
    written = write_exercise(conversion, "acme/exceptions", exercises_root=tmp_path / "e", graders_root=tmp_path / "g",
                             unlisted=True)
    source = next(written.grader_dir.glob("test_*.py")).read_text()
    assert "_run_function(TEST_Q1_1, \"test_square\"" in source
    assert declared_tests(written.grader_dir).max_score == 2


@pytest.mark.docker
def test_exception_based_otter_tests_grade_in_the_sandbox(tmp_path: Path) -> None:
    source = _exception_based(tmp_path / "src")
    call_command("import_otter", str(source), reference=str(source / "hw.ipynb"), slug="acme/exceptions", unlisted=True,
                 stdout=io.StringIO(), **_roots(tmp_path))
    wrong = nbformat.read(source / "hw.ipynb", as_version=4)
    wrong.cells[1].source = "def square(x):\n    return x * 2"
    nbformat.write(wrong, tmp_path / "wrong.ipynb")
    outcomes = _grade_all(tmp_path / "exercises" / "acme" / "exceptions", tmp_path / "exercises", tmp_path / "graders",
                          {"right": source / "hw.ipynb", "wrong": tmp_path / "wrong.ipynb"})
    assert _question_scores(outcomes["right"]) == {"q1": "2"}
    assert _question_scores(outcomes["wrong"]) == {"q1": "0"}
    failed = {t.name: t.message for t in outcomes["wrong"].tests}
    assert failed["test_q1_1"] == "q1 - 1, line 2: assert square(3) == 9"


def test_the_files_an_otter_assignment_names_become_support_files(tmp_path: Path) -> None:
    (tmp_path / "prices.csv").write_text("flavor,price\nmint,4\n")
    cells = [("raw", "# ASSIGNMENT CONFIG\nfiles:\n    - prices.csv"),
             *_question("q1", "", ["assert x == 1"])]
    conversion = convert_otter(_master(cells, tmp_path))
    assert conversion.support == {"prices.csv": b"flavor,price\nmint,4\n"}
    pinned = [("raw", "# ASSIGNMENT CONFIG\nrequirements:\n    - tqdm==4.67.1\n    - seaborn"),
              *_question("q1", "", ["assert x == 1"])]
    conversion = convert_otter(_master(pinned, tmp_path, "pinned.ipynb"))
    assert conversion.requirements == ["tqdm==4.67.1"] and any("seaborn" in n for n in conversion.notes)
    written = write_exercise(conversion, "acme/pinned", exercises_root=tmp_path / "e", graders_root=tmp_path / "g",
                             unlisted=True)
    assert load_exercise(written.exercise_dir, tmp_path / "g", tmp_path / "e").requirements == ("tqdm==4.67.1",)
    outside = [("raw", "# ASSIGNMENT CONFIG\nfiles:\n    - ../secrets.txt"), *_question("q1", "", ["assert x == 1"])]
    with pytest.raises(ImporterError, match="inside the master"):
        convert_otter(_master(outside, tmp_path, "other.ipynb"))


# --------------------------------------------------------------------------- nbgrader


def test_nbgrader_problem1_converts_with_its_test_cells_as_questions() -> None:
    conversion = convert_nbgrader(PS1 / "problem1.ipynb")
    assert [(q.name, q.points, len(q.tests), q.tests[0].hidden) for q in conversion.questions] == [
        ("correct_squares", Decimal(1), 1, False), ("squares_invalid_input", Decimal(1), 1, False),
        ("correct_sum_of_squares", Decimal("0.5"), 1, False), ("sum_of_squares_uses_squares", Decimal("0.5"), 1, False),
    ]
    assert {(s.name, s.points) for s in conversion.staff} == {
        ("sum_of_squares_equation", Decimal(1)), ("sum_of_squares_application", Decimal(2)),
        ("cell-938593c4a215c6cc", Decimal(4)),
    }
    starter, reference = _code(conversion.starter), _code(conversion.reference)
    assert "i ** 2 for i" not in starter and "sum(squares(n))" not in starter and "pyramidal_number" not in starter
    assert starter.count("raise NotImplementedError()") == 3
    assert "i ** 2 for i" in reference and "BEGIN SOLUTION" not in reference
    assert "assert squares(2) == [1, 4]" in starter  # visible tests stay, as nbgrader releases them
    assert "$\\sum_{i=1}^n i^2$" not in conversion.statement  # a written answer's solution
    assert conversion.support == {"jupyter.png": (PS1 / "jupyter.png").read_bytes()}
    test_cells = [c for c in conversion.starter.cells if c.metadata.get("nbgrader", {}).get("grade") is True
                  and c.metadata["nbgrader"].get("solution") is False]
    assert [c.metadata["nbgrader"]["grade_id"] for c in test_cells] == [q.name for q in conversion.questions]


def test_nbgrader_hidden_tests_stay_in_the_grader_only(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                                  metadata={"nbgrader": {"grade": False, "solution": True, "grade_id": "f", "locked": False}}),
        nbformat.v4.new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(21) == 42\n### END HIDDEN TESTS",
                                  metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "test_f",
                                                         "points": 3, "locked": True}}),
    ]
    nbformat.write(notebook, tmp_path / "hw.ipynb")
    conversion = convert_nbgrader(tmp_path / "hw.ipynb")
    [question] = conversion.questions
    assert question.tests[0].hidden and "assert f(21) == 42" in question.tests[0].source
    for shown in (_code(conversion.starter), _code(conversion.reference), conversion.statement):
        assert "f(21)" not in shown and "HIDDEN" not in shown
    assert "assert f(1) == 2" in _code(conversion.starter)


def test_a_notebook_without_autograded_cells_is_reported_not_imported() -> None:
    results = {stem: (conversion is not None, why) for stem, conversion, why in convert_nbgrader_folder(PS1)}
    assert results["problem1"] == (True, "")
    assert results["problem2"][0] is False and "3 point(s)" in results["problem2"][1]


# --------------------------------------------------------------------------- the commands and what they write


def test_import_otter_writes_an_exercise_that_loads_and_passes_the_static_checks(tmp_path: Path) -> None:
    out = io.StringIO()
    submissions = TUTORIAL / "submissions"
    call_command("import_otter", str(TUTORIAL / "demo.ipynb"), slug="otter-tutorial/demo", unlisted=True,
                 wrong=[str(submissions / "zips" / "demo-fails1.zip"), str(submissions / "ipynbs" / "demo-fails3.ipynb")],
                 stdout=out, **_roots(tmp_path))
    assert "otter-tutorial/demo: 3 question(s), 13 test(s), 3 point(s)" in out.getvalue()
    assert "not converted: q4" in out.getvalue()
    definition = load_exercise(tmp_path / "exercises" / "otter-tutorial" / "demo", tmp_path / "graders", tmp_path / "exercises")
    assert definition.points == definition.declared_tests.max_score == 3 and definition.notebook and not definition.listed
    assert sorted(p.name for p in (definition.grader_dir / "wrong").iterdir()) == ["demo-fails1", "demo-fails3"]
    assert leaks(definition) == [] and feedback_leaks(definition) == []
    notes = (definition.grader_dir / "STAFF_NOTES.md").read_text()
    assert "`q4`" in notes and "`q5`" in notes
    with pytest.raises(CommandError, match="exists already"):
        call_command("import_otter", str(TUTORIAL / "demo.ipynb"), slug="otter-tutorial/demo", unlisted=True,
                     stdout=io.StringIO(), **_roots(tmp_path))
    with pytest.raises(CommandError, match="not a roadmap phase"):
        call_command("import_otter", str(TUTORIAL / "demo.ipynb"), slug="otter-tutorial/other", stdout=io.StringIO(),
                     **_roots(tmp_path))


def test_import_nbgrader_writes_one_exercise_per_graded_notebook(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("import_nbgrader", str(PS1), slug="nbgrader-docs/ps1", unlisted=True,
                 wrong=[str(NBGRADER / "submitted" / "bitdiddle" / "ps1")], stdout=out, **_roots(tmp_path))
    assert "problem2.ipynb: not imported: no autograder test cells" in out.getvalue()
    exercise = tmp_path / "exercises" / "nbgrader-docs" / "ps1-problem1"
    definition = load_exercise(exercise, tmp_path / "graders", tmp_path / "exercises")
    assert definition.points == 3 and definition.image == "python"
    assert set(definition.support) == {"jupyter.png"}
    # bitdiddle's submission, and the reference less one answer (check_exercises needs two known-wrong ones).
    assert sorted(p.name for p in (definition.grader_dir / "wrong").iterdir()) == ["bitdiddle", "without-squares"]
    assert leaks(definition) == [] and feedback_leaks(definition) == []
    assert not (tmp_path / "exercises" / "nbgrader-docs" / "ps1-problem2").exists()


# --------------------------------------------------------------------------- untrusted input


def _zip(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = 0o120777 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "links", "complaint"),
    [
        ({"../tests/q1.py": b"x"}, (), "unsafe path"),
        ({"/etc/tests/q1.py": b"x"}, (), "unsafe path"),
        ({"tests/q1.py": b"/etc/passwd"}, ("tests/q1.py",), "link"),
        ({"tests/q1.py": b"0" * 5_000_000}, (), "compressed suspiciously well"),
    ],
)
def test_a_hostile_zip_is_refused(members: dict[str, bytes], links: tuple[str, ...], complaint: str) -> None:
    with pytest.raises(ImporterError, match=complaint):
        zip_members(_zip(members, links), "evil.zip")


class Boom:
    """A pickle that runs a command when it is loaded."""

    def __init__(self, canary: Path) -> None:
        self.canary = canary

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.canary}",))


def test_nothing_from_the_input_is_run_or_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the importer unpickled something")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    canary = tmp_path / "ran"
    test_file = (
        f"open({str(canary)!r}, 'w').write('ran')\nOK_FORMAT = True\n"
        "test = {'name': 'q1', 'points': None, 'suites': [{'cases': [{'code': '>>> 1 + 1\\n2', 'hidden': False}],"
        " 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}\n"
    ).encode()
    notebook = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('grader.check("q1")')])).encode()
    archive = tmp_path / "autograder.zip"
    unpickled = tmp_path / "unpickled"
    archive.write_bytes(_zip({"tests/q1.py": test_file, ".OTTER_LOG": pickle.dumps(Boom(unpickled)), "hw.ipynb": notebook}))
    conversion = convert_otter(archive)
    assert [t.source for t in conversion.tests] == [">>> 1 + 1\n2"]
    assert not canary.exists() and not unpickled.exists()
    # A test file whose test is not a literal cannot be read without running it: refused.
    archive.write_bytes(_zip({"tests/q1.py": b"OK_FORMAT = True\ntest = make_test()\n", "hw.ipynb": notebook}))
    with pytest.raises(ImporterError, match="literal"):
        convert_otter(archive)
    # Otter's own export zip, as a known-wrong submission: its notebook is read, its pickle is not.
    out = io.StringIO()
    call_command("import_otter", str(TUTORIAL / "demo.ipynb"), slug="acme/demo", unlisted=True,
                 wrong=[str(TUTORIAL / "submissions" / "zips" / "demo-fails2.zip")], stdout=out, **_roots(tmp_path))
    assert (tmp_path / "graders" / "acme" / "demo" / "wrong" / "demo-fails2" / "solution.ipynb").is_file()


# --------------------------------------------------------------------------- through the real sandbox


def _grade_all(exercise: Path, exercises_root: Path, graders_root: Path, submissions: dict[str, Path]) -> dict[str, Outcome]:
    """Grade several submissions of one exercise, two at a time, as `manage.py grade` does."""
    definition = load_exercise(exercise, graders_root, exercises_root)

    def grade(path: Path) -> Outcome:
        loaded = load_for_exercise(definition, read_submission_path(path), config=settings.SANDBOX)
        job = build_job(definition, loaded, run_name=f"import-{uuid.uuid4().hex[:8]}",
                        default_limits=settings.SANDBOX_DEFAULT_LIMITS)
        return run_job(job, config=settings.SANDBOX)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(submissions, pool.map(grade, submissions.values()), strict=True))


def _question_scores(outcome: Outcome) -> dict[str, str]:
    return {q.name: f"{q.score.normalize():f}" for q in outcome.questions}


def _changed_after_its_check(tmp_path: Path) -> Path:
    """passesAll with `square` broken in a cell after `grader.check("q1")` (and before `grader.check_all()`).
    `otter run` (as above) gives it 1, 1, 1: a question is graded at its last `grader.check`, and while grading
    Otter's `check_all()` does nothing."""
    notebook = nbformat.read(TUTORIAL / "submissions" / "ipynbs" / "demo-passesAll.ipynb", as_version=4)
    at = next(i for i, c in enumerate(notebook.cells) if 'grader.check("q1")' in c.source)
    cell = nbformat.v4.new_code_cell("def square(x):\n    return 0")
    del cell["id"]  # the notebook is nbformat 4.2, whose cells have none
    notebook.cells.insert(at + 1, cell)
    path = tmp_path / "demo-changedAfterCheck.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.docker
def test_the_imported_otter_tutorial_scores_its_six_submissions_as_otter_run_does(tmp_path: Path) -> None:
    call_command("import_otter", str(TUTORIAL / "demo.ipynb"), slug="otter-tutorial/demo", unlisted=True,
                 stdout=io.StringIO(), **_roots(tmp_path))
    submissions = {
        f"{name} ({kind})": TUTORIAL / "submissions" / f"{kind}s" / f"demo-{name}.{kind}"
        for name in OTTER_RUN for kind in ("ipynb", "zip")
    }
    submissions["changedAfterCheck (ipynb)"] = _changed_after_its_check(tmp_path)
    started = time.monotonic()
    outcomes = _grade_all(tmp_path / "exercises" / "otter-tutorial" / "demo", tmp_path / "exercises",
                          tmp_path / "graders", submissions)
    print(f"{len(submissions)} runs of the Otter tutorial: {time.monotonic() - started:.1f} s")
    got = {label: (outcome.status, _question_scores(outcome)) for label, outcome in outcomes.items()}
    expected = {**OTTER_RUN, "changedAfterCheck": {"q1": "1", "q2": "1", "q3": "1"}}
    want = {label: (RunStatus.GRADED, expected[label.split()[0]]) for label in submissions}
    assert got == want


def _nbgrader_autograded_points(student: str, notebook: str) -> dict[str, str]:
    """The points nbgrader's autograder gave each autograder test cell: all of its points unless the cell's
    output in autograded/ is an error."""
    autograded = nbformat.read(NBGRADER / "autograded" / student / "ps1" / f"{notebook}.ipynb", as_version=4)
    found = {}
    for cell in autograded.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            found[meta["grade_id"]] = "0" if failed else f"{Decimal(str(meta['points'])).normalize():f}"
    return found


def test_the_autograded_notebooks_say_what_the_graded_test_expects() -> None:
    assert _nbgrader_autograded_points("bitdiddle", "problem1") == {
        "correct_squares": "0", "squares_invalid_input": "1", "correct_sum_of_squares": "0",
        "sum_of_squares_uses_squares": "0.5",
    }
    assert _nbgrader_autograded_points("hacker", "problem1") == {
        "correct_squares": "1", "squares_invalid_input": "1", "correct_sum_of_squares": "0.5",
        "sum_of_squares_uses_squares": "0.5",
    }
    assert _nbgrader_autograded_points("bitdiddle", "problem2") == {}  # problem2 has no autograded cell


@pytest.mark.docker
def test_the_imported_nbgrader_problems_score_the_submissions_as_nbgrader_did(tmp_path: Path) -> None:
    call_command("import_nbgrader", str(PS1), slug="nbgrader-docs/ps1", unlisted=True, stdout=io.StringIO(),
                 **_roots(tmp_path))
    submissions = {student: NBGRADER / "submitted" / student / "ps1" / "problem1.ipynb" for student in STUDENTS}
    started = time.monotonic()
    outcomes = _grade_all(tmp_path / "exercises" / "nbgrader-docs" / "ps1-problem1", tmp_path / "exercises",
                          tmp_path / "graders", submissions)
    print(f"2 runs of nbgrader's ps1 problem1: {time.monotonic() - started:.1f} s")
    for student, outcome in outcomes.items():
        assert outcome.status == RunStatus.GRADED, outcome.messages
        # bitdiddle emptied and commented out test cells in his copy: the instructor's tests ran all the same.
        assert _question_scores(outcome) == _nbgrader_autograded_points(student, "problem1"), student


@pytest.mark.docker
def test_check_exercises_checks_imported_exercises_like_any_other(tmp_path: Path) -> None:
    roots = _roots(tmp_path)
    call_command("import_otter", str(TUTORIAL / "demo.ipynb"), slug="otter-tutorial/demo", unlisted=True,
                 wrong=[str(TUTORIAL / "submissions" / "zips" / "demo-fails1.zip"),
                        str(TUTORIAL / "submissions" / "zips" / "demo-fails3Hidden.zip")],
                 stdout=io.StringIO(), **roots)
    call_command("import_nbgrader", str(PS1), slug="nbgrader-docs/ps1", unlisted=True,
                 wrong=[str(NBGRADER / "submitted" / "bitdiddle" / "ps1")], stdout=io.StringIO(), **roots)
    env = {**os.environ, "GRADIENT_EXERCISES_DIR": roots["out_exercises"], "GRADIENT_GRADERS_DIR": roots["out_graders"]}
    env.pop("SECRET_KEY", None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_exercises", "otter-tutorial/demo", "nbgrader-docs/ps1-problem1",
         "--runs", "1", "--json"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    print(f"check_exercises on both: {time.monotonic() - started:.1f} s")
    checks = {c["slug"]: c for c in json.loads(result.stdout)}
    assert {slug: c["problems"] for slug, c in checks.items()} == {"otter-tutorial/demo": [], "nbgrader-docs/ps1-problem1": []}
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_fixtures_are_where_the_readme_says() -> None:
    assert (OTTER / "LICENSE").read_text().startswith("BSD 3-Clause License")
    assert "Redistribution and use in source and binary forms" in (THIRD_PARTY / "nbgrader" / "LICENSE").read_text()
    assert len(list((TUTORIAL / "submissions" / "zips").glob("*.zip"))) == 6
