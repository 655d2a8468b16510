"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

AutoGen's own ReplayChatCompletionClient stands in for the model: it replays the replies listed, in order,
and records what each call received (`client.create_calls`), so no server is needed. The tests put it in
place of your make_client(). The hidden grader uses your real OpenAIChatCompletionClient against a scripted
model, with other questions, numbers, drafts and call ids, and checks every request.
"""

import os
import sys

import pytest
from autogen_core import FunctionCall
from autogen_core.models import (
    AssistantMessage,
    CreateResult,
    FunctionExecutionResultMessage,
    RequestUsage,
    SystemMessage,
    UserMessage,
)
from autogen_ext.models.replay import ReplayChatCompletionClient

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402

MODEL_INFO = {"vision": False, "function_calling": True, "json_output": False, "structured_output": False,
              "family": "unknown"}


def calls(*calls):
    """A model reply with tool calls: calls(("add", '{"a": 2, "b": 40}', "call_7"), ...)."""
    return CreateResult(finish_reason="function_calls", cached=False,
                        usage=RequestUsage(prompt_tokens=0, completion_tokens=0),
                        content=[FunctionCall(id=i, name=n, arguments=a) for n, a, i in calls])


@pytest.fixture
def replay(monkeypatch):
    """replay(*replies): the client that make_client() returns from now on (one for the whole test)."""
    def install(*replies):
        client = ReplayChatCompletionClient(list(replies), model_info=MODEL_INFO)
        monkeypatch.setattr(solution, "make_client", lambda: client)
        return client
    return install


def kinds(messages):
    return [type(m).__name__ for m in messages]


def test_make_client_settings():
    os.environ.setdefault("OPENAI_API_KEY", "not-used")
    client = solution.make_client()
    assert type(client).__name__ == "OpenAIChatCompletionClient"
    config = client.dump_component().config
    assert config["model"] == "gradient-scripted"
    assert config.get("temperature") == 0 and config.get("max_retries") == 0
    assert {k: client.model_info.get(k) for k in MODEL_INFO} == MODEL_INFO


def test_example_calculator_run(replay):
    client = replay(calls(("add", '{"a": 2, "b": 40}', "call_7")), "2 + 40 = 42.")
    got = solution.ask_calculator("What is 2 + 40?")
    assert got == {"answer": "2 + 40 = 42.",
                   "calls": [{"name": "add", "arguments": {"a": 2, "b": 40}, "result": "42", "is_error": False}]}
    first, second = client.create_calls
    assert kinds(first["messages"]) == ["SystemMessage", "UserMessage"]
    assert first["messages"][0].content == solution.CALCULATOR_PROMPT
    assert sorted(tool["name"] for tool in first["tools"]) == ["add", "city_population", "multiply"]
    assert kinds(second["messages"]) == ["SystemMessage", "UserMessage", "AssistantMessage",
                                         "FunctionExecutionResultMessage"]
    result = second["messages"][3].content[0]
    assert (result.call_id, result.content) == ("call_7", "42"), "the tool's result goes back to the model"


def test_unknown_city_becomes_an_error_result(replay):
    replay(calls(("city_population", '{"city": "Nowhere"}', "c1")), "I do not know that city.")
    got = solution.ask_calculator("How many people live in Nowhere?")
    assert got["answer"] == "I do not know that city."
    (call,) = got["calls"]
    assert call["is_error"] is True and "no population known" in call["result"]


def test_reflection_after_the_last_round(replay):
    client = replay(*[calls(("add", f'{{"a": {i}, "b": 1}}', f"c{i}")) for i in range(solution.MAX_TOOL_ROUNDS)],
                    "Enough counting.")
    got = solution.ask_calculator("Count up forever.")
    assert len(client.create_calls) == solution.MAX_TOOL_ROUNDS + 1
    assert client.create_calls[-1]["tools"] == [], "the reflection, after the last round, offers no tools"
    assert got["answer"] == "Enough counting." and len(got["calls"]) == solution.MAX_TOOL_ROUNDS


def test_example_team_run(replay):
    client = replay("Roses are red.", "Add a second line.", "Roses are red,\nviolets are blue.", "Nice. APPROVE")
    got = solution.run_team("Write two lines about flowers.")
    assert got == {"speakers": ["user", "writer", "critic", "writer", "critic"],
                   "final_answer": "Roses are red,\nviolets are blue.", "stop": "approved"}
    critic = client.create_calls[1]["messages"]
    assert [type(m) for m in critic] == [SystemMessage, UserMessage, UserMessage]
    assert critic[0].content == solution.CRITIC_PROMPT and critic[2].source == "writer"
    writer = client.create_calls[2]["messages"]
    assert [type(m) for m in writer] == [SystemMessage, UserMessage, AssistantMessage, UserMessage]


def test_team_message_limit(replay):
    replay("Draft one.", "No.", "Draft two.", "Still no.")
    got = solution.run_team("Write something.", max_messages=4)
    assert got == {"speakers": ["user", "writer", "critic", "writer"], "final_answer": "Draft two.",
                   "stop": "max_messages"}


def test_panel_with_replayed_selector(replay):
    client = replay("researcher", calls(("city_population", '{"city": "Oslo"}', "p1")), "Oslo has 709037 people.",
                    "writer", "Oslo: 709037 people.", "critic", "APPROVE")
    got = solution.run_panel("Write one line about the size of Oslo.")
    assert got == {"speakers": ["user", "researcher", "writer", "critic"], "final_answer": "Oslo: 709037 people.",
                   "stop": "approved"}
    selector = client.create_calls[0]["messages"][0]
    assert "researcher: " + solution.RESEARCHER_DESCRIPTION in selector.content, "the selector sees the descriptions"
    reflection = client.create_calls[2]["messages"]
    assert isinstance(reflection[-1], FunctionExecutionResultMessage)
