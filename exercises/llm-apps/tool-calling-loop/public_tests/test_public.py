"""Public tests: run them next to your solution.py (and toolbox.py) with plain pytest:

    pytest public_tests/

They check function_schema and execute_tool_call on the toolbox, and run_agent against a fake client that
answers from a list. The hidden grader uses a scripted model that checks each request as the API does.
"""

import json
import os
import sys
from types import SimpleNamespace as NS

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402
import toolbox  # noqa: E402


def test_schema_of_add():
    assert solution.function_schema(toolbox.add) == {
        "type": "function",
        "function": {"name": "add", "description": "Add two numbers.", "parameters": {
            "type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}},
    }


def test_schema_description_is_the_first_docstring_line():
    assert solution.function_schema(toolbox.get_weather)["function"]["description"] == "Current weather in a city."


def test_execute_results_are_strings():
    call = {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 40}'}}
    assert solution.execute_tool_call(call, {"add": toolbox.add}) == "42"
    call = {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
    assert solution.execute_tool_call(call, {"get_weather": toolbox.get_weather}) == "rain, 7 C"


def test_execute_errors_do_not_raise():
    tools = {"get_weather": toolbox.get_weather}
    for name, arguments in [("nope", "{}"), ("get_weather", "{city"), ("get_weather", '{"city": "Atlantis"}')]:
        call = {"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}
        assert solution.execute_tool_call(call, tools).startswith("Error")


class FakeClient:
    def __init__(self, answers):
        self.answers, self.requests = list(answers), []
        self.chat = NS(completions=NS(create=self.create))

    def create(self, **kwargs):
        self.requests.append(json.loads(json.dumps(kwargs)))
        return NS(choices=[NS(message=self.answers.pop(0))])


def test_statement_example(monkeypatch):
    call = NS(id="call_7", type="function", function=NS(name="add", arguments='{"a": 2, "b": 40}'))
    client = FakeClient([NS(content=None, tool_calls=[call]), NS(content="2 + 40 = 42.", tool_calls=None)])
    monkeypatch.setattr(solution.openai, "OpenAI", lambda *a, **k: client)
    got = solution.run_agent("What is 2 + 40?", [toolbox.add])
    assert got["answer"] == "2 + 40 = 42."
    second = client.requests[1]["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "tool"]
    assert second[1]["tool_calls"][0]["id"] == "call_7"
    assert second[2] == {"role": "tool", "tool_call_id": "call_7", "content": "42"}
    assert client.requests[0]["tools"][0]["function"]["name"] == "add"
    assert [m["role"] for m in got["messages"]] == ["user", "assistant", "tool", "assistant"]
