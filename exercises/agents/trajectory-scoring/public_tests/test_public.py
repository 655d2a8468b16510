"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (generated trajectories with the
slips agents make, every kind of validation error, more argument rules).
"""

import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    answer_matches,
    arguments_match,
    final_answer,
    follows_order,
    match_calls,
    score_trajectory,
    step_efficiency,
    tool_calls,
    validate_trajectory,
)


def call(call_id, name, arguments):
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": raw}}


def result(call_id, content="ok"):
    return {"role": "tool", "tool_call_id": call_id, "content": content}


EXAMPLE = [
    {"role": "system", "content": "You are a travel assistant."},
    {"role": "user", "content": "Weather in Paris in Celsius, and 120 USD in EUR?"},
    {"role": "assistant", "content": None, "tool_calls": [
        call("call_1", "get_weather", '{"unit": "celsius", "city": "Paris"}'),
        call("call_2", "convert_currency", '{"amount": 120, "from": "USD", "to": "EUR"}')]},
    result("call_1", "18 C, cloudy"),
    result("call_2", "110.40 EUR"),
    {"role": "assistant", "content": None, "tool_calls": [
        call("call_3", "get_weather", '{"city":"Paris","unit":"celsius"}')]},
    result("call_3", "18 C, cloudy"),
    {"role": "assistant", "content": "It is 18 C in Paris, and 120 USD is 110.40 EUR."},
]
TASK = {
    "expected_calls": [
        {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
        {"name": "convert_currency", "arguments": {"amount": 120.0, "from": "USD", "to": "EUR"}},
    ],
    "required_order": ["get_weather", "convert_currency"],
    "answer": "It is 18 C in Paris, and 120 USD is 110.40 EUR.",
}


def test_example_tool_calls():
    calls = tool_calls(EXAMPLE)
    assert [c["id"] for c in calls] == ["call_1", "call_2", "call_3"]
    assert calls[0] == {"id": "call_1", "name": "get_weather", "arguments": {"unit": "celsius", "city": "Paris"},
                        "message": 2, "answered": True}, f"got {calls[0]}"


def test_statement_validation_example():
    messages = [
        {"role": "user", "content": "Paris weather, the time, then museums."},
        {"role": "assistant", "content": None, "tool_calls": [
            call("call_1", "get_weather", '{"city": "Paris"}'), call("call_2", "get_time", "{city: Paris}")]},
        result("call_2"),
        result("call_2"),
        {"role": "assistant", "content": None, "tool_calls": [call("call_3", "search", '{"q": "museums"}')]},
        {"role": "user", "content": "Hello?"},
        result("call_9"),
    ]
    assert validate_trajectory(messages) == [
        "message 1: arguments of call 'call_2' are not a JSON object",
        "message 2: result for call 'call_2' is out of order",
        "message 3: call 'call_2' answered twice",
        "message 1: call 'call_1' has no result",
        "message 4: call 'call_3' has no result",
        "message 6: result for unknown call 'call_9'",
    ]
    assert validate_trajectory(EXAMPLE) == []


def test_arguments_compare_as_json_values():
    assert arguments_match({"unit": "celsius", "city": "Paris"}, {"city": "Paris", "unit": "celsius"})
    assert arguments_match({"amount": 120}, {"amount": 120.0})
    assert not arguments_match({"repeat": 1}, {"repeat": True}), "a boolean only matches a boolean"
    assert not arguments_match({"ids": [2, 1]}, {"ids": [1, 2]}), "list order matters"


def test_example_matches_and_steps():
    got = match_calls(EXAMPLE, TASK["expected_calls"])
    assert [tuple(p) for p in got["matches"]] == [(0, 0), (1, 1)], f"got {got['matches']}"
    assert math.isclose(got["precision"], 2 / 3) and got["recall"] == 1.0, "the repeated call_3 is not correct"
    steps = step_efficiency(EXAMPLE, TASK["expected_calls"])
    assert steps["extra"] == 1 and steps["repeated"] == 1 and math.isclose(steps["efficiency"], 2 / 3), f"got {steps}"
    assert follows_order(EXAMPLE, TASK["required_order"])
    assert not follows_order(EXAMPLE, ["convert_currency", "convert_currency"])


def test_example_answer_and_score():
    assert final_answer(EXAMPLE) == "It is 18 C in Paris, and 120 USD is 110.40 EUR."
    assert answer_matches(EXAMPLE, "  it is 18 C in paris,  and 120 USD is 110.40 EUR.")
    assert final_answer(EXAMPLE[:-1]) is None, "the run ends with a tool result: no final answer"
    got = score_trajectory(EXAMPLE, TASK)
    assert got["valid"] is True and got["errors"] == [] and got["in_order"] is True and got["answer_match"] is True
    assert math.isclose(got["score"], 0.15 + 0.25 + 0.15 * 2 / 3 + 0.10 + 0.10 * 2 / 3 + 0.25), f"score {got['score']}"
