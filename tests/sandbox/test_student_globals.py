"""Tests brought from notebooks read, write and delete the student's globals through the proxy, and get
pandas values as values (real boxes, the ml image: pandas is there)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sandbox import GradingJob, declared_tests, run_job
from tests.support.redteam import CONFIG, SMALL_LIMITS

pytestmark = pytest.mark.docker

STUDENT = b'''
import pandas as pd

data = pd.DataFrame({"flavor": ["vanilla", "mint", "vanilla"], "price": [1.0, 2.5, 3.0]})
by_flavor = data.groupby("flavor")["price"].mean()


def squares(n):
    return [i * i for i in range(1, n + 1)]


def square(x):
    return x * x


def shout(words):
    return [w.upper() for w in words]


class Box:
    def __init__(self, value):
        self.value = value


def unbox(boxes):
    return [b.value for b in boxes["items"]]


def fiberator():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


def countdown(n):
    yield from range(n, 0, -1)


def positive(n):
    if n <= 0:
        raise ValueError("n must be positive")
    return n


def broken_check(n):
    raise StopIteration  # a hostile answer: it must fail the test, not end the grader's all() early


def visible_globals():
    return sorted(globals())


bool = abs = len = lambda *args, **kwargs: True  # noqa: A001 - rebinding builtins, as a hostile notebook may
'''

GRADER = '''
import pandas as pd
from gradient_grader import run_cell, run_doctest


def test_pandas_values_arrive_as_values(student_globals):
    data = student_globals["data"]
    assert type(data) == pd.DataFrame and list(data.columns) == ["flavor", "price"]
    assert student_globals["by_flavor"]["vanilla"] == 2.0


def test_an_nbgrader_cell_that_deletes_a_global(student_globals):
    run_cell(
        "assert squares(3) == [1, 4, 9]\\n"
        "saved = squares\\n"
        "del squares\\n"
        "assert saved(2) == [1, 4], 'squares should not need its own global name'\\n",
        student_globals,
    )
    assert "squares" not in student_globals and "saved" in student_globals


def test_what_a_test_binds_stays_in_the_grader_box(student_globals):
    run_cell("expected = ['A', 'B']\\nimport math\\nassert shout(['a', 'b']) == expected", student_globals)
    assert "expected" not in student_globals["visible_globals"]()  # a hidden value never reaches the student
    student_globals.send("words", ["a", "b"])  # a write on purpose does
    assert "words" in student_globals["visible_globals"]()


def test_builtins_are_the_graders_whatever_the_student_rebinds(student_globals):
    run_cell("assert not bool(0) and abs(-2) == 2 and len([1]) == 1", student_globals)


def test_a_student_stop_iteration_does_not_end_the_graders_loops(student):
    assert all(map(student.broken_check, [1, 2, 3]))


def test_a_student_exception_looks_like_its_builtin_in_a_doctest(student_globals):
    run_doctest(
        ">>> positive(0)\\nTraceback (most recent call last):\\n    ...\\nValueError: n must be positive\\n",
        student_globals,
    )


def test_an_otter_doctest_with_numpy_bools(student_globals):
    run_doctest(">>> square(3) == 9\\nTrue\\n>>> import numpy as np\\n>>> np.isclose(square(0.5), 0.25)\\nTrue\\n", student_globals)


def test_a_failing_doctest_fails_the_test(student_globals):
    run_doctest(">>> square(3)\\n10\\n", student_globals)


def test_student_objects_go_back_by_reference(student):
    first, second = student.Box(1), student.Box(2)
    assert student.unbox({"items": [first, second]}) == [1, 2]


def test_student_generators_iterate_in_the_student_box(student_globals):
    run_cell("f = fiberator()\\nassert [next(f) for _ in range(6)] == [0, 1, 1, 2, 3, 5]", student_globals)
    assert list(student_globals["countdown"](3)) == [3, 2, 1]  # StopIteration ends the loop


def test_student_exceptions_are_caught_by_their_builtin_type(student_globals):
    run_cell(
        "try:\\n    positive(0)\\nexcept ValueError as error:\\n    assert 'positive' in str(error)\\n"
        "else:\\n    raise AssertionError('positive(0) did not raise')",
        student_globals,
    )


def test_a_missing_name_is_a_name_error(student_globals):
    run_cell("undefined_thing + 1", student_globals)
'''


def test_tests_from_notebooks_use_the_students_globals(tmp_path: Path) -> None:
    (tmp_path / "test_globals.py").write_text(textwrap.dedent(GRADER), encoding="utf-8")
    job = GradingJob(
        run_name="globals-test", image="ml", student_files={"solution.py": STUDENT}, module="solution",
        grader_dir=tmp_path, declared_tests=declared_tests(tmp_path), limits=SMALL_LIMITS,
    )
    outcome = run_job(job, config=CONFIG)
    results = {t.name: (t.outcome, t.message) for t in outcome.tests}
    assert outcome.status == "graded", outcome.messages
    for name in ("test_pandas_values_arrive_as_values", "test_an_nbgrader_cell_that_deletes_a_global",
                 "test_what_a_test_binds_stays_in_the_grader_box", "test_an_otter_doctest_with_numpy_bools",
                 "test_builtins_are_the_graders_whatever_the_student_rebinds",
                 "test_a_student_exception_looks_like_its_builtin_in_a_doctest",
                 "test_student_objects_go_back_by_reference", "test_student_generators_iterate_in_the_student_box",
                 "test_student_exceptions_are_caught_by_their_builtin_type"):
        assert results[name][0] == "passed", (name, results[name])
    assert results["test_a_failing_doctest_fails_the_test"][0] == "failed"
    assert results["test_a_student_stop_iteration_does_not_end_the_graders_loops"][0] == "failed"
    assert "StopIteration" in results["test_a_student_stop_iteration_does_not_end_the_graders_loops"][1]
    assert results["test_a_missing_name_is_a_name_error"][0] in ("failed", "error")
    assert "undefined_thing" in results["test_a_missing_name_is_a_name_error"][1]
