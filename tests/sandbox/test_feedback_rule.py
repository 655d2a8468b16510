"""What a hidden test's feedback may reveal: its expected value only where the test is marked @shows_expected.

The rule is applied where messages are built, in the grader box (grader_runner's assertion hook and
failure_message, gradient_grader's expected() and assert_close), so these run the fixture grader in
fixtures/feedback through the real sandbox, cold and warm. Its expected values are numbers no honest answer
produces; the honest solution fails every test but the last, and the messages are searched for them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

FEEDBACK_GRADER = Path(__file__).parent / "fixtures" / "feedback"
SECRETS = ("7331", "9137.25", "8086")


def messages(outcome) -> dict[str, str]:
    return {t.name: t.message for t in outcome.tests}


def reveals(message: str) -> list[str]:
    return [secret for secret in SECRETS if secret in message]


def test_hidden_tests_never_show_their_expected_values_and_marked_tests_do(grade, honest):
    outcome = grade(honest, grader_dir=FEEDBACK_GRADER)
    assert outcome.status == "graded", outcome.messages
    got = messages(outcome)
    outcomes = {t.name: t.outcome for t in outcome.tests}
    assert outcomes.pop("test_passes_and_is_marked") == "passed"
    assert set(outcomes.values()) == {"failed"}, outcomes
    assert outcome.score == 1

    hidden = {n: text for n, text in got.items() if "when_marked" not in n and n != "test_passes_and_is_marked"}
    assert len(hidden) == 7
    for name, text in hidden.items():
        assert reveals(text) == [], f"{name} revealed its expected value: {text!r}"

    # A bare `assert got == want`: the student's value (the left operand) only.
    assert got["test_bare_assert_hides_the_right_operand"] == "assert 5 == (hidden)"
    # pytest's "where 7331 = _reference(2, 3)" and its dict diff are dropped with the right operand.
    assert got["test_bare_assert_hides_where_clauses_and_diffs"] == "assert {'sum': 5, 'inputs': [2, 3]} == (hidden)"
    assert got["test_bare_call_assert_hides_its_arguments"].startswith("assert False")
    assert got["test_string_compare_hides_the_diff"] == "assert 'Hello, Ada!' == (hidden)"
    # Messages the grader writes keep the inputs and what came back; expected() stands in for the value.
    assert got["test_message_hides_expected"] == "add(2, 3) returned 5, expected (hidden)"
    assert got["test_assert_close_hides_expected"].startswith("mean([1.0, 2.0]) differs: got 1.5, expected (hidden)")
    # numpy.testing prints ACTUAL and DESIRED: none of it is passed on.
    library = got["test_library_assertion_is_not_repeated"]
    assert "a check failed" in library and "ACTUAL" not in library and "5" not in library

    # Marked tests show what they compared against.
    assert "7331" in got["test_bare_assert_shows_it_when_marked"]
    assert got["test_bare_assert_shows_it_when_marked"].startswith("assert 5 == 7331")
    assert got["test_message_shows_expected_when_marked"] == "add(2, 3) returned 5, expected 7331"
    assert got["test_assert_close_shows_expected_when_marked"].startswith(
        "mean([1.0, 2.0]) differs: got 1.5, expected 9137.25"
    )
