"""check_exercises' static side of the feedback rule: a hidden test's message never interpolates the expected
side of its check unless through expected(...), or the test is marked @shows_expected (catalog/checks.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from catalog.checks import expected_value_leaks, feedback_leaks
from catalog.definitions import discover

ROOT = Path(__file__).resolve().parents[3]

HEADER = "import numpy as np\nfrom gradient_grader import expected, points, shows_expected\n\n"


def leaks(body: str) -> list[str]:
    return expected_value_leaks(HEADER + textwrap.dedent(body), "test_x.py")


def test_an_fstring_showing_the_right_operand_is_a_problem_with_file_line_and_test() -> None:
    problems = leaks(
        """
        def test_add(student):
            got = student.add(2, 3)
            want = 5
            assert got == want, f"add(2, 3) returned {got!r}, expected {want!r}"
        """
    )
    assert len(problems) == 1
    assert problems[0].startswith("test_x.py:8: test_add: the message shows 'want'")
    assert "expected(...)" in problems[0] and "@shows_expected" in problems[0]


def test_expected_wrapper_and_the_marker_make_it_allowed() -> None:
    assert leaks(
        """
        def test_add(student):
            got, want = student.add(2, 3), 5
            assert got == want, f"add(2, 3) returned {got!r}, expected {expected(want)}"
            assert got == want, "returned %r, expected %s" % (got, expected(want))
        """
    ) == []
    assert leaks(
        """
        @points(2)
        @shows_expected
        def test_add(student):
            got, want = student.add(2, 3), 5
            assert got == want, f"add(2, 3) returned {got!r}, expected {want!r}"
        """
    ) == []


@pytest.mark.parametrize(
    "message",
    [
        '"returned %r, expected %r" % (got, want)',
        '"returned {}, expected {}".format(got, want)',
        '"returned {g}, expected {w}".format(g=got, w=want)',
        '"expected " + str(want)',
        "want",
        'f"expected {len(want)} items, {sorted(want)[:3]}"',
        'f"expected {reference(x)}"',
    ],
)
def test_every_way_of_interpolating_is_seen(message: str) -> None:
    problems = leaks(
        f"""
        def reference(x):
            return x + 1

        def test_f(student):
            x = 3
            got = student.f(x)
            want = reference(x)
            assert got == reference(x) or got == want, {message}
        """
    )
    assert problems, message


def test_raise_assertion_error_inside_an_if_uses_the_if_comparison() -> None:
    problems = leaks(
        """
        def test_f(student):
            got = student.f(1)
            want = [1, 2]
            if got != want:
                raise AssertionError(f"f(1) returned {got!r}, expected {want!r}")
        """
    )
    assert [p.split(": ", 2)[:2] for p in problems] == [["test_x.py:9", "test_f"]]
    assert leaks(
        """
        def test_f(student):
            got = student.f(1)
            want = [1, 2]
            if got != want:
                raise AssertionError(f"f(1) returned {got!r}, expected {expected(want)}")
        """
    ) == []


def test_inputs_student_values_bounds_and_literal_membership_are_not_secret() -> None:
    assert leaks(
        """
        def test_f(student, rng):
            x = rng.normal(size=3)
            model = student.Model(3)
            got = model.predict(x)
            # x goes into the student's code: an input, which feedback may always show
            assert np.allclose(got, np.tanh(x)), f"predict({x!r}) returned {got!r}"
            # an order comparison states a bound, which the message may name
            limit = 0.5
            assert got.max() < limit, f"predict returned {got.max()} above {limit}"
            # a literal looked up in the student's value checks that value
            result = student.run()
            assert "answer" in result, f"run() returned keys {sorted(result)}"
            try:
                student.fail()
            except Exception as error:
                assert error.type_name == "ValueError", f"raised {error.type_name}: {error.message}"
        """
    ) == []


def test_names_are_secret_by_name_and_a_call_on_the_students_value_does_not_launder_the_other_side() -> None:
    problems = leaks(
        """
        def test_f(student):
            got, answer = student.f(1), 5
            reference = np.arange(3)
            assert got == answer, f"f(1) returned {got}, expected {answer}"
            assert np.allclose(got, reference), f"f(1) returned {got}, expected {reference}"
            ok = got == 5
            want_total = 5
            assert ok, f"f(1) returned {got}, expected {want_total}"
        """
    )
    assert [p.split("the message shows ")[1].split(",")[0] for p in problems] == [
        "'answer'", "'reference'", "'want_total'"
    ]


def test_a_helper_is_checked_for_hiding_tests_and_not_for_marked_ones() -> None:
    helper = """
        def _check(got, want, call):
            assert got == want, f"{call} returned {got!r}, expected {want!r}"
    """
    hidden_user = helper + """
        def test_a(student):
            _check(student.f(1), 2, "f(1)")
    """
    marked_user = helper + """
        @shows_expected
        def test_a(student):
            _check(student.f(1), 2, "f(1)")
    """
    assert [p.split(": ")[1] for p in leaks(hidden_user)] == ["_check"]
    assert leaks(marked_user) == []


def test_every_grader_in_the_repository_follows_the_rule() -> None:
    problems = {
        definition.slug: found
        for definition in discover(ROOT / "exercises", ROOT / "graders")
        if (found := feedback_leaks(definition))
    }
    assert problems == {}
