"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

A fake chat model (below) replays scripted replies and records what each call received, so no server is
needed. The hidden grader uses the real ChatOpenAI against a scripted model, with other questions, arguments
and call ids, and checks every request.
"""

import os
import sys

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402
from solution import build_agent, build_assistant, make_model, run_graph  # noqa: E402


class FakeModel(GenericFakeChatModel):
    """Replies with `messages` in order; records each call's messages and the names of the tools bound."""

    requests: list = []

    def bind_tools(self, tools, **kwargs):
        return self.bind(tools=[t.name for t in tools])

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.requests.append({"messages": list(messages), "tools": kwargs.get("tools")})
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def fake(*replies):
    return FakeModel(messages=iter(replies))


def calls(*calls):
    """A model reply with tool calls: calls(("add", {"a": 2, "b": 40}, "call_7"), ...)."""
    return AIMessage(content="", tool_calls=[{"name": n, "args": a, "id": i} for n, a, i in calls])


def kinds(messages):
    return [m.type for m in messages]


def test_make_model_is_a_chat_openai_for_the_exercise_model():
    os.environ.setdefault("OPENAI_API_KEY", "not-used")
    model = make_model()
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "gradient-scripted"
    assert model.temperature == 0 and model.max_retries == 0


def test_statement_example():
    model = fake(calls(("add", {"a": 2, "b": 40}, "call_7")), AIMessage("2 + 40 = 42."))
    got = run_graph(build_agent(model), "What is 2 + 40?")
    assert got == {"answer": "2 + 40 = 42.", "stopped": "answer", "path": ["agent", "tools", "agent"],
                   "trace": ["agent: calls add(a=2, b=40)", "tools: add -> 42", "agent: answers 2 + 40 = 42."]}
    first, second = model.requests
    assert [(m.type, m.content) for m in first["messages"]] == [("system", solution.AGENT_PROMPT),
                                                                 ("human", "What is 2 + 40?")]
    assert first["tools"] == ["add", "multiply", "city_population"]
    assert kinds(second["messages"]) == ["system", "human", "ai", "tool"]
    tool = second["messages"][3]
    assert (tool.tool_call_id, tool.content) == ("call_7", "42")


def test_final_state_keeps_every_message_and_counts_agent_calls():
    model = fake(calls(("city_population", {"city": "Oslo"}, "c1"), ("city_population", {"city": "Nowhere"}, "c2")),
                 AIMessage("Oslo has 709037 people."))
    state = build_agent(model, 3).invoke({"messages": [("user", "People in Oslo and Nowhere?")], "agent_calls": 0})
    assert kinds(state["messages"]) == ["human", "ai", "tool", "tool", "ai"]
    assert state["agent_calls"] == 2
    ok, failed = state["messages"][2:4]
    assert ok.content == "709037"
    assert failed.tool_call_id == "c2" and failed.content.startswith("Error"), "a failing tool becomes an Error message"


def test_step_limit_on_every_run():
    model = fake(*[calls(("add", {"a": i, "b": 1}, f"c{i}")) for i in range(4)])
    graph = build_agent(model, 2)
    for run in (1, 2):
        got = run_graph(graph, "Count up forever.")
        assert len(model.requests) == 2 * run, "max_agent_calls=2 allows 2 model calls per run"
        assert (got["answer"], got["stopped"]) == (None, "step_limit")
        assert got["path"] == ["agent", "tools", "agent"]
    with pytest.raises(ValueError):
        build_agent(fake(), 0)


def test_triage_branches_to_chat_or_to_the_agent():
    model = fake(AIMessage(" Chat.\n"), AIMessage("Hello!"))
    state = build_assistant(model, 3).invoke({"messages": [("user", "Hi there")], "agent_calls": 0})
    assert state["route"] == "chat" and kinds(state["messages"]) == ["human", "ai"]
    triage, chat = model.requests
    assert triage["tools"] is None and chat["tools"] is None, "triage and chat call the model without tools"
    assert [m.content for m in triage["messages"]] == [solution.TRIAGE_PROMPT, "Hi there"]
    assert chat["messages"][0].content == solution.CHAT_PROMPT

    model = fake(AIMessage("TOOLS."), calls(("multiply", {"a": 6, "b": 7}, "m1")), AIMessage("42."))
    got = run_graph(build_assistant(model, 3), "6 times 7?")
    assert got["path"] == ["triage", "agent", "tools", "agent"]
    assert got["trace"] == ["triage: tools", "agent: calls multiply(a=6, b=7)", "tools: multiply -> 42",
                            "agent: answers 42."]
    assert kinds(model.requests[1]["messages"]) == ["system", "human"], "the triage label is not a message"
