"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check `validate_ticket` and `parse_ticket` on the statement's schema without calling a model. The
hidden grader also runs `extract_ticket` against a scripted model.
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import InvalidOutput, parse_ticket, validate_ticket  # noqa: E402

GOOD = {"category": "billing", "priority": 4, "summary": "Charged twice", "needs_human": True}


def test_a_valid_ticket_has_no_problems():
    assert validate_ticket(dict(GOOD)) == [], f"validate_ticket({GOOD!r}) returned {validate_ticket(dict(GOOD))!r}"


@pytest.mark.parametrize("key, value", [("category", "sales"), ("priority", "high"), ("priority", 0),
                                        ("priority", False), ("summary", ""), ("needs_human", "yes")])
def test_one_bad_value_is_one_problem_naming_its_key(key, value):
    ticket = dict(GOOD, **{key: value})
    problems = validate_ticket(ticket)
    assert len(problems) == 1 and key in problems[0], f"validate_ticket({ticket!r}) returned {problems!r}"


def test_missing_and_extra_keys():
    ticket = {"category": "other", "priority": 1, "summary": "Hi", "urgent": True}
    problems = validate_ticket(ticket)
    assert any("needs_human" in p for p in problems) and any("urgent" in p for p in problems), problems


def test_not_an_object():
    assert len(validate_ticket(["billing", 4])) == 1


def test_parse_ticket():
    assert parse_ticket(json.dumps(GOOD)) == GOOD
    with pytest.raises(InvalidOutput, match="JSON"):
        parse_ticket('Sure! {"category": "billing"')
    with pytest.raises(InvalidOutput, match="priority"):
        parse_ticket(json.dumps(dict(GOOD, priority=9)))
