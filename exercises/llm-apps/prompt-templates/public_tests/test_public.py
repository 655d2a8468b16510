"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and rules without calling a model. The hidden grader checks more,
including the exact messages `classify` sends to a scripted model.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import PromptTemplate, build_messages, few_shot_messages, normalise_label  # noqa: E402


def test_statement_template_example():
    t = PromptTemplate('Reply as JSON: {{"answer": "{answer}"}} to {name}, {name}!')
    assert t.variables == ["answer", "name"], f"variables are {t.variables!r}, expected ['answer', 'name']"
    got = t.format(answer=42, name="Ada")
    assert got == 'Reply as JSON: {"answer": "42"} to Ada, Ada!', f"format returned {got!r}"


def test_missing_and_unexpected_values_raise():
    t = PromptTemplate("Hello {name}, you are {age}")
    with pytest.raises(ValueError, match="age"):
        t.format(name="Ada")
    with pytest.raises(ValueError, match="colour"):
        t.format(name="Ada", age=36, colour="red")


@pytest.mark.parametrize("bad", ["a { b", "a } b", "{}", "{1st}"])
def test_malformed_templates_raise(bad):
    with pytest.raises(ValueError):
        PromptTemplate(bad)


def test_statement_build_messages_example():
    got = build_messages("Be brief.", "And Spain?", [("Capital of France?", "Paris")])
    assert got == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris"},
        {"role": "user", "content": "And Spain?"},
    ], f"build_messages returned {got!r}"
    assert build_messages(None, "Hi") == [{"role": "user", "content": "Hi"}]


def test_few_shot_examples_are_turns():
    got = few_shot_messages("Label it.", [("Loved it", "positive")], "Meh", user_template="Text: {text}")
    assert got == [
        {"role": "system", "content": "Label it."},
        {"role": "user", "content": "Text: Loved it"},
        {"role": "assistant", "content": "positive"},
        {"role": "user", "content": "Text: Meh"},
    ], f"few_shot_messages returned {got!r}"


def test_statement_normalise_examples():
    labels = ["positive", "negative", "neutral"]
    assert normalise_label(" Positive.", labels) == "positive"
    assert normalise_label(" NEGATIVE\n", labels) == "negative"
    assert normalise_label("'neutral'", labels) == "neutral"
    assert normalise_label("mixed", labels) == "unknown"
